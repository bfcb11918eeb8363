// A zip archive of whole files, stored without compression (what
// /namespaces/{namespace}/files/export answers, as Kestra's does): readable by
// every zip tool. Names are '/'-separated paths inside the archive.
//
//   std::string zip = ZipArchive({{"queries/a.sql", "select 1"}});
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace floe::server {

// InvalidArgument when the archive would need zip64 (a file or the whole
// past 4 GiB, or more than 65,535 files).
Result<std::string> ZipArchive(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace floe::server
