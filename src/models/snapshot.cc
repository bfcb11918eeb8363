// Snapshots: type-2 slowly changing dimensions, as dbt builds them. Each
// source row version gets dbt_scd_id, dbt_updated_at, dbt_valid_from and
// dbt_valid_to; the current version has dbt_valid_to null.
#include <algorithm>
#include <set>

#include "engine/session.h"
#include "models/materialize.h"

namespace floe::models {
namespace {

using tmpl::Value;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;  // DuckDB's column names are case-insensitive
}

}  // namespace

Result<MaterializeResult> BuildSnapshot(engine::Connection& con, const ParsedNode& snap, const std::string& sql,
                                        const MaterializeOptions& options) {
  std::string strategy = ConfigText(snap, "strategy");
  std::vector<std::string> keys;
  if (const Value* k = snap.config.Get("unique_key")) {
    if (k->is_string()) keys.push_back(k->AsString());
    if (k->is_list())
      for (const auto& i : k->AsList())
        if (i.is_string()) keys.push_back(i.AsString());
  }
  if (keys.empty()) return InvalidArgument("snapshot " + snap.node.name + " needs a unique_key config");
  if (strategy != "timestamp" && strategy != "check")
    return InvalidArgument("snapshot " + snap.node.name + ": strategy must be 'timestamp' or 'check', not '" +
                           strategy + "'");
  std::string updated_at = ConfigText(snap, "updated_at");
  if (strategy == "timestamp" && updated_at.empty())
    return InvalidArgument("snapshot " + snap.node.name + ": the timestamp strategy needs an updated_at config");
  std::string hard_deletes = ConfigText(snap, "hard_deletes");
  if (const Value* inv = snap.config.Get("invalidate_hard_deletes"); inv && inv->Truthy()) hard_deletes = "invalidate";
  if (!hard_deletes.empty() && hard_deletes != "ignore" && hard_deletes != "invalidate")
    return InvalidArgument("snapshot " + snap.node.name + ": hard_deletes '" + hard_deletes +
                           "' is not supported by floe yet (ignore and invalidate are)");
  // dbt 1.9's column renames and current-row marker change the table's shape:
  // refusing them beats a table tools then misread.
  for (const char* unsupported : {"snapshot_meta_column_names", "dbt_valid_to_current"}) {
    const Value* v = snap.config.Get(unsupported);
    if (v && !v->is_null())
      return InvalidArgument("snapshot " + snap.node.name + ": the " + unsupported +
                             " config is not supported by floe yet");
  }

  std::string target = snap.relation.Rendered();
  std::string src = QuoteIdentifier(snap.relation.identifier + "__dbt_source");
  std::string key = keys.size() == 1 ? "(" + keys[0] + ")" : "row(";
  if (keys.size() > 1) {
    for (size_t i = 0; i < keys.size(); ++i) key += (i ? ", " : "") + keys[i];
    key += ")";
  }
  RETURN_IF_ERROR(con.Execute("CREATE OR REPLACE TEMPORARY TABLE " + src + " AS (\n" + sql + "\n)"));
  struct DropTemp {
    engine::Connection& con;
    std::string name;
    ~DropTemp() { con.Execute("DROP TABLE IF EXISTS " + name).IgnoreError(); }  // temp: harmless if left
  } drop{con, src};
  ASSIGN_OR_RETURN(engine::Table described, con.Query("DESCRIBE " + src));
  std::vector<std::string> columns;
  for (const auto& row : described.rows) columns.push_back(row[0].AsString());
  std::string cols;
  for (size_t i = 0; i < columns.size(); ++i) cols += (i ? ", " : "") + QuoteIdentifier(columns[i]);

  // The moment a version starts: its updated_at, or (check) this run's time,
  // fixed once for the whole snapshot.
  std::string run_time = "CAST(now() AS TIMESTAMP)";
  std::string version_time = strategy == "timestamp" ? "CAST(" + updated_at + " AS TIMESTAMP)" : run_time;
  std::string scd_id = "md5(coalesce(cast(" + (keys.size() == 1 ? keys[0] : key) +
                       " as varchar), '') || '|' || coalesce(cast(" + version_time + " as varchar), ''))";
  auto versioned = [&](const std::string& from) {
    return "SELECT " + cols + ", " + scd_id + " AS dbt_scd_id, " + version_time + " AS dbt_updated_at, " +
           version_time + " AS dbt_valid_from, CAST(NULL AS TIMESTAMP) AS dbt_valid_to FROM " + from;
  };
  ASSIGN_OR_RETURN(std::string existing, RelationType(con, snap.relation, options));
  if (existing.empty()) {
    std::string body = "CREATE TABLE " + target + " AS " + versioned(src) + ";";
    RETURN_IF_ERROR(RunAtomically(con, body));
    if (options.catalog) options.catalog->Set(snap.relation, "table");
    return MaterializeResult{"OK", -1, body};
  }
  std::string changed;
  if (strategy == "timestamp") {
    changed = "CAST(s." + updated_at + " AS TIMESTAMP) > t.dbt_updated_at";
  } else {
    std::vector<std::string> check;
    const Value* cc = snap.config.Get("check_cols");
    if (cc && cc->is_list()) {
      for (const auto& c : cc->AsList())
        if (c.is_string()) check.push_back(c.AsString());
    } else {
      check = columns;
    }
    if (check.empty()) return InvalidArgument("snapshot " + snap.node.name + ": the check strategy needs check_cols");
    for (size_t i = 0; i < check.size(); ++i)
      changed += (i ? " OR " : "") + std::string("s.") + check[i] + " IS DISTINCT FROM t." + check[i];
  }
  // Columns the source gained since the snapshot table was made are added
  // to it (dbt does the same); rows that predate them read NULL there.
  ASSIGN_OR_RETURN(engine::Table existing_columns, con.Query("DESCRIBE " + target));
  std::set<std::string> have;
  for (const auto& row : existing_columns.rows) have.insert(Lower(row[0].AsString()));
  std::string body;
  for (const auto& row : described.rows)
    if (!have.count(Lower(row[0].AsString())))
      body += "ALTER TABLE " + target + " ADD COLUMN " + QuoteIdentifier(row[0].AsString()) + " " + row[1].AsString() +
              ";\n";
  std::string current = "(SELECT *, " + key + " AS __dbt_key FROM " + target + " WHERE dbt_valid_to IS NULL)";
  std::string keyed_src = "(SELECT *, " + key + " AS __dbt_key FROM " + src + ")";
  std::string news = QuoteIdentifier(snap.relation.identifier + "__dbt_new");
  std::string changes = QuoteIdentifier(snap.relation.identifier + "__dbt_changes");
  body += "CREATE OR REPLACE TEMPORARY TABLE " + news + " AS SELECT s.* EXCLUDE (__dbt_key) FROM " + keyed_src +
          " s WHERE s.__dbt_key NOT IN (SELECT __dbt_key FROM " + current + ");\n";
  body += "CREATE OR REPLACE TEMPORARY TABLE " + changes + " AS SELECT s.* EXCLUDE (__dbt_key) FROM " + keyed_src +
          " s JOIN " + current + " t ON s.__dbt_key = t.__dbt_key WHERE " + changed + ";\n";
  if (hard_deletes == "invalidate") {
    body += "UPDATE " + target + " SET dbt_valid_to = " + run_time + " WHERE dbt_valid_to IS NULL AND " + key +
            " NOT IN (SELECT " + key + " FROM " + src + ");\n";
  }
  // `c` holds only the key and the new version's start, so the key
  // expression's column names resolve to the target's row.
  body += "UPDATE " + target + " SET dbt_valid_to = c.__dbt_from FROM (SELECT " + key + " AS __dbt_key, " +
          version_time + " AS __dbt_from FROM " + changes + ") c WHERE " + target + ".dbt_valid_to IS NULL AND " + key +
          " = c.__dbt_key;\n";
  body += "INSERT INTO " + target + " (" + cols + ", dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to) " +
          versioned(changes) + ";\n";
  body += "INSERT INTO " + target + " (" + cols + ", dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to) " +
          versioned(news) + ";\n";
  body += "DROP TABLE " + news + "; DROP TABLE " + changes + ";";
  RETURN_IF_ERROR(RunAtomically(con, body));
  return MaterializeResult{"OK", -1, body};
}

}  // namespace floe::models
