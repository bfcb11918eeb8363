#include "models/artifacts.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/session.h"
#include "models/internal/dbt_context.h"
#include "models/materialize.h"

namespace floe::models {
namespace {

using nlohmann::json;
using tmpl::Value;

json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      return v.AsBool();
    case Value::Kind::kInt:
      return v.AsInt();
    case Value::Kind::kDouble:
      return v.AsDouble();
    case Value::Kind::kString:
      return v.AsString();
    case Value::Kind::kList: {
      json a = json::array();
      for (const auto& i : v.AsList()) a.push_back(ToJson(i));
      return a;
    }
    case Value::Kind::kMap: {
      json o = json::object();
      for (const auto& [k, x] : v.AsMap()) o[k] = ToJson(x);
      return o;
    }
    default:
      return nullptr;
  }
}

Value FromJson(const json& j) {
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_integer()) return Value(j.get<int64_t>());
  if (j.is_number()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_array()) {
    tmpl::ValueList l;
    for (const auto& i : j) l.push_back(FromJson(i));
    return Value(std::move(l));
  }
  if (j.is_object()) {
    tmpl::ValueMap m;
    for (auto it = j.begin(); it != j.end(); ++it) m.Set(it.key(), FromJson(it.value()));
    return Value(std::move(m));
  }
  return Value();
}

Status WriteJson(const json& j, const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2);
    if (!out) return IoError("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) return IoError("cannot write " + file.string() + ": " + ec.message());
  return Status::Ok();
}

json Columns(const std::vector<ColumnSpec>& columns) {
  json out = json::object();
  for (const auto& c : columns) {
    out[c.name] = {{"name", c.name},
                   {"description", c.description},
                   {"data_type", c.data_type.empty() ? json(nullptr) : json(c.data_type)},
                   {"meta", c.meta.is_map() ? ToJson(c.meta) : json::object()},
                   {"tags", c.tags},
                   {"quote", c.quote ? json(true) : json(nullptr)}};
  }
  return out;
}

json NodeJson(const Manifest& m, const ParsedNode& p) {
  const Node& n = p.node;
  json depends_nodes = json::array();
  for (size_t d : p.depends_on) depends_nodes.push_back(m.nodes[d].node.unique_id);
  for (size_t s : p.depends_on_sources) depends_nodes.push_back(m.sources[s].unique_id);
  json refs = json::array();
  for (const auto& [name, version] : p.refs) {
    auto dot = name.find('.');
    json r = {{"name", dot == std::string::npos ? name : name.substr(dot + 1)},
              {"package", dot == std::string::npos ? json(nullptr) : json(name.substr(0, dot))},
              {"version", version ? json(*version) : json(nullptr)}};
    refs.push_back(r);
  }
  json j = {{"unique_id", n.unique_id},
            {"resource_type", std::string(ResourceTypeName(n.resource_type))},
            {"package_name", n.package},
            {"name", n.name},
            {"path", n.path},
            {"original_file_path", n.original_file_path},
            {"fqn", n.fqn},
            {"database", p.relation.database},
            {"schema", p.relation.schema},
            {"alias", p.relation.identifier},
            {"relation_name", n.resource_type == ResourceType::kTest || p.materialized == "ephemeral"
                                  ? json(nullptr)
                                  : json(p.relation.Rendered())},
            {"raw_code", n.raw_code},
            {"language", n.language},
            {"description", n.description},
            {"columns", Columns(n.columns)},
            {"meta", n.meta.is_map() ? ToJson(n.meta) : json::object()},
            {"tags", p.tags},
            {"config", ToJson(p.config)},
            {"patch_path", n.patch_path.empty() ? json(nullptr) : json(n.patch_path)},
            {"checksum", {{"name", "sha256"}, {"checksum", ""}}},
            {"refs", refs},
            {"sources", json::array()},
            {"depends_on", {{"macros", p.depends_on_macros}, {"nodes", depends_nodes}}},
            {"unrendered_config", json::object()},
            {"created_at", 0}};
  json sources = json::array();
  for (size_t s : p.depends_on_sources) sources.push_back({m.sources[s].source_name, m.sources[s].name});
  j["sources"] = sources;
  if (n.version) j["version"] = *n.version;
  if (n.resource_type == ResourceType::kTest && !p.test_macro.empty()) {
    std::string test_name = p.test_macro;
    if (auto dot = test_name.rfind("test_"); dot != std::string::npos) test_name = test_name.substr(dot + 5);
    j["test_metadata"] = {{"name", test_name}, {"kwargs", ToJson(p.test_kwargs)}, {"namespace", nullptr}};
    j["column_name"] = p.column_name.empty() ? json(nullptr) : json(p.column_name);
    if (p.attached_node) j["attached_node"] = m.nodes[*p.attached_node].node.unique_id;
  }
  return j;
}

}  // namespace

