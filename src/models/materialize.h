// Materializations: the SQL that turns one node's compiled SELECT into a
// relation, run on one connection. Each build is atomic: it runs in one
// transaction, so a failed model leaves its previous relation as it was.
//
//   ASSIGN_OR_RETURN(MaterializeResult r, Materialize(con, node, sql, {.full_refresh = false}));
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "core/status.h"
#include "models/manifest.h"

namespace floe::engine {
class Connection;
}

namespace floe::models {

// The relations that exist in the database, read once per run and kept up
// to date as nodes build: asking information_schema for each node costs more
// than building it once a database holds 1,000 views (DuckDB renders every
// view's SQL for each such query).
class RelationCatalog {
 public:
  Status Load(engine::Connection& con);
  std::string TypeOf(const Relation& relation) const;  // "table", "view" or "" when absent
  void Set(const Relation& relation, std::string type);

 private:
  static std::string Key(const Relation& relation);
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> types_;
};

class LakeModels;

struct MaterializeOptions {
  bool full_refresh = false;
  std::filesystem::path project_root;  // seeds' CSV files are relative to their package root
  RelationCatalog* catalog = nullptr;  // null: information_schema is asked each time
  LakeModels* lake = nullptr;          // where 'iceberg' models go (lake_models.h); null: nowhere
};

struct MaterializeResult {
  std::string message;  // dbt's adapter response: "OK", "INSERT 20"
  int64_t rows_affected = -1;
  std::string sql;  // what ran (target/run/)
};

// A node's config value as text: a string as it is, other values as Jinja
// prints them, `fallback` when unset or null.
std::string ConfigText(const ParsedNode& node, std::string_view key, std::string_view fallback = "");
// A config value that is a name or a list of names (unique_key, partition_by).
std::vector<std::string> ConfigList(const ParsedNode& node, std::string_view key);

// Runs `body` (statements) in one transaction; rolls back on failure so
// the old relation stays as it was.
Status RunAtomically(engine::Connection& con, const std::string& body);

// Whether `relation` exists, and as what: "table", "view" or "" when absent;
// from `options.catalog` when there is one.
Result<std::string> RelationType(engine::Connection& con, const Relation& relation,
                                 const MaterializeOptions& options = {});

// Builds a model (view, table, incremental, iceberg) from its compiled
// SQL. `incremental` says the target exists and is not being fully refreshed.
Result<MaterializeResult> Materialize(engine::Connection& con, const ParsedNode& node, const std::string& sql,
                                      bool incremental, const MaterializeOptions& options);

// Loads a seed's CSV into its table, replacing the old contents, with
// dbt's type inference (integer, double, boolean, date, timestamp, else
// varchar) unless `column_types` says otherwise.
Result<MaterializeResult> LoadSeed(engine::Connection& con, const ParsedNode& seed, const MaterializeOptions& options);

// Builds or updates a snapshot's SCD2 table from its compiled SELECT with
// the `timestamp` or `check` strategy (snapshot.cc).
Result<MaterializeResult> BuildSnapshot(engine::Connection& con, const ParsedNode& snapshot, const std::string& sql,
                                        const MaterializeOptions& options);

std::string QuoteIdentifier(std::string_view identifier);
std::string QuoteString(std::string_view text);

}  // namespace floe::models
