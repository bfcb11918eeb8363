// The lakehouse for the web UI and scripts, under /api/v1 and /api/v1/{tenant}:
//
//   GET  /lake/tables                              every Iceberg table of the catalog: namespace, name, metadata file
//   GET  /lake/tables/{namespace}/{table}          the table's metadata (the spec's JSON: schemas, partition
//                                                  specs, snapshots, refs, snapshot log, properties)
//   GET  /lake/tables/{namespace}/{table}/files    the data files of a snapshot (?snapshot= id, ?ref= branch or
//                                                  tag; the current one by default) with rows, bytes, partition
//   GET  /lake/tables/{namespace}/{table}/preview  its first rows at that snapshot (?size=, 100 by default):
//                                                  time travel through iceberg_scan
//   POST /lake/sql                                 {"sql", "size"}: one query over the lake, read-only (it is run
//                                                  as a subquery: statements that write or change settings do
//                                                  not parse), at most `size` rows (1,000; up to 10,000), 30 s
//   GET  /lake/models                              the latest run of each SQL models task (models.Build and its
//                                                  dbt aliases) among recent executions: its node results and the
//                                                  storage URIs of manifest.json, run_results.json, catalog.json
//   GET  /lake/models/{executionId}/{taskRunId}     one such run as dbt docs shows it (server/model_docs.h)
//
// The console reads what DuckDB can read as the server's user (files,
// s3:// through floe's client, iceberg_scan('ns.table')): it is for
// authenticated users only, like the rest of the API.
#pragma once

#include <filesystem>
#include <memory>

#include "core/status.h"
#include "iceberg/sql_catalog.h"
#include "server/api_context.h"
#include "storage/object_stores.h"

namespace floe::server {

struct LakeApiDeps {
  iceberg::SqlCatalog& catalog;
  storage::ObjectStores& stores;
  std::filesystem::path catalog_db;  // the catalog's SQLite file, for iceberg_scan
};

// Returns what the routes share (a DuckDB session opened on first use); keep
// it as long as the server serves.
Result<std::shared_ptr<void>> AddLakeRoutes(ApiContext& api, LakeApiDeps deps);

}  // namespace floe::server
