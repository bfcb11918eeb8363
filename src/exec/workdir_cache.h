// Kestra's WorkingDirectory `cache`: files of the shared folder matching
// `patterns` are kept in internal storage after the tasks ran, and put
// back into the folder before they run the next time (in any execution of
// the flow), until `ttl` has passed since they were kept. Internal to exec.
//
// The cache is one object, floe's own archive: a header line
// "floe-workdir-cache 1 <kept at, ms since the epoch>\n", then per file
// "<path length> <size>\n<path><content>".
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/log.h"
#include "core/status.h"
#include "core/time.h"
#include "storage/internal_storage.h"

namespace floe::exec {

struct WorkdirCache {
  std::vector<std::string> patterns;  // globs relative to the folder
  std::optional<Duration> ttl;        // none: kept until the files change
  std::string key;                    // where in internal storage
};

using CacheLog = std::function<void(LogLevel, const std::string&)>;

// Unpacks the cache into `dir`; returns when that was done (on the file
// system's clock), or nullopt when there is none or it has expired (then it
// is deleted).
Result<std::optional<Timestamp>> RestoreWorkdirCache(const storage::InternalStorage& storage, const WorkdirCache& cache,
                                                     const std::filesystem::path& dir,
                                                     const std::filesystem::path& scratch, Timestamp now,
                                                     const CacheLog& log);

// Keeps the files of `dir` matching the patterns, unless none of them
// changed since the cache was restored (`restored`).
Status SaveWorkdirCache(const storage::InternalStorage& storage, const WorkdirCache& cache,
                        const std::filesystem::path& dir, const std::filesystem::path& scratch,
                        std::optional<Timestamp> restored, Timestamp now, const CacheLog& log);

}  // namespace floe::exec
