#include "iceberg/writer.h"

#include <algorithm>
#include <cctype>

#include "iceberg/parquet_files.h"
#include "iceberg/sql_text.h"
#include "iceberg/table.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using K = Type::Kind;

std::string Literal(const tmpl::Value& v) {
  if (v.is_null()) return "NULL";
  if (v.is_bool()) return v.AsBool() ? "true" : "false";
  if (v.is_int()) return std::to_string(v.AsInt());
  if (v.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v.AsDouble());
    return std::string("CAST('") + buf + "' AS DOUBLE)";
  }
  return SqlString(v.AsString());
}

bool IsTimestamp(const Type& t) { return t.kind == K::kTimestamp || t.kind == K::kTimestampTz; }

// The partition value of `field` for column `c` of type `source`, in SQL,
// as Iceberg holds it (a date as its day number, a timestamp as micros).
Result<std::string> PartitionExpr(const PartitionField& field, const std::string& c, const Type& source) {
  const std::string name = "partition field '" + field.name + "'";
  // Timestamps in UTC whatever the session's time zone.
  const std::string utc = "make_timestamp(epoch_us(" + c + "))";
  switch (field.transform.kind) {
    case Transform::Kind::kVoid:
      return std::string("NULL");
    case Transform::Kind::kIdentity:
      switch (source.kind) {
        case K::kDate:
          return "(" + c + " - DATE '1970-01-01')";
        case K::kTimestamp:
        case K::kTimestampTz:
          return "epoch_us(" + c + ")";
        case K::kTime:
          return "datediff('microsecond', TIME '00:00:00', " + c + ")";
        case K::kBoolean:
        case K::kInt:
        case K::kLong:
        case K::kFloat:
        case K::kDouble:
        case K::kString:
          return c;
        case K::kDecimal: {
          // The unscaled value, as bounds hold decimals; 64 bits carry 18 digits.
          if (source.precision > 18)
            return Status(StatusCode::kUnimplemented,
                          name + ": identity partitions of decimals wider than 18 digits are not supported");
          return "CAST(" + c + " * 1" + std::string(static_cast<size_t>(source.scale), '0') + " AS BIGINT)";
        }
        default:
          return Status(StatusCode::kUnimplemented,
                        name + ": writing identity partitions of " + source.ToString() + " columns is not supported");
      }
    case Transform::Kind::kBucket:
      return "iceberg_bucket(" + c + ", " + std::to_string(field.transform.param) + ")";
    case Transform::Kind::kTruncate:
      if (source.kind == K::kInt || source.kind == K::kLong) {
        std::string w = std::to_string(field.transform.param);
        return "(" + c + " - (((" + c + " % " + w + ") + " + w + ") % " + w + "))";
      }
      if (source.kind == K::kString) return "left(" + c + ", " + std::to_string(field.transform.param) + ")";
      return Status(StatusCode::kUnimplemented,
                    name + ": writing truncate partitions of " + source.ToString() + " columns is not supported");
    case Transform::Kind::kYear:
      return "(year(" + (IsTimestamp(source) ? utc : c) + ") - 1970)";
    case Transform::Kind::kMonth: {
      std::string x = IsTimestamp(source) ? utc : c;
      return "((year(" + x + ") - 1970) * 12 + month(" + x + ") - 1)";
    }
    case Transform::Kind::kDay:
      if (source.kind == K::kDate) return "(" + c + " - DATE '1970-01-01')";
      return "CAST(floor(epoch_us(" + c + ") / 86400000000.0) AS INTEGER)";
    case Transform::Kind::kHour:
      return "CAST(floor(epoch_us(" + c + ") / 3600000000.0) AS INTEGER)";
  }
  return Internal(name + ": unknown transform");
}

std::string TwoDigits(int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); }

