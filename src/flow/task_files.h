// Files in and out of a task's working folder, as Kestra's script and
// WorkingDirectory tasks take them:
//
//   inputFiles:  {data.csv: "{{ outputs.extract.uri }}", query.sql: "SELECT 1"}
//   outputFiles: ["*.parquet", "reports/**.html"]
//
// An input file's value is its content, or a floe://, s3:// or file:// URI
// whose file is copied. Output patterns are globs relative to the folder ('*' stays
// within a folder, '**' crosses folders); matches are stored in the
// execution's storage and returned as {relative path: URI}.
#pragma once

#include <filesystem>
#include <string_view>

#include "flow/task.h"

namespace floe::flow {

Status WriteInputFiles(TaskContext& ctx, std::string_view property, const tmpl::Value& files,
                       const std::filesystem::path& dir);

Result<tmpl::Value> CollectOutputFiles(TaskContext& ctx, std::string_view property, const tmpl::Value& patterns,
                                       const std::filesystem::path& dir);

// Copies the namespace's files into `dir`. `setting` is true/false or
// {enabled, include: [globs], exclude: [globs]}.
Status CopyNamespaceFiles(TaskContext& ctx, std::string_view property, const tmpl::Value& setting,
                          const std::filesystem::path& dir);

}  // namespace floe::flow
