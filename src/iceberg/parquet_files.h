// Parquet data files for Iceberg tables, written and described by DuckDB:
// the rows of a query written with the table schema's field ids, and the
// DataFile (row count, size, and per column value and null counts, sizes
// and lower/upper bounds) read from the file's footer.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "engine/session.h"
#include "iceberg/manifest.h"
#include "iceberg/types.h"

namespace floe::iceberg {

// Writes `query`'s rows to `path` (a local path or s3:// URI) as Parquet,
// each column carrying the field id of the schema's field of its name.
Status WriteParquet(engine::Connection& con, const std::string& query, const std::string& path, const Schema& schema);

// The DataFile of the Parquet file at `path` of `size` bytes, its columns
// matched to the schema's top-level fields by name; bounds of primitive
// columns from the footer's statistics (a column without them has none).
Result<DataFile> DescribeParquet(engine::Connection& con, const std::string& path, int64_t size, const Schema& schema,
                                 std::vector<tmpl::Value> partition = {});

}  // namespace floe::iceberg
