// dbt's Jinja functions: ref, source, config, var, env_var, is_incremental,
// run_query, statement/load_result, adapter.*, exceptions.*, log, print, doc.
// Each reads the render's NodeScope through RenderState::host().
#include <cstdlib>

#include "core/strings.h"
#include "engine/session.h"
#include "flow/yaml_node.h"
#include "models/config_keys.h"
#include "models/internal/dbt_context.h"
#include "models/materialize.h"
#include "storage/digest.h"
#include "tmpl/json.h"

namespace floe::models {
namespace {

using tmpl::CallArgs;
using tmpl::RenderState;
using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

const NodeScope& DefaultScope() {
  static const NodeScope scope;
  return scope;
}

Result<std::string> StringArg(RenderState& st, const CallArgs& args, size_t i, std::string_view name,
                              std::string_view function) {
  const Value* v = args.Arg(i, name);
  if (!v || v->is_undefined() || v->is_null())
    return st.Error(std::string(function) + "() needs its '" + std::string(name) + "' argument");
  if (v->is_string()) return v->AsString();
  return tmpl::ToDisplayString(*v, tmpl::Dialect::kJinja);
}

std::string Quote(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Value EphemeralValue(const ParsedNode& node) {
  Value v = RelationValue({"", "", "__dbt__cte__" + node.node.name}, "cte");
  v.MutableMap().set_display("__dbt__cte__" + node.node.name);
  return v;
}

// The version argument of ref(): v= or version=, as a string.
std::optional<std::string> VersionArg(const CallArgs& args) {
  for (const char* name : {"v", "version"}) {
    if (const Value* found = args.Arg(args.positional.size(), name)) {  // keywords only
      const Value& v = *found;
      if (v.is_null() || v.is_undefined()) return std::nullopt;
      return tmpl::ToDisplayString(v, tmpl::Dialect::kJinja);
    }
  }
  return std::nullopt;
}

Result<Value> Ref(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  std::vector<std::string> names;
  for (const auto& a : args.positional) {
    if (!a.is_string()) return st.Error("ref() takes model names as strings, got " + std::string(a.TypeName()));
    names.push_back(a.AsString());
  }
  if (names.empty() || names.size() > 2) return st.Error("ref() takes a model name, or a package and a model name");
  std::optional<std::string> version = VersionArg(args);
  std::string package = names.size() == 2 ? names[0] : "";
  const std::string& name = names.back();
  const Manifest* m = scope.manifest;
  if (scope.mode == RenderMode::kParse) {
    scope.ref_calls.push_back({names, version, st.Location()});
    std::string db = m ? m->target.database : "";
    std::string schema = m ? m->target.schema : "main";
    return RelationValue({db, schema, name});
  }
  std::string from = scope.node ? scope.node->node.package : (m ? m->project.name : "");
  std::optional<size_t> found = m ? m->ResolveRef(package, name, version, from) : std::nullopt;
  if (!found) {
    std::vector<std::string> candidates;
    if (m)
      for (const auto& [n, ids] : m->by_name) candidates.push_back(n);
    return st.Error("ref('" + name + "') names no model, seed or snapshot").WithHint(DidYouMean(name, candidates));
  }
  const ParsedNode& target = m->nodes[*found];
  if (target.materialized == "ephemeral") {
    scope.ephemeral_refs.push_back(*found);
    return EphemeralValue(target);
  }
  return RelationValue(target.relation, target.materialized == "view" ? "view" : "table");
}

// dbt-duckdb's `meta: {external_location: ...}` on a source or its table:
// "data/{name}.csv" or "read_parquet('s3://b/{name}/*.parquet')", with
// {name}, {identifier}, {schema}, {database}, {source_name} and the meta's
// own keys filled in. A plain path is quoted (DuckDB reads a quoted path as
// a table); a function call is used as it is.
Result<std::optional<std::string>> ExternalLocation(const SourceTable& s, const Relation& relation, RenderState& st) {
  const Value* meta = s.config.Get("meta");
  if (!meta || !meta->is_map()) meta = s.meta.is_map() ? &s.meta : nullptr;
  const Value* location = meta ? meta->Get("external_location") : nullptr;
  if (!location || location->is_null()) return std::optional<std::string>();
  if (!location->is_string()) return st.Error("external_location of source " + s.unique_id + " must be a string");
  std::map<std::string, std::string, std::less<>> fields = {{"name", s.name},
                                                            {"identifier", relation.identifier},
                                                            {"schema", relation.schema},
                                                            {"database", relation.database},
                                                            {"source_name", s.source_name}};
  for (const auto& [k, v] : meta->AsMap())
    if (v.is_string() && !fields.count(k)) fields[k] = v.AsString();
  const std::string& pattern = location->AsString();
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    size_t close = pattern.find('}', i);
    if (close == std::string::npos) return st.Error("external_location '" + pattern + "' has an unclosed '{'");
    std::string key = pattern.substr(i + 1, close - i - 1);
    auto it = fields.find(key);
    if (it == fields.end())
      return st.Error("external_location '" + pattern + "' of source " + s.unique_id + ": no field '{" + key + "}'")
          .WithHint("fields: {name}, {identifier}, {schema}, {database}, {source_name} and the meta's keys");
    out += it->second;
    i = close;
  }
  bool call = out.find('(') != std::string::npos || out.starts_with("'");
  return std::optional<std::string>(call ? out : QuoteString(out));
}

Result<Value> Source(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  ASSIGN_OR_RETURN(std::string source_name, StringArg(st, args, 0, "source_name", "source"));
  ASSIGN_OR_RETURN(std::string table, StringArg(st, args, 1, "table_name", "source"));
  const Manifest* m = scope.manifest;
  if (scope.mode == RenderMode::kParse) {
    scope.source_calls.push_back({{source_name, table}, std::nullopt, st.Location()});
    return RelationValue({m ? m->target.database : "", source_name, table});
  }
  std::optional<size_t> found = m ? m->ResolveSource(source_name, table) : std::nullopt;
  if (!found) return st.Error("source('" + source_name + "', '" + table + "') is not defined in any property file");
  const SourceTable& s = m->sources[*found];
  Relation relation{s.database.empty() ? m->target.database : s.database, s.schema, s.identifier};
  Value value = RelationValue(relation);
  ASSIGN_OR_RETURN(std::optional<std::string> location, ExternalLocation(s, relation, st));
  if (!location) return value;
  // dbt-duckdb: the source is read where it lies; the relation prints as the
  // location (a quoted path, or a table function call as written).
  ValueMap external = value.AsMap();
  std::string shown = *location;
  external.Set("render", Value::MakeCallable("render", [shown](CallArgs&) -> Result<Value> { return Value(shown); }));
  external.set_display(shown);
  return Value(std::move(external));
}

// The config a node has so far: its loaded config with this render's
// config(...) calls merged in.
Value CurrentConfig(const NodeScope& scope) {
  ValueMap merged;
  if (scope.node && scope.node->config.is_map())
    for (const auto& [k, v] : scope.node->config.AsMap()) merged.Set(k, v);
  for (const auto& [k, v] : scope.config_calls) merged.Set(k, v);
  return Value(std::move(merged));
}

Result<Value> Config(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  args.TakeAllKeywords();  // every key is checked at parse, a misspelled one warned
  if (scope.mode != RenderMode::kParse) return Value("");
  std::vector<std::pair<std::string, Value>> given;
  for (const auto& a : args.positional) {
    if (!a.is_map()) return st.Error("config() takes keyword arguments or one dict");
    for (const auto& [k, v] : a.AsMap()) given.emplace_back(k, v);
  }
  for (const auto& kv : args.keyword) given.push_back(kv);
  for (auto& [key, value] : given) {
    std::string k = NormalizeConfigKey(key);
    if (!IsKnownConfigKey(k)) {
      Status where = st.Error("");
      std::string message = "config key '" + key + "' is not a dbt config; dbt would ignore it";
      if (auto s = SuggestConfigKey(k)) message += " (did you mean '" + *s + "'?)";
      scope.warnings.push_back({where.location(), message});
    }
    MergeConfigValue(scope.config_calls, k, value);
  }
  return Value("");
}

Result<Value> ConfigGet(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string key, StringArg(st, args, 0, "name", "config.get"));
  Value config = CurrentConfig(ScopeOf(st));
  if (const Value* v = config.Get(NormalizeConfigKey(key)); v && !v->is_null()) return *v;
  const Value* fallback = args.Arg(1, "default");
  return fallback ? *fallback : Value();
}

Result<Value> ConfigRequire(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string key, StringArg(st, args, 0, "name", "config.require"));
  const NodeScope& scope = ScopeOf(st);
  Value config = CurrentConfig(scope);
  if (const Value* v = config.Get(NormalizeConfigKey(key)); v && !v->is_null()) return *v;
  if (scope.mode == RenderMode::kParse) return Value();
  return st.Error("the config '" + key + "' is required here but not set");
}

