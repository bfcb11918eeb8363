#include "models/materialize.h"

#include <algorithm>

#include "engine/session.h"
#include "models/lake_models.h"

namespace floe::models {
namespace {

using tmpl::Value;

std::string Target(const Relation& r) { return r.Rendered(); }

std::string TempName(const Relation& r, std::string_view suffix) {
  return QuoteIdentifier(r.identifier + std::string(suffix));
}

// Column names of a relation (or a temp table), in order.
Result<std::vector<std::pair<std::string, std::string>>> Columns(engine::Connection& con, const std::string& from) {
  ASSIGN_OR_RETURN(engine::Table t, con.Query("DESCRIBE " + from));
  std::vector<std::pair<std::string, std::string>> cols;
  for (const auto& row : t.rows) cols.emplace_back(row[0].AsString(), row[1].AsString());
  return cols;
}

std::string JoinQuoted(const std::vector<std::string>& names, std::string_view prefix = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(prefix) + QuoteIdentifier(names[i]);
  return out;
}

Result<MaterializeResult> BuildView(engine::Connection& con, const ParsedNode& node, const std::string& sql,
                                    const std::string& existing) {
  std::string target = Target(node.relation);
  std::string body;
  if (existing == "table") body += "DROP TABLE " + target + ";\n";
  body += "CREATE OR REPLACE VIEW " + target + " AS (\n" + sql + "\n);";
  RETURN_IF_ERROR(RunAtomically(con, body));
  return MaterializeResult{"OK", -1, body};
}

Result<MaterializeResult> BuildTable(engine::Connection& con, const ParsedNode& node, const std::string& sql,
                                     const std::string& existing) {
  std::string target = Target(node.relation);
  std::string body;
  if (existing == "view") body += "DROP VIEW " + target + ";\n";
  body += "CREATE OR REPLACE TABLE " + target + " AS (\n" + sql + "\n);";
  RETURN_IF_ERROR(RunAtomically(con, body));
  return MaterializeResult{"OK", -1, body};
}

Result<MaterializeResult> BuildIncremental(engine::Connection& con, const ParsedNode& node, const std::string& sql) {
  std::string target = Target(node.relation);
  std::string tmp = TempName(node.relation, "__dbt_tmp");
  RETURN_IF_ERROR(con.Execute("CREATE OR REPLACE TEMPORARY TABLE " + tmp + " AS (\n" + sql + "\n)"));
  struct DropTemp {
    engine::Connection& con;
    std::string tmp;
    ~DropTemp() { con.Execute("DROP TABLE IF EXISTS " + tmp).IgnoreError(); }  // a temp table: harmless if left
  } drop{con, tmp};

  ASSIGN_OR_RETURN(auto new_cols, Columns(con, tmp));
  ASSIGN_OR_RETURN(auto old_cols, Columns(con, target));
  auto has = [](const auto& cols, const std::string& name) {
    return std::any_of(cols.begin(), cols.end(), [&](const auto& c) { return c.first == name; });
  };
  std::vector<std::string> added, removed;
  for (const auto& c : new_cols)
    if (!has(old_cols, c.first)) added.push_back(c.first);
  for (const auto& c : old_cols)
    if (!has(new_cols, c.first)) removed.push_back(c.first);
  std::string on_change = ConfigText(node, "on_schema_change", "ignore");
  std::string body;
  if (!added.empty() || !removed.empty()) {
    if (on_change == "fail") {
      std::string what;
      if (!added.empty()) what += " new columns: " + JoinQuoted(added) + ";";
      if (!removed.empty()) what += " removed columns: " + JoinQuoted(removed) + ";";
      return FailedPrecondition("the model's columns changed (" + what +
                                " ) and on_schema_change is 'fail'; rebuild it with --full-refresh or set "
                                "on_schema_change to append_new_columns or sync_all_columns");
    }
    if (on_change == "append_new_columns" || on_change == "sync_all_columns") {
      for (const auto& c : new_cols)
        if (!has(old_cols, c.first))
          body += "ALTER TABLE " + target + " ADD COLUMN " + QuoteIdentifier(c.first) + " " + c.second + ";\n";
    }
    if (on_change == "sync_all_columns") {
      for (const auto& name : removed)
        body += "ALTER TABLE " + target + " DROP COLUMN " + QuoteIdentifier(name) + ";\n";
    }
  }
  // The columns the insert writes: the target's, as the new SELECT has them.
  std::vector<std::string> dest;
  for (const auto& c : new_cols) {
    bool kept = has(old_cols, c.first) || on_change == "append_new_columns" || on_change == "sync_all_columns";
    if (kept) dest.push_back(c.first);
  }
  std::vector<std::string> keys = ConfigList(node, "unique_key");
  std::string strategy = ConfigText(node, "incremental_strategy", keys.empty() ? "append" : "delete+insert");
  std::string columns = JoinQuoted(dest);
  std::string insert = "INSERT INTO " + target + " (" + columns + ") SELECT " + columns + " FROM " + tmp + ";\n";
  if (strategy == "append") {
    body += insert;
  } else if (strategy == "delete+insert") {
    if (keys.empty()) return InvalidArgument("incremental_strategy 'delete+insert' needs a unique_key");
    std::string key_list = JoinQuoted(keys);
    body += "DELETE FROM " + target + " WHERE (" + key_list + ") IN (SELECT " + key_list + " FROM " + tmp + ");\n";
    body += insert;
  } else if (strategy == "merge") {
    if (keys.empty()) return InvalidArgument("incremental_strategy 'merge' needs a unique_key");
    std::string on, set;
    for (size_t i = 0; i < keys.size(); ++i)
      on += (i ? " AND " : "") + std::string("DBT_INTERNAL_DEST.") + QuoteIdentifier(keys[i]) +
            " = DBT_INTERNAL_SOURCE." + QuoteIdentifier(keys[i]);
    for (const auto& c : dest)
      set += (set.empty() ? "" : ", ") + QuoteIdentifier(c) + " = DBT_INTERNAL_SOURCE." + QuoteIdentifier(c);
    body += "MERGE INTO " + target + " AS DBT_INTERNAL_DEST USING " + tmp + " AS DBT_INTERNAL_SOURCE ON (" + on +
            ") WHEN MATCHED THEN UPDATE SET " + set + " WHEN NOT MATCHED THEN INSERT (" + columns + ") VALUES (" +
            JoinQuoted(dest, "DBT_INTERNAL_SOURCE.") + ");\n";
  } else if (strategy == "insert_overwrite") {
    body += "DELETE FROM " + target + ";\n" + insert;
  } else {
    return InvalidArgument("unknown incremental_strategy '" + strategy +
                           "'; floe supports append, delete+insert, merge and insert_overwrite");
  }
  RETURN_IF_ERROR(RunAtomically(con, body));
  return MaterializeResult{"OK", -1, body};
}

}  // namespace

std::vector<std::string> ConfigList(const ParsedNode& node, std::string_view key) {
  std::vector<std::string> out;
  const Value* v = node.config.Get(key);
  if (!v) return out;
  if (v->is_string()) {
    out.push_back(v->AsString());
  } else if (v->is_list()) {
    for (const auto& item : v->AsList())
      if (item.is_string()) out.push_back(item.AsString());
  }
  return out;
}

Status RunAtomically(engine::Connection& con, const std::string& body) {
  RETURN_IF_ERROR(con.Execute("BEGIN TRANSACTION"));
  Status s = con.Execute(body);
  if (s.ok()) s = con.Execute("COMMIT");
  if (!s.ok()) con.Execute("ROLLBACK").IgnoreError();  // the error that matters is `s`
  return s;
}

std::string QuoteIdentifier(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string RelationCatalog::Key(const Relation& r) {
  std::string key = r.database + "\x1f" + r.schema + "\x1f" + r.identifier;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;  // DuckDB's identifiers are case-insensitive
}

Status RelationCatalog::Load(engine::Connection& con) {
  ASSIGN_OR_RETURN(engine::Table t,
                   con.Query("SELECT database_name, schema_name, table_name, 'table' FROM duckdb_tables() UNION ALL "
                             "SELECT database_name, schema_name, view_name, 'view' FROM duckdb_views() "
                             "WHERE NOT internal"));
  std::lock_guard lock(mu_);
  types_.clear();
  for (const auto& row : t.rows)
    types_[Key({row[0].AsString(), row[1].AsString(), row[2].AsString()})] = row[3].AsString();
  return Status::Ok();
}

std::string RelationCatalog::TypeOf(const Relation& r) const {
  std::lock_guard lock(mu_);
  auto it = types_.find(Key(r));
  return it == types_.end() ? "" : it->second;
}

void RelationCatalog::Set(const Relation& r, std::string type) {
  std::lock_guard lock(mu_);
  types_[Key(r)] = std::move(type);
}

std::string ConfigText(const ParsedNode& node, std::string_view key, std::string_view fallback) {
  const Value* v = node.config.Get(key);
  if (!v || v->is_null() || v->is_undefined()) return std::string(fallback);
  return v->is_string() ? v->AsString() : tmpl::ToDisplayString(*v, tmpl::Dialect::kJinja);
}

Result<std::string> RelationType(engine::Connection& con, const Relation& r, const MaterializeOptions& options) {
  if (options.catalog) return options.catalog->TypeOf(r);
  ASSIGN_OR_RETURN(
      engine::Table t,
      con.Query("SELECT table_type FROM information_schema.tables WHERE table_catalog = " + QuoteString(r.database) +
                " AND table_schema = " + QuoteString(r.schema) + " AND table_name = " + QuoteString(r.identifier)));
  if (t.rows.empty()) return std::string();
  const Value& type = t.rows[0][0];
  return std::string(type.is_string() && type.AsString() == "VIEW" ? "view" : "table");
}

Result<MaterializeResult> Materialize(engine::Connection& con, const ParsedNode& node, const std::string& sql,
                                      bool incremental, const MaterializeOptions& options) {
  ASSIGN_OR_RETURN(std::string existing, RelationType(con, node.relation, options));
  const std::string& m = node.materialized;
  auto built = [&](Result<MaterializeResult> r) {
    if (r.ok() && options.catalog) options.catalog->Set(node.relation, m == "view" ? "view" : "table");
    return r;
  };
  if (m == "view") return built(BuildView(con, node, sql, existing));
  if (m == "table") return built(BuildTable(con, node, sql, existing));
  if (m == "incremental") {
    if (incremental && existing == "table" && !options.full_refresh) return built(BuildIncremental(con, node, sql));
    return built(BuildTable(con, node, sql, existing));
  }
  if (m == "iceberg") {
    if (!options.lake)
      return FailedPrecondition("model '" + node.node.name +
                                "' is materialized as 'iceberg', which needs floe's Iceberg catalog: build it with "
                                "`floe models` or a models task");
    return options.lake->Build(con, node, sql, incremental && !options.full_refresh, options);
  }
  return InvalidArgument("unknown materialization '" + m +
                         "'; floe builds view, table, incremental, iceberg, ephemeral, seed and snapshot");
}

}  // namespace floe::models