// "2026-01-04" for a day number (proleptic Gregorian).
std::string DayText(int64_t days) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return std::to_string(yoe + era * 400 + (m <= 2)) + "-" + TwoDigits(m) + "-" + TwoDigits(d);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// A partition value as Iceberg writes it in paths: dates, months, years and
// hours in their human forms (2026-01-04, 2026-01, 2026, 2026-01-04-10).
std::string HumanValue(const PartitionField& field, const Type& source, const tmpl::Value& v) {
  if (v.is_null() || !v.is_int()) return v.is_null() ? "null" : v.is_string() ? v.AsString() : Literal(v);
  int64_t n = v.AsInt();
  switch (field.transform.kind) {
    case Transform::Kind::kDay:
      return DayText(n);
    case Transform::Kind::kYear:
      return std::to_string(1970 + n);
    case Transform::Kind::kMonth:
      return std::to_string(1970 + FloorDiv(n, 12)) + "-" + TwoDigits(n - FloorDiv(n, 12) * 12 + 1);
    case Transform::Kind::kHour:
      return DayText(FloorDiv(n, 24)) + "-" + TwoDigits(n - FloorDiv(n, 24) * 24);
    case Transform::Kind::kIdentity:
      if (source.kind == K::kDate) return DayText(n);
      if (source.kind == K::kDecimal && source.scale > 0) {  // 12.30 for 1230 at scale 2
        std::string digits = std::to_string(n < 0 ? -n : n);
        size_t scale = static_cast<size_t>(source.scale);
        if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
        return (n < 0 ? "-" : "") + digits.substr(0, digits.size() - scale) + "." +
               digits.substr(digits.size() - scale);
      }
      return Literal(v);
    default:
      return Literal(v);
  }
}

