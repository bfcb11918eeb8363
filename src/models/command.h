// dbt's command line, run natively: `build -s +orders --full-refresh`,
// `run --vars '{x: 1}'`, `test`, `seed`, `snapshot`, `compile`, `ls`,
// `show`, `parse`, `deps`, `clean`, `debug`, `docs generate`. Used by
// `floe models ...` and by the models.Build / DbtCLI flow tasks.
// `build --audit-branch NAME` writes Iceberg models into that branch and
// publishes them to main only when every test passes (lake_models.h).
//
//   CommandEnvironment env{.working_directory = ".", .out = print, .err = print};
//   int exit_code = RunCommand({"build", "-s", "orders+"}, env);
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::models {

class FingerprintStore;

struct CommandEnvironment {
  std::filesystem::path working_directory;      // --project-dir is relative to it
  std::function<void(const std::string&)> out;  // one line of output
  std::function<void(const std::string&)> err;
  std::optional<std::string> inline_profiles;  // a flow task's `profiles:`
  // Clones a git package for `deps` (url, revision, into).
  std::function<Status(const std::string&, const std::string&, const std::filesystem::path&)> fetch_git;
  // Where fingerprints of successful builds are kept (floe's state store);
  // null: none are recorded and --skip-unchanged is refused.
  FingerprintStore* fingerprints = nullptr;
  // Cancellation (a killed flow task): checked before each node starts, and
  // handed a function that interrupts the running statements (nullptr when
  // the session closes).
  std::function<bool()> cancelled;
  std::function<void(std::function<void()>)> set_interrupt;
  // floe's Iceberg catalog (its SQLite database) and warehouse, for
  // iceberg_scan in models and models materialized as 'iceberg'; empty:
  // neither is available.
  std::filesystem::path lake_catalog;
  std::string lake_warehouse;
  // Fill CommandOutcome::run_results (flow tasks read it; the CLI does not).
  bool want_run_results = false;
  // A flow task's working directory, deleted when the task ends: a target
  // database in it is warned about (its models would not outlive the task).
  std::filesystem::path scratch_directory;
  // After commands that build relations (run, seed, snapshot, build), also
  // write target/catalog.json, as `docs generate` does: the web UI shows the
  // built relations' columns from it.
  bool write_catalog = false;
};

// What a command did, for flow task outputs.
struct CommandOutcome {
  int exit_code = 0;  // dbt's: 0 success, 1 a node failed, 2 a usage or project error
  // run_results.json's `results` list (null when the command ran no nodes,
  // or the environment did not ask for it).
  tmpl::Value run_results;
  std::filesystem::path target_dir;  // where manifest.json and run_results.json were written
};

// Runs one command line (without the leading "dbt").
CommandOutcome RunCommand(const std::vector<std::string>& args, const CommandEnvironment& env);

// Splits a shell-like command line ("build -s 'tag:x y'") into words.
Result<std::vector<std::string>> SplitCommandLine(std::string_view line);

}  // namespace floe::models
