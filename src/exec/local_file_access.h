// LocalFileAccess: the local files a flow may read through read(), input
// files, and the file:// or path arguments of tasks (s3.Upload `from`,
// duckdb.Query `databaseUri`, ForEachItem `items`). Execution files
// (floe:///) and s3:// objects are not local files and are not its concern.
//
//   LocalFileAccess files(flows / "_files" / "company.team", {"/srv/shared"});
//   files.Resolve("config/app.yml");      // <namespace files>/config/app.yml
//   files.Resolve("/srv/shared/a.csv");   // allowed: under an allowed folder
//   files.Resolve("/etc/passwd");         // FailedPrecondition
//   files.Resolve("../other.team/x");     // InvalidArgument: leaves the namespace
//
// A relative path names one of the namespace's files (never a file relative
// to floe's working folder) and may not climb out with '..'. An absolute path
// or file:// URI must lie, once symlinks are resolved, inside the namespace's
// files or one of the allowed folders (none by default). Errors name the path
// as the flow gave it, not the folders it was looked up in. Thread-safe
// (const).
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace floe::exec {

class LocalFileAccess {
 public:
  LocalFileAccess() = default;
  LocalFileAccess(std::filesystem::path namespace_files, std::vector<std::filesystem::path> allowed);

  // The readable regular file `path` (a relative path, an absolute path or a
  // file:// URI) names. NotFound when there is no such file.
  Result<std::filesystem::path> Resolve(std::string_view path) const;

 private:
  std::filesystem::path namespace_files_;
  std::vector<std::filesystem::path> allowed_;
};

}  // namespace floe::exec
