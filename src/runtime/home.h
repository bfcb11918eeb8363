// The floe home folder: where the embedded defaults live.
//
//   <home>/floe.db     SQLite state (executions, task runs, logs)
//   <home>/storage/    execution files (floe:// URIs), unless --storage or
//                      $FLOE_STORAGE names another folder or an s3://bucket/prefix
//   <home>/lake/       the local lake folder ({{ globals.lake }}); Iceberg
//                      tables under lake/warehouse (or $FLOE_WAREHOUSE),
//                      their catalog in floe.db
//   <home>/tmp/        task working directories, removed after each run
//   <home>/locks/      a lock per execution being run (see exec/execution_lock.h)
//   <home>/secrets.yml secrets as NAME: value (besides $SECRET_<NAME>)
//   <home>/secret.key  the key SECRET inputs are stored encrypted with (made
//                      on first use, mode 0600), unless $FLOE_SECRET_KEY (the
//                      key, base64) or $FLOE_SECRET_KEY_FILE names another
//
// $FLOE_ALLOWED_PATHS (folders separated by ':') lets flows read local files
// there besides their namespace's files; see docs/SECURITY.md.
//
// The home is --home, else $FLOE_HOME, else ./.floe.
//
// The flows folder (Subflow targets, `floe flows`) is --flows, else
// $FLOE_FLOWS, else ./flows; <flows>/_files/<namespace>/ holds namespace files.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "exec/executor.h"
#include "flow/registry.h"
#include "state/store.h"
#include "storage/internal_storage.h"

namespace floe::runtime {

struct Home {
  std::filesystem::path root;
  std::filesystem::path flows;
  std::string storage;  // a folder or s3://bucket/prefix
  std::filesystem::path database() const { return root / "floe.db"; }
  std::filesystem::path lake() const { return root / "lake"; }
  // The Iceberg SQL catalog (in floe.db) and the warehouse: <lake>/warehouse,
  // unless $FLOE_WAREHOUSE names another folder or an s3:// prefix.
  flow::LakeSettings lake_settings() const;
  std::filesystem::path scratch() const { return root / "tmp"; }
  std::filesystem::path locks() const { return root / "locks"; }
  // `extra_flow_dirs` are searched for subflows too (the running flow's folder).
  exec::ExecutorSettings executor_settings(std::vector<std::filesystem::path> extra_flow_dirs = {}) const;
};

// The flags' values (may be empty).
Home ResolveHome(const std::string& home_flag, const std::string& flows_flag, const std::string& storage_flag);

// The registry of built-in tasks, built once.
const flow::TaskRegistry& BuiltinRegistry();

}  // namespace floe::runtime