// A partition value in a folder name: safe characters kept, others %XX.
std::string PathValue(const PartitionField& field, const Type& source, const tmpl::Value& v) {
  std::string text = HumanValue(field, source, v);
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::string DuckDbTypeSql(const Type& t) {
  switch (t.kind) {
    case K::kBoolean:
      return "BOOLEAN";
    case K::kInt:
      return "INTEGER";
    case K::kLong:
      return "BIGINT";
    case K::kFloat:
      return "FLOAT";
    case K::kDouble:
      return "DOUBLE";
    case K::kDecimal:
      return "DECIMAL(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case K::kDate:
      return "DATE";
    case K::kTime:
      return "TIME";
    case K::kTimestamp:
      return "TIMESTAMP";
    case K::kTimestampTz:
      return "TIMESTAMPTZ";
    case K::kString:
      return "VARCHAR";
    case K::kUuid:
      return "UUID";
    case K::kFixed:
    case K::kBinary:
      return "BLOB";
    case K::kStruct: {
      std::string out = "STRUCT(";
      for (size_t i = 0; i < t.fields.size(); ++i)
        out += (i ? ", " : "") + SqlIdent(t.fields[i].name) + " " + DuckDbTypeSql(*t.fields[i].type);
      return out + ")";
    }
    case K::kList:
      return DuckDbTypeSql(*t.element) + "[]";
    case K::kMap:
      return "MAP(" + DuckDbTypeSql(*t.key) + ", " + DuckDbTypeSql(*t.value) + ")";
  }
  return "VARCHAR";
}

void DeleteUncommitted(const std::vector<DataFile>& files, storage::ObjectStores& stores) {
  for (const auto& f : files) {
    auto at = stores.Open(f.file_path);
    if (at.ok()) at->store->Delete(at->key).IgnoreError();
  }
}

Result<std::vector<DataFile>> WriteDataFiles(engine::Connection& con, const TableMetadata& table,
                                             const std::string& query, storage::ObjectStores& stores) {
  const Schema* schema = table.CurrentSchema();
  const PartitionSpec* spec = table.DefaultSpec();
  if (!schema || !spec) return FailedPrecondition("the table's metadata has no current schema or partition spec");
  const std::string staged = "__floe_iceberg_write_" + NewUuid().substr(0, 8);
  const std::string staged_ident = SqlIdent(staged);
  RETURN_IF_ERROR(con.Execute("CREATE TEMP TABLE " + staged_ident + " AS " + query));
  struct DropStaged {
    engine::Connection& con;
    std::string ident;
    ~DropStaged() { con.Execute("DROP TABLE IF EXISTS " + ident).IgnoreError(); }
  } drop{con, staged_ident};

  // The query's columns, by name (DuckDB's names are case-insensitive).
  ASSIGN_OR_RETURN(engine::Table described, con.Query("SELECT * FROM " + staged_ident + " LIMIT 0"));
  std::map<std::string, std::string> columns;  // lower-case name -> the query's spelling
  for (const auto& c : described.columns) columns[AsciiLower(c.name)] = c.name;
  std::string projection;
  std::set<std::string> used;
  for (const auto& f : schema->fields) {
    auto it = columns.find(AsciiLower(f.name));
    if (it == columns.end() && f.required)
      return InvalidArgument("the rows have no column '" + f.name + "', which the table requires");
    std::string value = it == columns.end() ? "NULL" : SqlIdent(it->second);
    if (it != columns.end()) used.insert(it->first);
    projection += (projection.empty() ? "" : ", ") +
                  ("CAST(" + value + " AS " + DuckDbTypeSql(*f.type) + ") AS " + SqlIdent(f.name));
  }
  std::string known;
  for (const auto& f : schema->fields) known += (known.empty() ? "" : ", ") + f.name;
  for (const auto& c : described.columns)
    if (!used.count(AsciiLower(c.name)))
      return InvalidArgument("the rows have a column '" + c.name + "' that the table does not (its columns: " + known +
                             ")");
  for (const auto& f : schema->fields) {
    if (!f.required) continue;
    auto it = columns.find(AsciiLower(f.name));
    ASSIGN_OR_RETURN(engine::Table nulls,
                     con.Query("SELECT count(*) FROM " + staged_ident + " WHERE " + SqlIdent(it->second) + " IS NULL"));
    if (!nulls.rows.empty() && nulls.rows[0][0].is_int() && nulls.rows[0][0].AsInt() > 0)
      return InvalidArgument("column '" + f.name + "' is required, and " + std::to_string(nulls.rows[0][0].AsInt()) +
                             " row(s) have it NULL");
  }

  // The rows as the table types them: partition values are computed from
  // these (a value cast to decimal(10,2) or to a timestamp partitions as
  // what is written, not as what the query gave).
  const std::string typed_ident = SqlIdent(staged + "_typed");
  RETURN_IF_ERROR(
      con.Execute("CREATE TEMP TABLE " + typed_ident + " AS SELECT " + projection + " FROM " + staged_ident));
  DropStaged drop_typed{con, typed_ident};
  // The partitions present, each written as its own file.
  std::vector<std::string> exprs;
  for (const auto& pf : spec->fields) {
    const NestedField* source = schema->FindField(pf.source_id);
    if (!source) return FailedPrecondition("partition field '" + pf.name + "' has no source column");
    std::string c = SqlIdent(source->name);
    ASSIGN_OR_RETURN(std::string e, PartitionExpr(pf, c, *source->type));
    exprs.push_back(e);
  }
  std::vector<tmpl::ValueList> tuples;
  if (exprs.empty()) {
    tuples.emplace_back();
  } else {
    std::string select;
    for (size_t i = 0; i < exprs.size(); ++i) select += (i ? ", " : "") + exprs[i] + " AS p" + std::to_string(i);
    ASSIGN_OR_RETURN(engine::Table parts, con.Query("SELECT DISTINCT " + select + " FROM " + typed_ident));
    tuples = std::move(parts.rows);
  }
  ASSIGN_OR_RETURN(engine::Table count, con.Query("SELECT count(*) FROM " + staged_ident));
  if (count.rows.empty() || !count.rows[0][0].is_int() || count.rows[0][0].AsInt() == 0) return std::vector<DataFile>{};

  std::string data = table.location + "/data";
  if (auto p = table.properties.find("write.data.path"); p != table.properties.end() && !p->second.empty())
    data = p->second;
  std::vector<DataFile> files;
  for (const auto& tuple : tuples) {
    std::string where, folder;
    for (size_t i = 0; i < exprs.size(); ++i) {
      where += (i ? " AND " : " WHERE ") + ("(" + exprs[i] + ") IS NOT DISTINCT FROM " + Literal(tuple[i]));
      folder += spec->fields[i].name + "=" +
                PathValue(spec->fields[i], *schema->FindField(spec->fields[i].source_id)->type, tuple[i]) + "/";
    }
    std::string path = data + "/" + folder + NewUuid() + ".parquet";
    if (!path.starts_with("s3://")) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    }
    Status written = WriteParquet(con, "SELECT * FROM " + typed_ident + where, path, *schema);
    if (!written.ok()) {
      DeleteUncommitted(files, stores);
      return written;
    }
    ASSIGN_OR_RETURN(storage::ObjectLocation at, stores.Open(path));
    auto info = at.store->Head(at.key);
    auto file = info.ok() ? DescribeParquet(con, path, info->size, *schema, tuple) : Result<DataFile>(info.status());
    if (!file.ok()) {
      files.push_back(DataFile{.file_path = path});
      DeleteUncommitted(files, stores);
      return file.status();
    }
    files.push_back(std::move(*file));
  }
  return files;
}