Status WriteManifest(const Manifest& m, const std::filesystem::path& file) {
  json nodes = json::object(), disabled = json::object(), sources = json::object(), parent_map = json::object(),
       child_map = json::object();
  for (const auto& p : m.nodes) {
    json j = NodeJson(m, p);
    if (!p.enabled) {
      disabled[p.node.unique_id] = json::array({j});
      continue;
    }
    nodes[p.node.unique_id] = j;
    parent_map[p.node.unique_id] = j["depends_on"]["nodes"];
    if (!child_map.contains(p.node.unique_id)) child_map[p.node.unique_id] = json::array();
    for (const auto& parent : j["depends_on"]["nodes"])
      child_map[parent.get<std::string>()].push_back(p.node.unique_id);
  }
  for (const auto& s : m.sources) {
    sources[s.unique_id] = {
        {"unique_id", s.unique_id},
        {"resource_type", "source"},
        {"package_name", s.package},
        {"source_name", s.source_name},
        {"name", s.name},
        {"identifier", s.identifier},
        {"schema", s.schema},
        {"database", s.database.empty() ? m.target.database : s.database},
        {"relation_name",
         Relation{s.database.empty() ? m.target.database : s.database, s.schema, s.identifier}.Rendered()},
        {"description", s.description},
        {"source_description", s.source_description},
        {"loaded_at_field", s.loaded_at_field.empty() ? json(nullptr) : json(s.loaded_at_field)},
        {"freshness", ToJson(s.freshness)},
        {"columns", Columns(s.columns)},
        {"meta", s.meta.is_map() ? ToJson(s.meta) : json::object()},
        {"config", ToJson(s.config)},
        {"fqn", s.fqn},
        {"original_file_path", s.original_file_path},
        {"path", s.original_file_path}};
    parent_map[s.unique_id] = json::array();
    if (!child_map.contains(s.unique_id)) child_map[s.unique_id] = json::array();
  }
  json macros = json::object();
  for (const auto& [name, packages] : m.jinja->macro_packages)
    for (const auto& pkg : packages)
      macros["macro." + pkg + "." + name] = {{"unique_id", "macro." + pkg + "." + name},
                                             {"name", name},
                                             {"package_name", pkg},
                                             {"resource_type", "macro"}};
  json docs = json::object();
  for (const auto& [name, text] : m.jinja->docs)
    if (name.find('.') != std::string::npos)
      docs["doc." + name] = {{"unique_id", "doc." + name},
                             {"name", name.substr(name.find('.') + 1)},
                             {"package_name", name.substr(0, name.find('.'))},
                             {"block_contents", text}};
  json j = {{"metadata",
             {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json"},
              {"dbt_version", "1.9.0"},
              {"generated_at", m.generated_at},
              {"invocation_id", m.invocation_id},
              {"env", json::object()},
              {"project_name", m.project.name},
              {"adapter_type", "duckdb"}}},
            {"nodes", nodes},
            {"sources", sources},
            {"macros", macros},
            {"docs", docs},
            {"exposures", json::object()},
            {"metrics", json::object()},
            {"groups", json::object()},
            {"selectors", json::object()},
            {"disabled", disabled},
            {"parent_map", parent_map},
            {"child_map", child_map},
            {"group_map", json::object()},
            {"saved_queries", json::object()},
            {"semantic_models", json::object()},
            {"unit_tests", json::object()}};
  return WriteJson(j, file);
}

