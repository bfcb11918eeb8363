// Amazon Ion text, the row format of Kestra's storage files: one value per
// line, e.g. {id:1,city:"Paris",amount:120.5e0}. JSON lines are Ion too.
// Internal to tasks (storage.FilterItems, storage.DeduplicateItems).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::tasks {

// The top-level values of Ion text. Symbols, timestamps and decimals read as
// strings and numbers; annotations are dropped. Errors name the line.
Result<std::vector<tmpl::Value>> ParseIonValues(std::string_view text);

// One value as Ion text on one line (maps with symbol keys where they can).
std::string ToIon(const tmpl::Value& v);

}  // namespace floe::tasks