Result<Value> Var(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string name, StringArg(st, args, 0, "name", "var"));
  const NodeScope& scope = ScopeOf(st);
  const Manifest* m = scope.manifest;
  if (m) {
    if (const Value* v = m->vars_override.Get(name)) return *v;
    const Value& vars = m->project.vars;
    std::string package = scope.node ? scope.node->node.package : m->project.name;
    if (const Value* scoped = vars.Get(package); scoped && scoped->is_map())
      if (const Value* v = scoped->Get(name)) return *v;
    if (const Value* v = vars.Get(name)) return *v;
  }
  if (const Value* fallback = args.Arg(1, "default")) return *fallback;
  std::string who = scope.node ? " (in " + scope.node->node.unique_id + ")" : "";
  return st.Error("required var '" + name + "' not found in config" + who)
      .WithHint("set it under `vars:` in dbt_project.yml or pass --vars '{" + name + ": ...}'");
}

Result<Value> EnvVar(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string name, StringArg(st, args, 0, "var", "env_var"));
  if (const char* v = std::getenv(name.c_str())) return Value(std::string(v));
  if (const Value* fallback = args.Arg(1, "default")) return *fallback;
  return st.Error("env var required but not provided: '" + name + "'");
}

Value TableValue(const engine::Table& table) {
  ValueList columns, rows;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    ValueList values;
    for (const auto& row : table.rows) values.push_back(row[c]);
    Value column_values(std::move(values));
    ValueMap column;
    column.Set("name", Value(table.columns[c].name));
    column.Set("data_type", Value(table.columns[c].type));
    column.Set("values",
               Value::MakeCallable("values", [column_values](CallArgs&) -> Result<Value> { return column_values; }));
    columns.push_back(Value(std::move(column)));
  }
  // Rows as agate gives them: row['name'], row.name and row[0] all work.
  for (const auto& row : table.rows) {
    ValueMap fields;
    for (size_t c = 0; c < row.size() && c < table.columns.size(); ++c) fields.Set(table.columns[c].name, row[c]);
    rows.push_back(Value(std::move(fields)));
  }
  ValueMap out;
  ValueList names;
  for (const auto& c : table.columns) names.push_back(Value(c.name));
  out.Set("columns", Value(std::move(columns)));
  out.Set("column_names", Value(std::move(names)));
  out.Set("rows", Value(std::move(rows)));
  return Value(std::move(out));
}

