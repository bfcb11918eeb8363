// Runs selected nodes of a manifest on one DuckDB session: seeds, models,
// snapshots and tests in DAG order, independent nodes at once on up to
// `threads` connections. A node that fails skips everything downstream of
// it; in `build`, a failing test also skips the children of what it tests.
//
//   RunOptions options{.command = Command::kBuild, .selected = nodes, .threads = 4};
//   ASSIGN_OR_RETURN(RunResults results, RunNodes(*manifest, *session, options));
#pragma once

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/manifest.h"

namespace floe::engine {
class Connection;
class Session;
}  // namespace floe::engine

namespace floe::models {

enum class Command { kRun, kTest, kSeed, kSnapshot, kBuild, kCompile };

class LakeModels;

struct RunOptions {
  Command command = Command::kBuild;
  std::vector<size_t> selected;  // node indexes; the caller has selected them
  int threads = 1;
  bool full_refresh = false;
  bool fail_fast = false;
  // Nodes whose fingerprint matches their last successful build
  // (--skip-unchanged): reported as NO-OP, not run, children not blocked.
  std::set<size_t> unchanged;
  std::function<bool()> cancelled;   // true: nodes not started yet are skipped
  std::filesystem::path target_dir;  // compiled/ and run/ SQL are written here (empty: not written)
  LakeModels* lake = nullptr;        // builds the 'iceberg' models (null: they fail, saying why)
  // Every line of dbt-style output ("1 of 5 START sql view model ...").
  std::function<void(const std::string&)> print;
};

struct NodeResult {
  size_t node = 0;
  std::string status;  // dbt's: success, error, skipped, pass, fail, warn, no-op
  double seconds = 0;
  std::string message;   // the adapter response, or the error
  int64_t failures = 0;  // tests
  std::string compiled_code;
  std::string started_at, completed_at;  // ISO-8601 UTC
};

struct RunResults {
  std::vector<NodeResult> results;  // in completion order
  double elapsed_seconds = 0;
  int pass = 0, warn = 0, error = 0, skip = 0, no_op = 0;
  bool success() const { return error == 0; }
};

// Renders one node in execute mode (ref() resolves to relations, ephemeral
// models become CTEs) on `con`, for `compile`, `show` and the runner.
Result<std::string> CompileNode(const Manifest& manifest, size_t node, engine::Connection* con, bool incremental);

// Runs the nodes. Node failures are results, not errors; an error is
// returned only when the run cannot start (no connection).
Result<RunResults> RunNodes(const Manifest& manifest, engine::Session& session, const RunOptions& options);

// Renders and runs `on-run-start` / `on-run-end` hooks; `extra_context`
// (a map, or null) adds variables (on-run-end's `results`).
Status RunHooks(const Manifest& manifest, engine::Session& session, const std::vector<std::string>& hooks,
                std::string_view which, const std::function<void(const std::string&)>& print,
                const tmpl::Value& extra_context);

}  // namespace floe::models