Result<std::map<int, std::vector<DataFile>>> WritePositionDeletes(
    engine::Connection& con, const TableMetadata& table, const std::string& rows,
    const std::map<std::string, std::pair<int, std::vector<tmpl::Value>>>& partitions, storage::ObjectStores& stores) {
  // The spec's reserved fields of position delete files.
  Schema schema{
      .fields = {{.id = 2147483546, .name = "file_path", .required = true, .type = Type::Primitive(K::kString)},
                 {.id = 2147483545, .name = "pos", .required = true, .type = Type::Primitive(K::kLong)}}};
  ASSIGN_OR_RETURN(engine::Table files, con.Query("SELECT DISTINCT file_path FROM " + rows + " ORDER BY 1"));
  // The data files of each partition.
  std::map<std::pair<int, std::string>, std::pair<std::vector<tmpl::Value>, std::vector<std::string>>> groups;
  for (const auto& row : files.rows) {
    const std::string path = row[0].AsString();
    auto p = partitions.find(path);
    if (p == partitions.end()) return Internal("no partition known for data file " + path);
    std::string key;
    for (const auto& v : p->second.second) key += tmpl::ToJson(v) + "\x1f";
    auto& group = groups[{p->second.first, key}];
    group.first = p->second.second;
    group.second.push_back(path);
  }
  std::string data = table.location + "/data";
  if (auto p = table.properties.find("write.data.path"); p != table.properties.end() && !p->second.empty())
    data = p->second;
  std::map<int, std::vector<DataFile>> out;
  std::vector<DataFile> written;
  auto abandon = [&](Status s) {
    DeleteUncommitted(written, stores);
    return s;
  };
  for (const auto& [key, group] : groups) {
    std::string in;
    for (const auto& path : group.second) in += (in.empty() ? "" : ", ") + SqlString(path);
    std::string path = data + "/" + NewUuid() + "-deletes.parquet";
    if (!path.starts_with("s3://")) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    }
    Status put = WriteParquet(con,
                              "SELECT file_path, pos::BIGINT AS pos FROM " + rows + " WHERE file_path IN (" + in +
                                  ") ORDER BY file_path, pos",
                              path, schema);
    written.push_back(DataFile{.file_path = path});
    if (!put.ok()) return abandon(put);
    auto at = stores.Open(path);
    if (!at.ok()) return abandon(at.status());
    auto info = at->store->Head(at->key);
    if (!info.ok()) return abandon(info.status());
    auto file = DescribeParquet(con, path, info->size, schema, group.first);
    if (!file.ok()) return abandon(file.status());
    file->content = FileContent::kPositionDeletes;
    out[key.first].push_back(std::move(*file));
  }
  return out;
}

}  // namespace floe::iceberg
