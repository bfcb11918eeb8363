#include "iceberg/lake.h"

#include <algorithm>
#include <cctype>

#include "iceberg/duckdb_scan.h"
#include "iceberg/scan.h"
#include "iceberg/sql_text.h"
#include "iceberg/writer.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using K = Type::Kind;

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

Result<TypePtr> IcebergTypeOf(const std::string& duck, const std::string& column) {
  std::string t = AsciiLower(duck);
  if (t == "bigint") return Type::Primitive(K::kLong);
  if (t == "integer" || t == "smallint" || t == "tinyint" || t == "usmallint" || t == "utinyint")
    return Type::Primitive(K::kInt);
  if (t == "uinteger") return Type::Primitive(K::kLong);
  // Iceberg has no wider integers: sums of integers (HUGEINT in DuckDB) and
  // unsigned 64-bit ones keep every value as decimals, as Spark types them.
  if (t == "hugeint") return ParsePrimitiveType("decimal(38, 0)");
  if (t == "ubigint") return ParsePrimitiveType("decimal(20, 0)");
  if (t == "double") return Type::Primitive(K::kDouble);
  if (t == "float") return Type::Primitive(K::kFloat);
  if (t == "boolean") return Type::Primitive(K::kBoolean);
  if (t == "varchar") return Type::Primitive(K::kString);
  if (t == "date") return Type::Primitive(K::kDate);
  if (t == "time") return Type::Primitive(K::kTime);
  if (t == "timestamp" || t == "timestamp_ms" || t == "timestamp_s") return Type::Primitive(K::kTimestamp);
  if (t == "timestamp with time zone") return Type::Primitive(K::kTimestampTz);
  if (t == "blob") return Type::Primitive(K::kBinary);
  if (t == "uuid") return Type::Primitive(K::kUuid);
  if (t.starts_with("decimal(")) return ParsePrimitiveType(t);
  return InvalidArgument("column '" + column + "' is of DuckDB type " + duck +
                         ", which has no Iceberg type floe creates tables with; cast it in the query or give a schema");
}

}  // namespace

Result<TableIdent> ParseTableIdent(const std::string& name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
    return InvalidArgument("'" + name + "' is not a table name: write namespace.table (e.g. lake.orders)");
  ASSIGN_OR_RETURN(Namespace ns, ParseNamespace(name.substr(0, dot)));
  return TableIdent{ns, name.substr(dot + 1)};
}

Status CheckTableProperties(const std::map<std::string, std::string>& properties) {
  for (const char* key : {"write.delete.mode", "write.update.mode", "write.merge.mode"}) {
    auto it = properties.find(key);
    if (it != properties.end() && it->second != "copy-on-write" && it->second != "merge-on-read")
      return InvalidArgument("table property " + std::string(key) + " is '" + it->second +
                             "'; it must be copy-on-write or merge-on-read");
  }
  return Status::Ok();
}

