#include "server/model_docs.h"

#include <cmath>
#include <map>
#include <string>

namespace floe::server {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

const Value kNull;

const Value& Field(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Get(key) : nullptr;
  return f ? *f : kNull;
}

Value StringOrNull(const Value& v) { return v.is_string() && !v.AsString().empty() ? v : Value(); }

std::string StringOr(const Value& v, std::string fallback) { return v.is_string() ? v.AsString() : fallback; }

// The catalog's columns of a node, by position; then the manifest's that the
// relation does not have.
Value Columns(const Value& documented, const Value& built) {
  ValueList out;
  std::map<std::string, size_t> at;  // lower-case name -> index in out
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (built.is_map()) {
    std::vector<std::pair<int64_t, const Value*>> ordered;
    for (const auto& [name, column] : built.AsMap()) {
      const Value& index = Field(column, "index");
      int64_t position = index.is_int() ? index.AsInt() : 0;
      if (index.is_double() && std::abs(index.AsDouble()) < 1e15) position = static_cast<int64_t>(index.AsDouble());
      ordered.emplace_back(position, &column);
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [index, column] : ordered) {
      std::string name = StringOr(Field(*column, "name"), "");
      at[lower(name)] = out.size();
      out.push_back(Value::MakeMap(
          {{"name", name}, {"type", StringOrNull(Field(*column, "type"))}, {"description", std::string()}}));
    }
  }
  if (documented.is_map()) {
    for (const auto& [key, column] : documented.AsMap()) {
      std::string name = StringOr(Field(column, "name"), key);
      std::string description = StringOr(Field(column, "description"), "");
      if (auto it = at.find(lower(name)); it != at.end()) {
        ValueMap merged = out[it->second].AsMap();
        merged.Set("description", description);
        out[it->second] = Value(std::move(merged));
        continue;
      }
      out.push_back(Value::MakeMap(
          {{"name", name}, {"type", StringOrNull(Field(column, "data_type"))}, {"description", description}}));
    }
  }
  return Value(std::move(out));
}

// run_results.json's results by unique_id.
std::map<std::string, const Value*> ResultsById(const Value& run_results) {
  std::map<std::string, const Value*> out;
  const Value& results = Field(run_results, "results");
  if (!results.is_list()) return out;
  for (const Value& r : results.AsList())
    if (const Value& id = Field(r, "unique_id"); id.is_string()) out[id.AsString()] = &r;
  return out;
}

void AddResult(ValueMap& node, const Value* result) {
  Value status, time, message, started, completed, compiled;
  if (result) {
    status = StringOrNull(Field(*result, "status"));
    if (const Value& t = Field(*result, "execution_time"); t.is_number()) time = Value(t.AsDouble());
    message = StringOrNull(Field(*result, "message"));
    compiled = StringOrNull(Field(*result, "compiled_code"));
    if (const Value& timing = Field(*result, "timing"); timing.is_list()) {
      for (const Value& step : timing.AsList()) {
        if (StringOr(Field(step, "name"), "") != "execute") continue;
        started = StringOrNull(Field(step, "started_at"));
        completed = StringOrNull(Field(step, "completed_at"));
      }
    }
  }
  node.Set("compiledCode", std::move(compiled));
  node.Set("status", std::move(status));
  node.Set("executionTime", std::move(time));
  node.Set("message", std::move(message));
  node.Set("startedAt", std::move(started));
  node.Set("completedAt", std::move(completed));
}

Value Strings(const Value& list) {
  ValueList out;
  if (list.is_list())
    for (const Value& v : list.AsList())
      if (v.is_string()) out.push_back(v);
  return Value(std::move(out));
}

// One node or source of the manifest; what a source lacks (lineage, SQL, a
// materialization) comes out null or empty.
Value Describe(const std::string& id, const Value& n, std::string type, std::string name, Value tags,
               const Value* result, const Value& built_columns) {
  ValueMap node;
  node.Set("uniqueId", id);
  node.Set("name", std::move(name));
  node.Set("resourceType", std::move(type));
  node.Set("packageName", StringOr(Field(n, "package_name"), ""));
  node.Set("path", StringOr(Field(n, "original_file_path"), ""));
  node.Set("materialized", StringOrNull(Field(Field(n, "config"), "materialized")));
  node.Set("relation", StringOrNull(Field(n, "relation_name")));
  node.Set("description", StringOr(Field(n, "description"), ""));
  node.Set("tags", std::move(tags));
  node.Set("dependsOn", Strings(Field(Field(n, "depends_on"), "nodes")));
  node.Set("attachedNode", StringOrNull(Field(n, "attached_node")));
  node.Set("columnName", StringOrNull(Field(n, "column_name")));
  node.Set("rawCode", StringOrNull(Field(n, "raw_code")));
  AddResult(node, result);
  node.Set("columns", Columns(Field(n, "columns"), built_columns));
  return Value(std::move(node));
}

}  // namespace

Result<Value> ModelRunDocs(const Value& manifest, const Value& run_results, const Value& catalog) {
  const Value& nodes = Field(manifest, "nodes");
  const Value& sources = Field(manifest, "sources");
  if (!nodes.is_map() || !sources.is_map())
    return InvalidArgument("manifest.json has no \"nodes\" and \"sources\" objects: not a dbt manifest");
  std::map<std::string, const Value*> results = ResultsById(run_results);
  auto find_result = [&](const std::string& id) -> const Value* {
    auto it = results.find(id);
    return it == results.end() ? nullptr : it->second;
  };
  const Value& built_nodes = Field(catalog, "nodes");
  const Value& built_sources = Field(catalog, "sources");

  ValueList out;
  for (const auto& [id, n] : sources.AsMap()) {
    std::string name = StringOr(Field(n, "source_name"), "") + "." + StringOr(Field(n, "name"), "");
    out.push_back(Describe(id, n, "source", std::move(name), Strings(Field(Field(n, "config"), "tags")),
                           find_result(id), Field(Field(built_sources, id), "columns")));
  }
  for (const auto& [id, n] : nodes.AsMap()) {
    out.push_back(Describe(id, n, StringOr(Field(n, "resource_type"), ""), StringOr(Field(n, "name"), id),
                           Strings(Field(n, "tags")), find_result(id), Field(Field(built_nodes, id), "columns")));
  }
  return Value::MakeMap({{"projectName", StringOrNull(Field(Field(manifest, "metadata"), "project_name"))},
                         {"nodes", Value(std::move(out))}});
}

}  // namespace floe::server
