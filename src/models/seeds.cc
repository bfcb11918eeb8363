// Seeds: a CSV loaded into a table, typed as dbt infers seed columns.
#include "engine/session.h"
#include "models/materialize.h"

namespace floe::models {
namespace {

using tmpl::Value;

// The type dbt (agate) would give a column whose values are all `checks`.
// One query answers for every column at once.
Result<std::vector<std::string>> InferTypes(engine::Connection& con, const std::string& from,
                                            const std::vector<std::string>& columns) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) {
    std::string c = QuoteIdentifier(columns[i]);
    std::string present = "(" + c + " IS NOT NULL AND " + c + " <> '')";
    if (i) sql += ", ";
    sql += "count(*) FILTER (WHERE " + present + "), ";
    sql += "count(*) FILTER (WHERE " + present + " AND NOT regexp_full_match(" + c + ", '-?[0-9]+')), ";
    sql += "count(*) FILTER (WHERE " + present + " AND TRY_CAST(" + c +
           " AS BIGINT) NOT BETWEEN -2147483648 AND 2147483647), ";
    sql += "count(*) FILTER (WHERE " + present + " AND NOT regexp_full_match(" + c +
           ", '-?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?')), ";
    sql += "count(*) FILTER (WHERE " + present + " AND lower(" + c + ") NOT IN ('true', 'false')), ";
    sql += "count(*) FILTER (WHERE " + present + " AND (NOT regexp_full_match(" + c +
           ", '[0-9]{4}-[0-9]{2}-[0-9]{2}') OR TRY_CAST(" + c + " AS DATE) IS NULL)), ";
    sql += "count(*) FILTER (WHERE " + present + " AND (NOT regexp_full_match(" + c +
           ", '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?') OR TRY_CAST(" + c +
           " AS TIMESTAMP) IS NULL))";
  }
  sql += " FROM " + from;
  ASSIGN_OR_RETURN(engine::Table t, con.Query(sql));
  std::vector<std::string> types;
  const auto& row = t.rows.at(0);
  for (size_t i = 0; i < columns.size(); ++i) {
    auto n = [&](size_t k) { return row[i * 7 + k].AsInt(); };
    if (n(0) == 0) {
      types.push_back("VARCHAR");
    } else if (n(1) == 0) {
      types.push_back(n(2) == 0 ? "INTEGER" : "BIGINT");
    } else if (n(3) == 0) {
      types.push_back("DOUBLE");
    } else if (n(4) == 0) {
      types.push_back("BOOLEAN");
    } else if (n(5) == 0) {
      types.push_back("DATE");
    } else if (n(6) == 0) {
      types.push_back("TIMESTAMP");
    } else {
      types.push_back("VARCHAR");
    }
  }
  return types;
}

}  // namespace

Result<MaterializeResult> LoadSeed(engine::Connection& con, const ParsedNode& seed, const MaterializeOptions& options) {
  std::filesystem::path csv = seed.node.package_root / seed.node.original_file_path;
  std::string delimiter = ",";
  if (const Value* d = seed.config.Get("delimiter"); d && d->is_string() && !d->AsString().empty())
    delimiter = d->AsString();
  std::string from = "read_csv(" + QuoteString(csv.string()) +
                     ", all_varchar = true, header = true, delim = " + QuoteString(delimiter) +
                     ", quote = '\"', escape = '\"')";
  auto described = con.Query("DESCRIBE SELECT * FROM " + from);
  if (!described.ok()) return std::move(described).status().WithContext("seed file " + csv.string());
  std::vector<std::string> columns;
  for (const auto& row : described->rows) columns.push_back(row[0].AsString());
  ASSIGN_OR_RETURN(std::vector<std::string> types, InferTypes(con, from, columns));
  const Value* overrides = seed.config.Get("column_types");
  std::string select;
  for (size_t i = 0; i < columns.size(); ++i) {
    std::string type = types[i];
    if (overrides && overrides->is_map())
      if (const Value* t = overrides->Get(columns[i]); t && t->is_string()) type = t->AsString();
    std::string c = QuoteIdentifier(columns[i]);
    select += (i ? ", " : "") + std::string("CAST(NULLIF(") + c + ", '') AS " + type + ") AS " + c;
  }
  std::string target = seed.relation.Rendered();
  ASSIGN_OR_RETURN(std::string existing, RelationType(con, seed.relation, options));
  RETURN_IF_ERROR(con.Execute("BEGIN TRANSACTION"));
  std::string body = existing == "view" ? "DROP VIEW " + target + ";\n" : "";
  body += "CREATE OR REPLACE TABLE " + target + " AS SELECT " + select + " FROM " + from + ";";
  Status s = con.Execute(body);
  Result<engine::Table> count = s.ok() ? con.Query("SELECT count(*) FROM " + target) : Result<engine::Table>(s);
  if (s.ok() && !count.ok()) s = count.status();
  if (s.ok()) s = con.Execute("COMMIT");
  if (!s.ok()) {
    con.Execute("ROLLBACK").IgnoreError();  // the seed's error is what matters
    return std::move(s).WithContext("seed file " + csv.string());
  }
  int64_t rows = count->rows[0][0].AsInt();
  if (options.catalog) options.catalog->Set(seed.relation, "table");
  return MaterializeResult{"INSERT " + std::to_string(rows), rows};
}

}  // namespace floe::models