Result<PartitionSpec> ParsePartitionBy(const std::vector<std::string>& fields, const Schema& schema) {
  PartitionSpec spec;
  int next_id = 1000;
  for (const auto& raw : fields) {
    std::string text = Trim(raw);
    std::string fn = "identity", column = text;
    int param = 0;
    size_t open = text.find('(');
    if (open != std::string::npos) {
      if (text.back() != ')') return InvalidArgument("partition field '" + raw + "': expected name(column)");
      fn = AsciiLower(Trim(text.substr(0, open)));
      std::vector<std::string> args;
      std::string inside = text.substr(open + 1, text.size() - open - 2);
      for (size_t start = 0;;) {
        size_t comma = inside.find(',', start);
        args.push_back(Trim(inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      std::vector<std::string> columns;
      for (const auto& a : args) {
        std::string digits = a.starts_with("-") ? a.substr(1) : a;
        bool number =
            !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); });
        if (number) {
          long long n = digits.size() > 10 ? -1 : std::strtoll(a.c_str(), nullptr, 10);
          param = n > 0 && n <= INT32_MAX ? static_cast<int>(n) : -1;
        } else {
          columns.push_back(a);
        }
      }
      if (columns.size() != 1) return InvalidArgument("partition field '" + raw + "': name one column");
      column = columns[0];
    }
    const NestedField* source = schema.FindField(column);
    if (!source) {
      std::string known;
      for (const auto& f : schema.fields) known += (known.empty() ? "" : ", ") + f.name;
      return InvalidArgument("partition field '" + raw + "': the table has no column '" + column +
                             "' (its columns: " + known + ")");
    }
    Transform t;
    std::string suffix;
    if (fn == "identity") {
    } else if (fn == "year" || fn == "years") {
      t.kind = Transform::Kind::kYear, suffix = "_year";
    } else if (fn == "month" || fn == "months") {
      t.kind = Transform::Kind::kMonth, suffix = "_month";
    } else if (fn == "day" || fn == "days" || fn == "date") {
      t.kind = Transform::Kind::kDay, suffix = "_day";
    } else if (fn == "hour" || fn == "hours" || fn == "date_hour") {
      t.kind = Transform::Kind::kHour, suffix = "_hour";
    } else if (fn == "bucket") {
      t.kind = Transform::Kind::kBucket, suffix = "_bucket";
    } else if (fn == "truncate") {
      t.kind = Transform::Kind::kTruncate, suffix = "_trunc";
    } else if (fn == "void") {
      t.kind = Transform::Kind::kVoid, suffix = "_null";
    } else {
      return InvalidArgument("partition field '" + raw + "': unknown transform '" + fn +
                             "' (identity, year, month, day, hour, bucket(N, col), truncate(W, col), void)");
    }
    if (t.kind == Transform::Kind::kBucket || t.kind == Transform::Kind::kTruncate) {
      if (param <= 0)
        return InvalidArgument("partition field '" + raw + "': give a positive width below 2^31, e.g. " + fn + "(16, " +
                               column + ")");
      t.param = param;
    }
    auto result = TransformResultType(t, *source->type);
    if (!result.ok()) return Status(result.status()).WithContext("partition field '" + raw + "'");
    for (const auto& other : spec.fields) {
      if (other.source_id != source->id) continue;
      auto time = [](Transform::Kind k) {
        return k == Transform::Kind::kYear || k == Transform::Kind::kMonth || k == Transform::Kind::kDay ||
               k == Transform::Kind::kHour;
      };
      if (other.transform.kind == t.kind && other.transform.param == t.param)
        return InvalidArgument("partition field '" + raw + "' repeats '" + other.name + "'");
      if (time(other.transform.kind) && time(t.kind))
        return InvalidArgument("partition field '" + raw + "': '" + other.name + "' already partitions '" +
                               source->name + "' by time; one time transform per column");
    }
    spec.fields.push_back(
        {.source_id = source->id, .field_id = next_id++, .name = source->name + suffix, .transform = t});
  }
  return spec;
}

Result<Schema> SchemaOfQuery(engine::Connection& con, const std::string& query) {
  ASSIGN_OR_RETURN(engine::Table described, con.Query("SELECT * FROM (" + query + ") LIMIT 0"));
  Schema schema;
  int id = 1;
  for (const auto& c : described.columns) {
    ASSIGN_OR_RETURN(TypePtr type, IcebergTypeOf(c.type, c.name));
    schema.fields.push_back(NestedField{.id = id++, .name = c.name, .type = type});
  }
  if (schema.fields.empty()) return InvalidArgument("the query returns no columns");
  return schema;
}

Result<std::unique_ptr<Lake>> Lake::Open(const LakeOptions& options) {
  std::unique_ptr<Lake> lake(new Lake());
  lake->options_ = options;
  ASSIGN_OR_RETURN(lake->catalog_, SqlCatalog::Open(options.catalog));
  lake->tables_ = std::make_unique<Tables>(*lake->catalog_, lake->stores_);
  ASSIGN_OR_RETURN(lake->session_,
                   engine::Session::Open({.working_directory = options.working_directory,
                                          .time_zone = "UTC",
                                          .functions = {IcebergFunctions({.catalog = options.catalog})}}));
  ASSIGN_OR_RETURN(lake->con_, lake->session_->Connect());
  return lake;
}

Lake::~Lake() {
  con_.reset();
  session_.reset();
}

