// The lakehouse's Iceberg tables as tasks and the CLI use them: a catalog,
// the object stores, and a DuckDB session (with iceberg_scan) to write
// rows with. Each write is one commit: append, overwrite (the whole table
// or the rows a filter matches), merge on key columns, delete by filter.
// Overwrites, merges and deletes are copy-on-write: the data files holding
// affected rows are replaced by files with the rows that stay.
//
//   ASSIGN_OR_RETURN(auto lake, Lake::Open({.catalog = "floe.db", .warehouse = "/lake/warehouse"}));
//   ASSIGN_OR_RETURN(WriteResult r, lake->Write({.table = "lake.orders", .query = "SELECT ..."}));
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/session.h"
#include "iceberg/table.h"

namespace floe::iceberg {

struct LakeOptions {
  std::filesystem::path catalog;  // the SQL catalog's SQLite database
  std::string warehouse;          // new tables go to <warehouse>/<namespace>/<name>
  // Relative paths in the queries' reads are looked up here.
  std::optional<std::filesystem::path> working_directory;
};

struct CreateTableRequest {
  std::string table;  // ns.name
  // Columns from `schema`, or from `query`'s result (whose rows are then the
  // table's first snapshot).
  std::optional<Schema> schema;
  std::string query;
  // Spark's forms: "region", "day(at)", "bucket(16, id)", "truncate(4, name)".
  std::vector<std::string> partition_by;
  std::map<std::string, std::string> properties;
  std::string location;  // default <warehouse>/<namespace>/<name>
  bool if_not_exists = false;
};

enum class WriteMode { kAppend, kOverwrite, kMerge };

struct WriteRequest {
  std::string table;
  std::string query;  // the rows to write
  WriteMode mode = WriteMode::kAppend;
  // kOverwrite: a SQL condition on the table's columns; the rows it matches
  // are replaced (the whole table when empty), and every new row must match
  // it too.
  std::string where;
  std::vector<std::string> keys;  // kMerge: rows with these columns' values are replaced
  std::string branch = "main";
  // Schema, partition or property changes the rows are written for, made
  // in the same commit (see TableChange::metadata_edit).
  std::function<Status(TableMetadata&)> evolve;
};

struct WriteResult {
  LoadedTable table;
  bool committed = false;  // false: nothing changed (no rows to add or remove)
  int64_t added_records = 0, deleted_records = 0;
  int64_t added_files = 0, removed_files = 0;
};

class Lake {
 public:
  static Result<std::unique_ptr<Lake>> Open(const LakeOptions& options);
  ~Lake();

  SqlCatalog& catalog() { return *catalog_; }
  Tables& tables() { return *tables_; }
  storage::ObjectStores& stores() { return stores_; }
  engine::Connection& connection() { return *con_; }

  Result<LoadedTable> CreateTable(const CreateTableRequest& request);
  Result<WriteResult> Write(const WriteRequest& request);
  // Deletes the rows `where` matches (a SQL condition): copy-on-write, or
  // merge-on-read (position delete files) when the table's
  // write.delete.mode says so.
  Result<WriteResult> Delete(const std::string& table, const std::string& where, const std::string& branch = "main");
  // Rewrites the small data files of each partition (smaller than 3/4 of
  // the target size: `target_file_bytes`, else the table's
  // write.target-file-size-bytes, else 512 MiB) into one file per partition
  // of the current spec, as one "replace" commit. Partitions with a single
  // small file are left alone.
  Result<WriteResult> Compact(const std::string& table, int64_t target_file_bytes = 0);

 private:
  Lake() = default;
  // Replaces the files holding rows `affected` (SQL over the table's
  // columns) matches by their other rows, adds `query`'s rows, as one
  // commit; every added row must match `validate_added` when given.
  Result<WriteResult> Rewrite(const TableIdent& ident, const std::string& affected, const std::string& query,
                              const std::string& operation, const std::string& branch,
                              const std::string& validate_added = "",
                              const std::function<Status(TableMetadata&)>& evolve = nullptr);
  // Merge-on-read delete: position delete files for the matching rows.
  Result<WriteResult> DeletePositions(const LoadedTable& table, const std::string& where, const std::string& branch);

  LakeOptions options_;
  std::unique_ptr<SqlCatalog> catalog_;
  storage::ObjectStores stores_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<engine::Session> session_;
  std::unique_ptr<engine::Connection> con_;
};

Result<TableIdent> ParseTableIdent(const std::string& name);
// Table properties whose values Iceberg restricts (write.delete.mode,
// write.update.mode, write.merge.mode: copy-on-write or merge-on-read).
Status CheckTableProperties(const std::map<std::string, std::string>& properties);
// Spark's partition forms (see CreateTableRequest) against a schema.
Result<PartitionSpec> ParsePartitionBy(const std::vector<std::string>& fields, const Schema& schema);
// An Iceberg schema for a query's result columns (ids from 1, all optional).
Result<Schema> SchemaOfQuery(engine::Connection& con, const std::string& query);

}  // namespace floe::iceberg
