// Writing a query's rows as data files of an Iceberg table: columns matched
// to the table's schema by name and cast to its types, rows split by the
// table's partition spec (every transform, bucket through the iceberg_bucket
// function that duckdb_scan.h registers), one Parquet file per partition,
// each described (counts, bounds) from its footer. Nothing is committed:
// the caller commits the files (Tables::Commit) or deletes them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/session.h"
#include "iceberg/manifest.h"
#include "iceberg/metadata.h"
#include "storage/object_stores.h"

namespace floe::iceberg {

// `query` is one SELECT (or any statement that returns rows). Its columns
// must be table columns (an unknown one is an error naming the table's);
// table columns it lacks are NULL, unless required. The table's data
// folder is `<location>/data`, or its write.data.path property.
Result<std::vector<DataFile>> WriteDataFiles(engine::Connection& con, const TableMetadata& table,
                                             const std::string& query, storage::ObjectStores& stores);

// Merge-on-read deletes: `rows` (a relation with columns file_path and pos:
// the data files' paths as the metadata records them, and the positions of
// their deleted rows) written as position delete files, one per partition
// of the data files, which `partitions` gives (path -> spec id and tuple).
// Returned by spec id, described as Iceberg's position delete files.
Result<std::map<int, std::vector<DataFile>>> WritePositionDeletes(
    engine::Connection& con, const TableMetadata& table, const std::string& rows,
    const std::map<std::string, std::pair<int, std::vector<tmpl::Value>>>& partitions, storage::ObjectStores& stores);

// DuckDB's type for an Iceberg type, in SQL ("BIGINT", "DECIMAL(9,2)",
// "STRUCT(\"a\" INTEGER)[]").
std::string DuckDbTypeSql(const Type& type);

// Deletes files written but not committed (a failed commit); best effort.
void DeleteUncommitted(const std::vector<DataFile>& files, storage::ObjectStores& stores);

}  // namespace floe::iceberg