Result<LoadedTable> Lake::CreateTable(const CreateTableRequest& request) {
  ASSIGN_OR_RETURN(TableIdent ident, ParseTableIdent(request.table));
  if (catalog_->LoadTable(ident).ok()) {
    if (request.if_not_exists) return tables_->Load(ident);
    return Status(StatusCode::kAlreadyExists, "table " + ident.ToString() + " already exists");
  }
  if (!catalog_->NamespaceProperties(ident.ns).ok()) {
    Status created = catalog_->CreateNamespace(ident.ns);
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  }
  RETURN_IF_ERROR(CheckTableProperties(request.properties));
  if (request.schema && !request.query.empty())
    return InvalidArgument("give the table's columns or a query to take them from, not both");
  Schema schema;
  if (request.schema) {
    schema = *request.schema;
  } else if (!request.query.empty()) {
    ASSIGN_OR_RETURN(schema, SchemaOfQuery(*con_, request.query));
  } else {
    return InvalidArgument("table " + ident.ToString() + " needs columns: a schema, or a query to take them from");
  }
  ASSIGN_OR_RETURN(PartitionSpec spec, ParsePartitionBy(request.partition_by, schema));
  std::string location = request.location;
  if (location.empty()) {
    if (options_.warehouse.empty()) return InvalidArgument("no warehouse to put table " + ident.ToString() + " in");
    location = options_.warehouse;
    for (const auto& level : ident.ns) location += "/" + level;
    location += "/" + ident.name;
  }
  ASSIGN_OR_RETURN(LoadedTable table, tables_->Create(ident, location, schema, spec, request.properties));
  if (request.query.empty()) return table;
  ASSIGN_OR_RETURN(WriteResult written, Write({.table = request.table, .query = request.query}));
  return written.table;
}

Result<WriteResult> Lake::Write(const WriteRequest& request) {
  ASSIGN_OR_RETURN(TableIdent ident, ParseTableIdent(request.table));
  switch (request.mode) {
    case WriteMode::kAppend: {
      ASSIGN_OR_RETURN(LoadedTable table, tables_->Load(ident));
      TableMetadata target = table.metadata;
      if (request.evolve) RETURN_IF_ERROR(request.evolve(target));
      ASSIGN_OR_RETURN(std::vector<DataFile> files, WriteDataFiles(*con_, target, request.query, stores_));
      WriteResult result{.table = table};
      if (files.empty() && !request.evolve) return result;
      if (files.empty()) {  // no rows, but the changes the query asked for
        ASSIGN_OR_RETURN(result.table, tables_->UpdateMetadata(ident, request.evolve));
        return result;
      }
      auto committed = tables_->Commit(ident, {.operation = "append",
                                               .added = files,
                                               .branch = request.branch,
                                               .spec_id = target.DefaultSpec()->spec_id,
                                               .schema_id = target.CurrentSchema()->schema_id,
                                               .metadata_edit = request.evolve});
      if (!committed.ok()) {
        DeleteUncommitted(files, stores_);
        return committed.status();
      }
      result.table = std::move(*committed);
      result.committed = true;
      result.added_files = static_cast<int64_t>(files.size());
      for (const auto& f : files) result.added_records += f.record_count;
      return result;
    }
    case WriteMode::kOverwrite:
      return Rewrite(ident, request.where.empty() ? "true" : request.where, request.query, "overwrite", request.branch,
                     request.where, request.evolve);
    case WriteMode::kMerge: {
      if (request.keys.empty()) return InvalidArgument("a merge needs key columns");
      // The source is read once: staged, checked for duplicate keys, then
      // both the rows to replace and the rows to add come from it.
      const std::string staged = "__floe_merge_" + NewUuid().substr(0, 8);
      RETURN_IF_ERROR(con_->Execute("CREATE TEMP TABLE \"" + staged + "\" AS " + request.query));
      struct Drop {
        engine::Connection& con;
        std::string name;
        ~Drop() { con.Execute("DROP TABLE IF EXISTS \"" + name + "\"").IgnoreError(); }
      } drop{*con_, staged};
      std::string keys;
      for (const auto& k : request.keys) keys += (keys.empty() ? "" : ", ") + SqlIdent(k);
      auto dupes = con_->Query("SELECT count(*) FROM (SELECT " + keys + " FROM \"" + staged + "\" GROUP BY " + keys +
                               " HAVING count(*) > 1)");
      if (!dupes.ok()) return Status(dupes.status()).WithContext("merge keys");
      if (!dupes->rows.empty() && dupes->rows[0][0].AsInt() > 0)
        return InvalidArgument("the rows to merge repeat " + std::to_string(dupes->rows[0][0].AsInt()) + " key(s) (" +
                               keys + "): each key may appear once");
      return Rewrite(ident, "(" + keys + ") IN (SELECT " + keys + " FROM \"" + staged + "\")",
                     "SELECT * FROM \"" + staged + "\"", "overwrite", request.branch, "", request.evolve);
    }
  }
  return Internal("unknown write mode");
}

