// dbt's Jinja context, shared by parsing (compile.cc) and execution
// (runner.cc): the environment with dbt's functions and the project's macros,
// and the per-render scope those functions read through RenderState::host().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/manifest.h"
#include "tmpl/render_state.h"
#include "tmpl/template.h"

namespace floe::engine {
class Connection;
}

namespace floe::models {

// The project's Jinja: dbt's functions plus every macro of the project and
// its packages, registered as functions. Immutable once built.
struct JinjaLibrary {
  tmpl::Environment env = tmpl::Environment::Standard(tmpl::Dialect::kJinja);
  std::vector<std::shared_ptr<const tmpl::Template>> macro_files;
  // macro name -> package that defines it, for dispatch and manifest.json.
  std::map<std::string, std::vector<std::string>, std::less<>> macro_packages;
  std::map<std::string, std::string, std::less<>> docs;  // "pkg.name" and "name" -> text
  tmpl::Value globals;  // map: target, modules, flags, project_name, ... (shared by every render)
  // Built-in macros a project may override (generate_schema_name, ...).
  std::shared_ptr<const tmpl::Template> schema_name_call, alias_name_call, database_name_call;
};

enum class RenderMode {
  kParse,    // execute = false: record ref/source/config; no database
  kExecute,  // execute = true: resolve relations; the database may be queried
};

// What the dbt functions see during one render of one node (or a hook, or an
// operation). Passed to Render() as the RenderHost.
class NodeScope : public tmpl::RenderHost {
 public:
  RenderMode mode = RenderMode::kParse;
  Manifest* manifest = nullptr;                 // parse: being built; execute: complete
  ParsedNode* node = nullptr;                   // null for hooks and operations
  engine::Connection* connection = nullptr;     // execute mode only
  bool incremental = false;                     // is_incremental()
  std::function<void(const std::string&)> log;  // log(msg, info=True) and print()

  // Parse mode: where ref() and source() were called, for errors that come
  // after the render (a missing model).
  struct Call {
    std::vector<std::string> args;
    std::optional<std::string> version;
    SourceLocation where;
  };
  mutable std::vector<Call> ref_calls, source_calls;
  mutable tmpl::ValueMap config_calls;  // merged config(...) arguments, in call order
  mutable std::vector<Warning> warnings;
  // Execute mode: ephemeral models this render referenced, for CTE injection.
  mutable std::vector<size_t> ephemeral_refs;
  mutable std::map<std::string, tmpl::Value, std::less<>> statements;  // load_result()

  // dbt's context, beyond what a render passes itself: the library's
  // globals, `execute`, and the node's `this` and `model`, built on first
  // use (most models read neither, and a project renders every node twice).
  const tmpl::Value* Global(std::string_view name) const override;
  std::vector<std::string> GlobalNames() const override;

 private:
  mutable tmpl::Value execute_, this_, model_;
};

// Adds dbt's functions (ref, source, config, var, env_var, is_incremental,
// run_query, statement, load_result, adapter.*, exceptions.*, log, print,
// doc, ...) to `lib.env`.
void AddDbtFunctions(JinjaLibrary& lib);

// The scope of the render that calls a dbt function.
const NodeScope& ScopeOf(tmpl::RenderState& state);

// A relation as a Jinja object: prints as "db"."schema"."identifier" and has
// database, schema, identifier, name, type attributes.
tmpl::Value RelationValue(const Relation& relation, std::string_view type = "table");

// `model` in the context: the node's dbt attributes.
tmpl::Value NodeValue(const ParsedNode& node);

// Now, as a Python datetime (UTC) prints and behaves: strftime, isoformat,
// year..second. dbt's `run_started_at`.
tmpl::Value CurrentDateTime();

// dbt's `graph` (nodes and sources by unique id) of a parsed manifest.
tmpl::Value GraphValue(const Manifest& manifest);

// `modules` in the context: datetime (now, utcnow, today), re? no.
tmpl::Value ModulesValue();

}  // namespace floe::models
