// iceberg_scan: Iceberg tables as a DuckDB table function.
//
//   SELECT * FROM iceberg_scan('lake.orders');                      -- a catalog table
//   SELECT * FROM iceberg_scan('/data/warehouse/lake/orders');      -- a folder (or s3://...)
//   SELECT * FROM iceberg_scan('lake.orders', snapshot_id => 42);   -- time travel
//   SELECT * FROM iceberg_scan('lake.orders', as_of => TIMESTAMPTZ '2026-12-01 10:00:00+00');
//   SELECT * FROM iceberg_scan('lake.orders', ref => 'audit');      -- a branch or tag
//
// DuckDB's own Parquet scan reads the files; the planner (scan.h) chooses
// them, pruning by the query's filters before any file is opened. Columns
// are matched by field id, so renamed and added columns read right.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "engine/session.h"
#include "iceberg/scan.h"

namespace floe::iceberg {

// What one iceberg_scan read: for logs, for tests of pruning, and for
// recording the snapshots an execution read.
struct ScanReport {
  std::string table;  // as named in the query
  std::string metadata_location;
  int64_t snapshot_id = 0;  // 0: the table had no snapshot
  bool moved = false;       // read from another folder than the one it records
  bool pinned = false;      // read at the snapshot ScanFunctionOptions::pinned gave
  bool chosen = false;      // the query named the snapshot itself (snapshot_id, as_of, ref)
  std::string found_location;
  ScanStats stats;
};

struct ScanFunctionOptions {
  // The SQL catalog's SQLite database; empty: only tables named by path.
  std::filesystem::path catalog;
  // Tables read at a fixed snapshot unless the query names one (a replay
  // reading what the first run read), by the name the query gives.
  std::map<std::string, int64_t> pinned;
  // The branch a table is read at when the query names no snapshot or ref
  // ("" for main), by the name the query gives: a write-audit-publish run
  // reads the branches it audits. Called from DuckDB's threads.
  std::function<std::string(const std::string&)> branch_of;
  // Called (from DuckDB's threads) each time a scan has planned its files.
  std::function<void(const ScanReport&)> on_scan;
};

// For engine::SessionOptions::functions: iceberg_scan, and
// iceberg_bucket(value, n), the spec's bucket transform (for writes).
engine::FunctionRegistrar IcebergFunctions(ScanFunctionOptions options);

}  // namespace floe::iceberg