Result<WriteResult> Lake::Delete(const std::string& table, const std::string& where, const std::string& branch) {
  if (Trim(where).empty()) return InvalidArgument("a delete needs a condition ('true' deletes every row)");
  ASSIGN_OR_RETURN(TableIdent ident, ParseTableIdent(table));
  ASSIGN_OR_RETURN(LoadedTable loaded, tables_->Load(ident));
  auto mode = loaded.metadata.properties.find("write.delete.mode");
  if (mode != loaded.metadata.properties.end() && mode->second == "merge-on-read")
    return DeletePositions(loaded, where, branch);
  RETURN_IF_ERROR(CheckTableProperties(loaded.metadata.properties));
  return Rewrite(ident, where, "", "delete", branch);
}

Result<WriteResult> Lake::DeletePositions(const LoadedTable& table, const std::string& where,
                                          const std::string& branch) {
  const TableIdent& ident = table.ident;
  const SnapshotRef* head = nullptr;
  if (auto r = table.metadata.refs.find(branch); r != table.metadata.refs.end()) head = &r->second;
  const int64_t read_from = head ? head->snapshot_id : table.metadata.current_snapshot_id.value_or(0);
  if (read_from == 0) return WriteResult{.table = table};  // no snapshot: no rows to delete
  // Read at the snapshot the partitions below are planned from.
  std::string scan = "iceberg_scan(" + SqlString(ident.ToString()) + ", snapshot_id => " + std::to_string(read_from) +
                     ", filename = true, file_row_number = true)";
  const std::string staged = "__floe_deletes_" + NewUuid().substr(0, 8);
  Status found = con_->Execute("CREATE TEMP TABLE \"" + staged +
                               "\" AS SELECT filename AS file_path, file_row_number AS pos FROM " + scan +
                               " WHERE coalesce((" + where + "), false)");
  if (!found.ok()) return Status(found).WithContext("finding the rows to delete");
  struct Drop {
    engine::Connection& con;
    std::string name;
    ~Drop() { con.Execute("DROP TABLE IF EXISTS \"" + name + "\"").IgnoreError(); }
  } drop{*con_, staged};
  ASSIGN_OR_RETURN(engine::Table count, con_->Query("SELECT count(*) FROM \"" + staged + "\""));
  WriteResult result{.table = table};
  const int64_t deleted = count.rows.empty() ? 0 : count.rows[0][0].AsInt();
  if (deleted == 0) return result;
  // Each data file's partition, for its delete file's.
  std::map<std::string, std::pair<int, std::vector<tmpl::Value>>> partitions;
  OpenedTable opened{.name = ident.ToString(),
                     .metadata_location = table.metadata_location,
                     .metadata = table.metadata,
                     .found_location = table.metadata.location};
  ASSIGN_OR_RETURN(ScanPlanner planner, ScanPlanner::Start(std::move(opened), {.snapshot_id = read_from}, stores_));
  ASSIGN_OR_RETURN(ScanPlan plan, planner.Plan(Predicate::True()));
  for (auto& f : plan.files) partitions[f.entry.file.file_path] = {f.spec_id, std::move(f.entry.file.partition)};
  ASSIGN_OR_RETURN(auto deletes,
                   WritePositionDeletes(*con_, table.metadata, "\"" + staged + "\"", partitions, stores_));
  auto committed = tables_->Commit(
      ident, {.operation = "delete", .added_deletes = deletes, .branch = branch, .read_snapshot = read_from});
  if (!committed.ok()) {
    for (const auto& [spec, files] : deletes) DeleteUncommitted(files, stores_);
    return committed.status();
  }
  result.table = std::move(*committed);
  result.committed = true;
  result.deleted_records = deleted;
  for (const auto& [spec, files] : deletes) result.added_files += static_cast<int64_t>(files.size());
  return result;
}