Result<Value> RunQueryFn(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  ASSIGN_OR_RETURN(std::string sql, StringArg(st, args, 0, "sql", "run_query"));
  if (scope.mode == RenderMode::kParse || !scope.connection) return Value();
  auto table = scope.connection->Query(sql);
  if (!table.ok()) return st.Error("run_query: " + table.status().message());
  return TableValue(*table);
}

// dbt's statement(name=None, fetch_result=False, auto_begin=True,
// language='sql'). DuckDB commits each statement, as auto_begin=False asks.
Result<Value> Statement(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  const Value* name = args.Arg(0, "name");
  const Value* fetch = args.Arg(1, "fetch_result");
  (void)args.Arg(2, "auto_begin");
  const Value* language = args.Arg(3, "language");
  const Value* caller = args.Arg(args.positional.size(), "caller");
  if (language && language->is_string() && language->AsString() != "sql")
    return st.Error("statement(): floe runs SQL statements only, not language '" + language->AsString() + "'");
  if (scope.mode == RenderMode::kParse || !scope.connection) return Value("");
  if (!caller || !caller->is_callable()) return st.Error("statement() is used as {% call statement(...) %}");
  CallArgs none;
  ASSIGN_OR_RETURN(Value sql, st.CallValue(*caller, none));
  auto table = scope.connection->Query(tmpl::ToDisplayString(sql, tmpl::Dialect::kJinja));
  if (!table.ok()) return st.Error("statement: " + table.status().message());
  if (name && name->is_string()) {
    ValueMap result;
    Value t = TableValue(*table);
    ValueList data;
    if (fetch && fetch->Truthy())
      for (const auto& row : table->rows) data.push_back(Value(row));
    result.Set("data", Value(std::move(data)));
    result.Set("table", fetch && fetch->Truthy() ? t : Value());
    result.Set("response", Value::MakeMap({{"_message", "OK"}, {"rows_affected", Value(int64_t(-1))}}));
    scope.statements[name->AsString()] = Value(std::move(result));
  }
  return Value("");
}