Result<Value> WriteRunResults(const Manifest& m, const RunResults& results, const std::vector<std::string>& args,
                              const std::filesystem::path& file) {
  json list = json::array();
  for (const auto& r : results.results) {
    const ParsedNode& p = m.nodes[r.node];
    json timing = json::array();
    if (!r.started_at.empty())
      timing.push_back({{"name", "execute"}, {"started_at", r.started_at}, {"completed_at", r.completed_at}});
    list.push_back(
        {{"unique_id", p.node.unique_id},
         {"status", r.status},
         {"timing", timing},
         {"thread_id", "Thread-1"},
         {"execution_time", r.seconds},
         {"adapter_response",
          r.message.empty() || r.status == "error" ? json::object() : json({{"_message", r.message}})},
         {"message", r.message.empty() ? json(nullptr) : json(r.message)},
         {"failures", p.node.resource_type == ResourceType::kTest ? json(r.failures) : json(nullptr)},
         {"compiled", !r.compiled_code.empty()},
         {"compiled_code", r.compiled_code},
         {"relation_name", p.node.resource_type == ResourceType::kTest ? json(nullptr) : json(p.relation.Rendered())}});
  }
  json j = {{"metadata",
             {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/run-results/v6.json"},
              {"dbt_version", "1.9.0"},
              {"generated_at", m.generated_at},
              {"invocation_id", m.invocation_id},
              {"env", json::object()}}},
            {"results", list},
            {"elapsed_time", results.elapsed_seconds},
            {"args", {{"invocation_command", "dbt " + [&] {
                         std::string s;
                         for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
                         return s;
                       }()}}}};
  RETURN_IF_ERROR(WriteJson(j, file));
  return FromJson(j);
}

Status WriteCatalog(const Manifest& m, engine::Connection& con, const std::filesystem::path& file) {
  ASSIGN_OR_RETURN(engine::Table t,
                   con.Query("SELECT c.table_catalog, c.table_schema, c.table_name, t.table_type, c.column_name, "
                             "c.ordinal_position, c.data_type FROM information_schema.columns c JOIN "
                             "information_schema.tables t USING (table_catalog, table_schema, table_name) "
                             "ORDER BY 1, 2, 3, 6"));
  auto key = [](const std::string& db, const std::string& schema, const std::string& name) {
    std::string k = db + "." + schema + "." + name;
    std::transform(k.begin(), k.end(), k.begin(), ::tolower);
    return k;
  };
  std::map<std::string, json> tables;
  for (const auto& row : t.rows) {
    std::string k = key(row[0].AsString(), row[1].AsString(), row[2].AsString());
    json& table = tables[k];
    if (table.is_null()) {
      table = {{"metadata",
                {{"type", row[3].AsString() == "VIEW" ? "VIEW" : "BASE TABLE"},
                 {"schema", row[1].AsString()},
                 {"name", row[2].AsString()},
                 {"database", row[0].AsString()},
                 {"comment", nullptr},
                 {"owner", nullptr}}},
               {"columns", json::object()},
               {"stats", json::object()}};
    }
    table["columns"][row[4].AsString()] = {
        {"type", row[6].AsString()}, {"index", row[5].AsInt()}, {"name", row[4].AsString()}, {"comment", nullptr}};
  }
  json nodes = json::object(), sources = json::object();
  for (const auto& p : m.nodes) {
    if (!p.enabled || p.node.resource_type == ResourceType::kTest) continue;
    auto it = tables.find(key(p.relation.database, p.relation.schema, p.relation.identifier));
    if (it == tables.end()) continue;
    json entry = it->second;
    entry["unique_id"] = p.node.unique_id;
    nodes[p.node.unique_id] = entry;
  }
  for (const auto& s : m.sources) {
    auto it = tables.find(key(s.database.empty() ? m.target.database : s.database, s.schema, s.identifier));
    if (it == tables.end()) continue;
    json entry = it->second;
    entry["unique_id"] = s.unique_id;
    sources[s.unique_id] = entry;
  }
  json j = {{"metadata",
             {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/catalog/v1.json"},
              {"dbt_version", "1.9.0"},
              {"generated_at", m.generated_at},
              {"invocation_id", m.invocation_id},
              {"env", json::object()}}},
            {"nodes", nodes},
            {"sources", sources},
            {"errors", nullptr}};
  return WriteJson(j, file);
}

}  // namespace floe::models