Result<WriteResult> Lake::Compact(const std::string& name, int64_t target_file_bytes) {
  ASSIGN_OR_RETURN(TableIdent ident, ParseTableIdent(name));
  ASSIGN_OR_RETURN(LoadedTable table, tables_->Load(ident));
  if (target_file_bytes <= 0) {
    target_file_bytes = int64_t{512} << 20;
    if (auto p = table.metadata.properties.find("write.target-file-size-bytes"); p != table.metadata.properties.end())
      target_file_bytes = std::max<int64_t>(1, std::atoll(p->second.c_str()));
  }
  ASSIGN_OR_RETURN(std::vector<ManifestEntry> live, tables_->PlanFiles(table));
  // Small files by partition (spec and tuple).
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& e : live) {
    if (e.file.file_size_in_bytes * 4 >= target_file_bytes * 3) continue;
    std::string key;
    for (const auto& v : e.file.partition) key += tmpl::ToJson(v) + "\x1f";
    groups[key].push_back(e.file.file_path);
  }
  std::set<std::string> removed;
  std::string in_list;
  for (const auto& [key, files] : groups) {
    if (files.size() < 2) continue;
    for (const auto& f : files) {
      removed.insert(f);
      in_list += (in_list.empty() ? "" : ", ") + SqlString(f);
    }
  }
  WriteResult result{.table = table};
  if (removed.empty()) return result;
  std::string scan = "iceberg_scan(" + SqlString(ident.ToString()) + ", filename = true)";
  ASSIGN_OR_RETURN(engine::Table live_rows,
                   con_->Query("SELECT count(*) FROM " + scan + " WHERE filename IN (" + in_list + ")"));
  ASSIGN_OR_RETURN(
      std::vector<DataFile> added,
      WriteDataFiles(*con_, table.metadata,
                     "SELECT * EXCLUDE (filename) FROM " + scan + " WHERE filename IN (" + in_list + ")", stores_));
  // The rewrite must hold exactly the rows it replaces.
  int64_t rewritten = 0;
  for (const auto& f : added) rewritten += f.record_count;
  const int64_t expected = live_rows.rows.empty() ? -1 : live_rows.rows[0][0].AsInt();
  if (rewritten != expected) {
    DeleteUncommitted(added, stores_);
    return Internal(ident.ToString() + ": compaction wrote " + std::to_string(rewritten) + " rows for the " +
                    std::to_string(expected) + " it replaces; nothing was committed");
  }
  auto committed = tables_->Commit(ident, {.operation = "replace",
                                           .added = added,
                                           .removed = removed,
                                           .spec_id = table.metadata.DefaultSpec()->spec_id,
                                           .schema_id = table.metadata.CurrentSchema()->schema_id,
                                           .read_snapshot = table.metadata.current_snapshot_id.value_or(0)});
  if (!committed.ok()) {
    DeleteUncommitted(added, stores_);
    return committed.status();
  }
  result.table = std::move(*committed);
  result.committed = true;
  result.added_files = static_cast<int64_t>(added.size());
  result.removed_files = static_cast<int64_t>(removed.size());
  for (const auto& f : added) result.added_records += f.record_count;
  result.deleted_records = result.added_records;
  return result;
}

