#include "iceberg/parquet_files.h"

#include <map>
#include <set>

#include "core/strings.h"
#include "iceberg/sql_text.h"
#include "iceberg/values.h"

namespace floe::iceberg {
namespace {

// DuckDB's FIELD_IDS value for a type: the id, or a struct with
// __duckdb_field_id and the children's ids.
std::string FieldIds(int id, const Type& t) {
  std::string out = "{__duckdb_field_id: " + std::to_string(id);
  switch (t.kind) {
    case Type::Kind::kStruct:
      for (const auto& f : t.fields) out += ", " + SqlIdent(f.name) + ": " + FieldIds(f.id, *f.type);
      break;
    case Type::Kind::kList:
      out += ", element: " + FieldIds(t.element_id, *t.element);
      break;
    case Type::Kind::kMap:
      out += ", key: " + FieldIds(t.key_id, *t.key) + ", value: " + FieldIds(t.value_id, *t.value);
      break;
    default:
      return std::to_string(id);
  }
  return out + "}";
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// A footer statistic (DuckDB's text of the value) as an Iceberg value of
// `type`; nullopt when floe does not read that type's bounds.
std::optional<tmpl::Value> StatValue(const Type& type, const std::string& text) {
  char* end = nullptr;
  switch (type.kind) {
    case Type::Kind::kInt:
    case Type::Kind::kLong: {
      long long v = std::strtoll(text.c_str(), &end, 10);
      if (*end != '\0' || text.empty()) return std::nullopt;
      return tmpl::Value(static_cast<int64_t>(v));
    }
    case Type::Kind::kFloat:
    case Type::Kind::kDouble: {
      double v = std::strtod(text.c_str(), &end);
      if (*end != '\0' || text.empty() || v != v) return std::nullopt;  // NaN is never a bound
      return tmpl::Value(v);
    }
    case Type::Kind::kBoolean:
      if (text != "true" && text != "false") return std::nullopt;
      return tmpl::Value(text == "true");
    case Type::Kind::kString:
      return tmpl::Value(text);
    case Type::Kind::kDate:
    case Type::Kind::kTimestamp:
    case Type::Kind::kTimestampTz: {
      int y, mo, d, h = 0, mi = 0;
      double s = 0;
      int n = std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi, &s);
      if (n < 3) return std::nullopt;
      int64_t days = DaysFromCivil(y, mo, d);
      if (type.kind == Type::Kind::kDate) return tmpl::Value(days);
      if (text.find('+') != std::string::npos || (text.size() > 19 && text.rfind('-') > 10)) {
        // An offset other than UTC would need converting: no bound.
        if (!text.ends_with("+00") && !text.ends_with("+00:00")) return std::nullopt;
      }
      int64_t micros = static_cast<int64_t>(s * 1000000 + 0.5);
      return tmpl::Value(
          static_cast<int64_t>(days * 86400000000 + (h * int64_t{3600} + mi * int64_t{60}) * 1000000 + micros));
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

Status WriteParquet(engine::Connection& con, const std::string& query, const std::string& path, const Schema& schema) {
  std::string ids;
  for (const auto& f : schema.fields)
    ids += (ids.empty() ? "" : ", ") + SqlIdent(f.name) + ": " + FieldIds(f.id, *f.type);
  std::string sql = "COPY (" + query + ") TO " + SqlString(path) + " (FORMAT PARQUET, FIELD_IDS {" + ids + "})";
  Status s = con.Execute(sql);
  return s.ok() ? s : std::move(s).WithContext("writing the Iceberg data file " + path);
}

Result<DataFile> DescribeParquet(engine::Connection& con, const std::string& path, int64_t size, const Schema& schema,
                                 std::vector<tmpl::Value> partition) {
  auto table = con.Query(
      "SELECT row_group_id, row_group_num_rows, path_in_schema, num_values, stats_null_count, stats_min_value, "
      "stats_max_value, total_compressed_size FROM parquet_metadata(" +
      SqlString(path) + ")");
  if (!table.ok()) return Status(table.status()).WithContext("reading the footer of " + path);
  DataFile file{.file_path = path, .partition = std::move(partition), .file_size_in_bytes = size};
  std::map<int64_t, int64_t> group_rows;
  std::map<int, tmpl::Value> lows, highs;
  std::set<int> no_bounds;
  for (const auto& row : table->rows) {
    int64_t group = row[0].is_int() ? row[0].AsInt() : 0;
    if (row[1].is_int()) group_rows[group] = row[1].AsInt();
    std::string column = row[2].is_string() ? row[2].AsString() : "";
    // Nested columns' paths are "a, b" (DuckDB joins the levels): only
    // top-level primitive columns get statistics here.
    const NestedField* field = column.find(", ") == std::string::npos ? schema.FindField(column) : nullptr;
    if (!field || !field->type->is_primitive()) continue;
    int id = field->id;
    if (row[3].is_int()) file.value_counts[id] += row[3].AsInt();
    if (row[7].is_int()) file.column_sizes[id] += row[7].AsInt();
    if (row[4].is_int()) {
      file.null_value_counts[id] += row[4].AsInt();
    }
    std::optional<tmpl::Value> low = row[5].is_string() ? StatValue(*field->type, row[5].AsString()) : std::nullopt;
    std::optional<tmpl::Value> high = row[6].is_string() ? StatValue(*field->type, row[6].AsString()) : std::nullopt;
    if (!low || !high) {
      // A row group without statistics: the file has no bounds for the column.
      bool all_null = row[3].is_int() && row[4].is_int() && row[3].AsInt() == row[4].AsInt();
      if (!all_null) no_bounds.insert(id);
      continue;
    }
    if (!lows.count(id) || ValueLess(*low, lows[id])) lows[id] = *low;
    if (!highs.count(id) || ValueLess(highs[id], *high)) highs[id] = *high;
  }
  for (const auto& [group, rows] : group_rows) file.record_count += rows;
  for (const auto& [id, low] : lows) {
    if (no_bounds.count(id)) continue;
    const NestedField* field = schema.FindField(id);
    auto lower = ToBound(*field->type, low);
    auto upper = ToBound(*field->type, highs[id]);
    if (!lower.ok() || !upper.ok()) continue;
    file.lower_bounds[id] = *lower;
    file.upper_bounds[id] = *upper;
  }
  return file;
}

}  // namespace floe::iceberg
