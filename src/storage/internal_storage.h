// InternalStorage: where an execution's files live (query results, collected
// output files, uploaded FILE inputs), addressed by floe:// URIs:
//
//   floe:///<namespace>/<flow>/executions/<execution>/tasks/<task>/<taskrun>/<name>
//
// This is a local folder today; an S3 prefix comes with the object storage
// work, behind the same URIs.
//
//   InternalStorage storage(home / "storage");
//   ASSIGN_OR_RETURN(std::string uri, storage.Put(local_file, "dev/hello/executions/01J.../out.parquet"));
//   ASSIGN_OR_RETURN(std::filesystem::path p, storage.LocalPath(uri));
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace floe::storage {

inline constexpr std::string_view kScheme = "floe://";

class InternalStorage {
 public:
  explicit InternalStorage(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }

  // Copies `local` to `key` (a relative, '/'-separated path without '..').
  Result<std::string> Put(const std::filesystem::path& local, std::string_view key) const;
  // The local path for `key`, parent folders created, for a writer to fill.
  // Returns the path and the URI it will be known by.
  Result<std::pair<std::filesystem::path, std::string>> Reserve(std::string_view key) const;
  // The local file behind a floe:// URI. NotFound if it does not exist.
  Result<std::filesystem::path> LocalPath(std::string_view uri) const;

  static std::string UriFor(std::string_view key) { return std::string(kScheme) + "/" + std::string(key); }
  static bool IsStorageUri(std::string_view uri) { return uri.starts_with(kScheme); }

 private:
  Status CheckKey(std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace floe::storage