Result<WriteResult> Lake::Rewrite(const TableIdent& ident, const std::string& affected, const std::string& query,
                                  const std::string& operation, const std::string& branch,
                                  const std::string& validate_added,
                                  const std::function<Status(TableMetadata&)>& evolve) {
  ASSIGN_OR_RETURN(LoadedTable table, tables_->Load(ident));
  TableMetadata target = table.metadata;
  if (evolve) RETURN_IF_ERROR(evolve(target));
  // The kept rows, in the columns the target schema still has.
  std::string kept_columns;
  for (const auto& f : target.CurrentSchema()->fields)
    if (table.metadata.CurrentSchema()->FindField(f.id))
      kept_columns += (kept_columns.empty() ? "" : ", ") +
                      SqlIdent(table.metadata.CurrentSchema()->FindField(f.id)->name) + " AS " + SqlIdent(f.name);
  if (kept_columns.empty()) kept_columns = "* EXCLUDE (filename)";
  std::string scan = "iceberg_scan(" + SqlString(ident.ToString()) +
                     (branch != "main" && table.metadata.refs.count(branch) ? ", ref => " + SqlString(branch) : "") +
                     ", filename = true)";
  // The files holding affected rows, and how many each holds.
  auto hits = con_->Query("SELECT filename, count(*) FROM " + scan + " WHERE " + affected + " GROUP BY filename");
  if (!hits.ok()) return Status(hits.status()).WithContext("finding the rows to replace");
  std::set<std::string> removed;
  std::string in_list;
  int64_t deleted = 0;
  for (const auto& row : hits->rows) {
    removed.insert(row[0].AsString());
    in_list += (in_list.empty() ? "" : ", ") + SqlString(row[0].AsString());
  }
  WriteResult result{.table = table};
  std::vector<DataFile> added;
  auto abandon = [&](Status s) {
    DeleteUncommitted(added, stores_);
    return s;
  };
  if (!removed.empty()) {
    // The rows that stay in those files. A row the condition gives NULL for
    // is not affected (as in SQL's DELETE).
    auto kept = WriteDataFiles(*con_, target,
                               "SELECT " + kept_columns + " FROM " + scan + " WHERE filename IN (" + in_list +
                                   ") AND NOT coalesce((" + affected + "), false)",
                               stores_);
    if (!kept.ok()) return Status(kept.status()).WithContext("rewriting the files that hold the rows");
    added = std::move(*kept);
    for (const auto& row : hits->rows) deleted += row[1].AsInt();
  }
  if (!query.empty() && !validate_added.empty()) {
    // An overwrite by filter replaces the rows the filter matches: new rows
    // outside it would be rows the overwrite did not mean to add.
    auto outside =
        con_->Query("SELECT count(*) FROM (" + query + ") WHERE NOT coalesce((" + validate_added + "), false)");
    if (!outside.ok())
      return abandon(Status(outside.status()).WithContext("checking the new rows against the condition"));
    if (!outside->rows.empty() && outside->rows[0][0].AsInt() > 0)
      return abandon(InvalidArgument(std::to_string(outside->rows[0][0].AsInt()) +
                                     " new row(s) do not match the overwrite condition '" + validate_added +
                                     "'; an overwrite by filter may only add rows the filter matches"));
  }
  if (!query.empty()) {
    auto fresh = WriteDataFiles(*con_, target, query, stores_);
    if (!fresh.ok()) return abandon(fresh.status());
    for (auto& f : *fresh) {
      result.added_records += f.record_count;
      added.push_back(std::move(f));
    }
  }
  if (removed.empty() && added.empty()) {
    if (!evolve) return result;
    ASSIGN_OR_RETURN(result.table, tables_->UpdateMetadata(ident, evolve));  // the changes alone
    return result;
  }
  const SnapshotRef* head = nullptr;
  if (auto r = table.metadata.refs.find(branch); r != table.metadata.refs.end()) head = &r->second;
  int64_t read_from = head ? head->snapshot_id : table.metadata.current_snapshot_id.value_or(0);
  auto committed = tables_->Commit(ident, {.operation = operation,
                                           .added = added,
                                           .removed = removed,
                                           .branch = branch,
                                           .spec_id = target.DefaultSpec()->spec_id,
                                           .schema_id = target.CurrentSchema()->schema_id,
                                           .read_snapshot = read_from,
                                           .metadata_edit = evolve});
  if (!committed.ok()) return abandon(committed.status());
  result.table = std::move(*committed);
  result.committed = true;
  result.deleted_records = deleted;
  result.added_files = static_cast<int64_t>(added.size());
  result.removed_files = static_cast<int64_t>(removed.size());
  return result;
}

}  // namespace floe::iceberg
