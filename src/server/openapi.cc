#include "server/openapi.h"

#include <map>

namespace floe::server {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

// "/a/{b}/{rest...}" -> "/a/{b}/{rest}", with the parameters' names.
std::string OpenApiPath(const std::string& pattern, std::vector<std::string>* params) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      size_t close = pattern.find('}', i);
      std::string name = pattern.substr(i + 1, close - i - 1);
      if (name.size() > 3 && name.ends_with("...")) name.resize(name.size() - 3);
      params->push_back(name);
      out += "{" + name + "}";
      i = close + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

std::string OperationId(const std::string& method, const std::string& path) {
  std::string id;
  for (char c : method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool upper = true;
  for (char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  return id;
}

}  // namespace

tmpl::Value OpenApiDocument(const std::vector<RouteInfo>& routes, const std::string& version) {
  std::map<std::string, ValueMap> paths;
  std::vector<std::string> order;
  for (const RouteInfo& route : routes) {
    std::vector<std::string> names;
    std::string path = OpenApiPath(route.pattern, &names);
    if (!paths.count(path)) order.push_back(path);
    ValueList params;
    for (const std::string& name : names)
      params.push_back(Value::MakeMap(
          {{"name", name}, {"in", "path"}, {"required", true}, {"schema", Value::MakeMap({{"type", "string"}})}}));
    std::string method;
    for (char c : route.method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ValueMap op;
    op.Set("operationId", OperationId(route.method, path));
    op.Set("summary", route.summary);
    op.Set("parameters", Value(std::move(params)));
    op.Set("responses",
           Value::MakeMap({{"default", Value::MakeMap({{"description",
                                                        "JSON (errors: {\"message\", \"status\"}); 401 without "
                                                        "credentials when the server requires them"}})}}));
    paths[path].Set(method, Value(std::move(op)));
  }
  ValueMap path_map;
  for (const std::string& p : order) path_map.Set(p, Value(std::move(paths[p])));
  return Value::MakeMap(
      {{"openapi", "3.0.3"},
       {"info", Value::MakeMap({{"title", "floe"},
                                {"version", version},
                                {"description",
                                 "floe's control plane: Kestra's API paths and shapes, the Iceberg "
                                 "REST catalog, health and metrics."}})},
       {"components",
        Value::MakeMap({{"securitySchemes",
                         Value::MakeMap({{"basicAuth", Value::MakeMap({{"type", "http"}, {"scheme", "basic"}})},
                                         {"bearerAuth", Value::MakeMap({{"type", "http"}, {"scheme", "bearer"}})}})}})},
       {"security", ValueList{Value::MakeMap({{"basicAuth", Value(ValueList{})}}),
                              Value::MakeMap({{"bearerAuth", Value(ValueList{})}})}},
       {"paths", Value(std::move(path_map))}});
}

}  // namespace floe::server