Result<Value> LoadResult(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string name, StringArg(st, args, 0, "name", "load_result"));
  const NodeScope& scope = ScopeOf(st);
  auto it = scope.statements.find(name);
  return it == scope.statements.end() ? Value() : it->second;
}

Result<Value> Log(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  const Value* msg = args.Arg(0, "msg");
  const Value* info = args.Arg(1, "info");
  if (scope.mode == RenderMode::kExecute && info && info->Truthy() && scope.log && msg)
    scope.log(tmpl::ToDisplayString(*msg, tmpl::Dialect::kJinja));
  return Value("");
}

Result<Value> Print(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  const Value* msg = args.Arg(0, "msg");
  if (scope.mode == RenderMode::kExecute && scope.log && msg)
    scope.log(tmpl::ToDisplayString(*msg, tmpl::Dialect::kJinja));
  return Value("");
}

Result<Value> RaiseCompilerError(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string msg, StringArg(st, args, 0, "msg", "exceptions.raise_compiler_error"));
  return st.Error("Compilation Error: " + msg);
}

Result<Value> Warn(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string msg, StringArg(st, args, 0, "msg", "exceptions.warn"));
  const NodeScope& scope = ScopeOf(st);
  if (scope.mode == RenderMode::kParse) {
    scope.warnings.push_back({st.Location(), msg});
  } else if (scope.log) {
    scope.log("Warning: " + msg);
  }
  return Value("");
}

Result<Value> AdapterQuote(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string id, StringArg(st, args, 0, "identifier", "adapter.quote"));
  return Value(Quote(id));
}

// adapter.dispatch('name', 'namespace'): the first of duckdb__name,
// default__name (in the namespace's package when given) that exists. The
// returned callable calls the macro in this render.
Result<Value> AdapterDispatch(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string name, StringArg(st, args, 0, "macro_name", "adapter.dispatch"));
  const Value* ns = args.Arg(1, "macro_namespace");
  std::vector<std::string> candidates;
  auto add = [&](const std::string& prefix) {
    candidates.push_back(prefix + "duckdb__" + name);
    candidates.push_back(prefix + "default__" + name);
  };
  add("");  // the root project overrides any package (dbt's default search order)
  if (ns && ns->is_string() && !ns->AsString().empty()) add(ns->AsString() + ".");
  for (const auto& c : candidates) {
    if (const tmpl::Function* fn = st.env().FindFunction(c)) {
      RenderState* caller = &st;
      return Value::MakeCallable(c, [fn, caller](CallArgs& a) { return (*fn)(a, *caller); });
    }
  }
  std::string where = ns && ns->is_string() ? " in namespace '" + ns->AsString() + "'" : "";
  return st.Error("adapter.dispatch: no macro duckdb__" + name + " or default__" + name + where);
}

