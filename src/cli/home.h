// The floe home folder: where the embedded defaults live.
//
//   <home>/floe.db     SQLite state (executions, task runs, logs)
//   <home>/storage/    execution files (floe:// URIs)
//   <home>/lake/       the local lake folder ({{ globals.lake }})
//   <home>/tmp/        task working directories, removed after each run
//   <home>/locks/      a lock per execution being run (see exec/execution_lock.h)
//
// The home is --home, else $FLOE_HOME, else ./.floe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "exec/executor.h"
#include "flow/registry.h"
#include "state/store.h"
#include "storage/internal_storage.h"

namespace floe::cli {

struct Home {
  std::filesystem::path root;
  std::filesystem::path database() const { return root / "floe.db"; }
  std::filesystem::path storage() const { return root / "storage"; }
  std::filesystem::path lake() const { return root / "lake"; }
  std::filesystem::path scratch() const { return root / "tmp"; }
  std::filesystem::path locks() const { return root / "locks"; }
  exec::ExecutorSettings executor_settings() const {
    return exec::ExecutorSettings{
        .lake = lake(), .scratch = scratch(), .locks = locks(), .secrets_file = root / "secrets.yml"};
  }
};

// `flag` is the --home value (may be empty).
Home ResolveHome(const std::string& flag);

// The registry of built-in tasks, built once.
const flow::TaskRegistry& BuiltinRegistry();

}  // namespace floe::cli