std::string SqlString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string Attr(const Value& relation, std::string_view key) {
  const Value* v = relation.Get(key);
  return v && v->is_string() ? v->AsString() : "";
}

Result<Value> AdapterGetRelation(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  if (scope.mode == RenderMode::kParse || !scope.connection) {
    for (const char* name : {"database", "schema", "identifier"}) (void)args.Arg(args.positional.size(), name);
    return Value();
  }
  ASSIGN_OR_RETURN(std::string database, StringArg(st, args, 0, "database", "adapter.get_relation"));
  ASSIGN_OR_RETURN(std::string schema, StringArg(st, args, 1, "schema", "adapter.get_relation"));
  ASSIGN_OR_RETURN(std::string identifier, StringArg(st, args, 2, "identifier", "adapter.get_relation"));
  auto t = scope.connection->Query(
      "SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables WHERE "
      "lower(table_catalog) = lower(" +
      SqlString(database) + ") AND lower(table_schema) = lower(" + SqlString(schema) +
      ") AND lower(table_name) = lower(" + SqlString(identifier) + ")");
  if (!t.ok()) return st.Error("adapter.get_relation: " + t.status().message());
  if (t->rows.empty()) return Value();
  const auto& row = t->rows[0];
  bool view = row[3].is_string() && row[3].AsString() == "VIEW";
  return RelationValue({row[0].AsString(), row[1].AsString(), row[2].AsString()}, view ? "view" : "table");
}

Result<Value> AdapterGetColumns(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  const Value* relation = args.Arg(0, "relation");
  if (scope.mode == RenderMode::kParse || !scope.connection) return Value(ValueList{});
  if (!relation || !relation->is_map()) return st.Error("adapter.get_columns_in_relation() takes a relation");
  auto t = scope.connection->Query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE lower(table_catalog) = lower(" +
      SqlString(Attr(*relation, "database")) + ") AND lower(table_schema) = lower(" +
      SqlString(Attr(*relation, "schema")) + ") AND lower(table_name) = lower(" +
      SqlString(Attr(*relation, "identifier")) + ") ORDER BY ordinal_position");
  if (!t.ok()) return st.Error("adapter.get_columns_in_relation: " + t.status().message());
  ValueList columns;
  for (const auto& row : t->rows) {
    ValueMap c;
    c.Set("name", row[0]);
    c.Set("column", row[0]);
    c.Set("data_type", row[1]);
    c.Set("dtype", row[1]);
    c.Set("quoted", Value(Quote(row[0].AsString())));
    c.set_display(row[0].AsString());
    columns.push_back(Value(std::move(c)));
  }
  return Value(std::move(columns));
}

Result<Value> Doc(CallArgs& args, RenderState& st) {
  const NodeScope& scope = ScopeOf(st);
  ASSIGN_OR_RETURN(std::string first, StringArg(st, args, 0, "name", "doc"));
  std::string key = first;
  if (const Value* second = args.Arg(1, "doc_name"); second && second->is_string())
    key = first + "." + second->AsString();
  if (!scope.manifest || !scope.manifest->jinja) return Value("");
  const auto& docs = scope.manifest->jinja->docs;
  auto it = docs.find(key);
  if (it == docs.end()) return st.Error("doc('" + key + "') names no {% docs %} block");
  return Value(it->second);
}

Result<Value> LocalMd5(CallArgs& args, RenderState& st) {
  ASSIGN_OR_RETURN(std::string text, StringArg(st, args, 0, "value", "local_md5"));
  return Value(storage::Md5Hex(text));
}

}  // namespace

const NodeScope& ScopeOf(RenderState& state) {
  const auto* scope = dynamic_cast<const NodeScope*>(&state.host());
  return scope ? *scope : DefaultScope();
}

std::string Relation::Rendered() const {
  std::string out;
  for (const std::string* part : {&database, &schema, &identifier}) {
    if (part->empty()) continue;
    if (!out.empty()) out += '.';
    out += Quote(*part);
  }
  return out;
}

Value RelationValue(const Relation& relation, std::string_view type) {
  ValueMap m;
  m.Set("database", Value(relation.database));
  m.Set("schema", Value(relation.schema));
  m.Set("identifier", Value(relation.identifier));
  m.Set("name", Value(relation.identifier));
  m.Set("table", Value(relation.identifier));
  m.Set("type", Value(std::string(type)));
  m.Set("is_table", Value(type == "table"));
  m.Set("is_view", Value(type == "view"));
  m.Set("is_cte", Value(type == "cte"));
  std::string rendered = relation.Rendered();
  m.Set("render", Value::MakeCallable("render", [rendered](CallArgs&) -> Result<Value> { return Value(rendered); }));
  Relation copy = relation;
  std::string kind(type);
  m.Set("include", Value::MakeCallable("include", [copy, kind](CallArgs& a) -> Result<Value> {
          Relation r = copy;
          for (const auto& [k, v] : a.keyword) {
            if (v.Truthy()) continue;
            if (k == "database") r.database.clear();
            if (k == "schema") r.schema.clear();
            if (k == "identifier") r.identifier.clear();
          }
          return RelationValue(r, kind);
        }));
  m.set_display(rendered);
  return Value(std::move(m));
}

void AddDbtFunctions(JinjaLibrary& lib) {
  tmpl::Environment& env = lib.env;
  env.AddFunction("ref", Ref);
  env.AddFunction("source", Source);
  env.AddFunction("config", Config);
  env.AddFunction("config.get", ConfigGet);
  env.AddFunction("config.require", ConfigRequire);
  env.AddFunction("var", Var);
  env.AddFunction("env_var", EnvVar);
  env.AddFunction("is_incremental", [](CallArgs&, RenderState& st) -> Result<Value> {
    const NodeScope& scope = ScopeOf(st);
    return Value(scope.mode == RenderMode::kExecute && scope.incremental);
  });
  env.AddFunction("run_query", RunQueryFn);
  env.AddFunction("statement", Statement);
  env.AddFunction("load_result", LoadResult);
  env.AddFunction("log", Log);
  env.AddFunction("print", Print);
  env.AddFunction("exceptions.raise_compiler_error", RaiseCompilerError);
  env.AddFunction("exceptions.warn", Warn);
  env.AddFunction("adapter.quote", AdapterQuote);
  env.AddFunction("adapter.dispatch", AdapterDispatch);
  env.AddFunction("adapter.get_relation", AdapterGetRelation);
  env.AddFunction("adapter.get_columns_in_relation", AdapterGetColumns);
  env.AddFunction("adapter.type", [](CallArgs&, RenderState&) -> Result<Value> { return Value("duckdb"); });
  env.AddFunction("doc", Doc);
  env.AddFunction("local_md5", LocalMd5);
  // dbt's serialization helpers (its context functions, not Jinja filters).
  env.AddFunction("tojson", [](CallArgs& args, RenderState& st) -> Result<Value> {
    const Value* v = args.Arg(0, "value");
    if (!v) return st.Error("tojson() needs a value");
    return Value(tmpl::ToJson(*v));
  });
  env.AddFunction("fromjson", [](CallArgs& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string text, StringArg(st, args, 0, "string", "fromjson"));
    auto v = tmpl::ParseJson(text);
    if (!v.ok()) return st.Error("fromjson: " + v.status().message());
    return *v;
  });
  env.AddFunction("fromyaml", [](CallArgs& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string text, StringArg(st, args, 0, "string", "fromyaml"));
    tmpl::Environment plain = tmpl::Environment::Standard(tmpl::Dialect::kJinja);
    std::vector<Status> template_errors;
    auto doc = flow::ParseYaml(text, "fromyaml", plain, &template_errors);
    if (!doc.ok()) return st.Error("fromyaml: " + doc.status().message());
    return doc->ToValue();
  });
}

}  // namespace floe::models
