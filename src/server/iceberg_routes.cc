#include "server/iceberg_routes.h"

namespace floe::server {
namespace {

HttpResponse Answer(const iceberg::RestResponse& r) {
  if (r.status == 204) {
    HttpResponse empty;
    empty.status = 204;
    return empty;
  }
  return HttpResponse::Json(r.status, r.body);
}

iceberg::Namespace PathNamespace(const HttpRequest& request) {
  return iceberg::NamespaceFromPath(request.PathParam("namespace"));
}

}  // namespace

Status AddIcebergRoutes(HttpServer& http, iceberg::RestCatalog& rest) {
  RETURN_IF_ERROR(http.Route("GET", "/v1/config", "Iceberg REST catalog: configuration",
                             [&rest](const HttpRequest&) { return Answer(rest.Config()); }));
  RETURN_IF_ERROR(
      http.Route("GET", "/v1/namespaces", "Iceberg REST catalog: list namespaces", [&rest](const HttpRequest& r) {
        auto parent = r.QueryValue("parent");
        return Answer(rest.ListNamespaces(parent && !parent->empty() ? iceberg::NamespaceFromPath(*parent)
                                                                     : iceberg::Namespace{}));
      }));
  RETURN_IF_ERROR(http.Route("POST", "/v1/namespaces", "Iceberg REST catalog: create a namespace",
                             [&rest](const HttpRequest& r) { return Answer(rest.CreateNamespace(r.body)); }));
  RETURN_IF_ERROR(http.Route("GET", "/v1/namespaces/{namespace}", "Iceberg REST catalog: load a namespace",
                             [&rest](const HttpRequest& r) { return Answer(rest.LoadNamespace(PathNamespace(r))); }));
  RETURN_IF_ERROR(http.Route("DELETE", "/v1/namespaces/{namespace}", "Iceberg REST catalog: drop a namespace",
                             [&rest](const HttpRequest& r) { return Answer(rest.DropNamespace(PathNamespace(r))); }));
  RETURN_IF_ERROR(http.Route(
      "POST", "/v1/namespaces/{namespace}/properties", "Iceberg REST catalog: set or remove namespace properties",
      [&rest](const HttpRequest& r) { return Answer(rest.UpdateNamespaceProperties(PathNamespace(r), r.body)); }));
  RETURN_IF_ERROR(http.Route("GET", "/v1/namespaces/{namespace}/tables", "Iceberg REST catalog: list tables",
                             [&rest](const HttpRequest& r) { return Answer(rest.ListTables(PathNamespace(r))); }));
  RETURN_IF_ERROR(
      http.Route("POST", "/v1/namespaces/{namespace}/tables", "Iceberg REST catalog: create a table",
                 [&rest](const HttpRequest& r) { return Answer(rest.CreateTable(PathNamespace(r), r.body)); }));
  RETURN_IF_ERROR(http.Route(
      "GET", "/v1/namespaces/{namespace}/tables/{table}", "Iceberg REST catalog: load a table",
      [&rest](const HttpRequest& r) { return Answer(rest.LoadTable(PathNamespace(r), r.PathParam("table"))); }));
  RETURN_IF_ERROR(http.Route("POST", "/v1/namespaces/{namespace}/tables/{table}",
                             "Iceberg REST catalog: commit to a table", [&rest](const HttpRequest& r) {
                               return Answer(rest.CommitTable(PathNamespace(r), r.PathParam("table"), r.body));
                             }));
  RETURN_IF_ERROR(http.Route(
      "DELETE", "/v1/namespaces/{namespace}/tables/{table}", "Iceberg REST catalog: drop a table",
      [&rest](const HttpRequest& r) { return Answer(rest.DropTable(PathNamespace(r), r.PathParam("table"))); }));
  RETURN_IF_ERROR(http.Route("POST", "/v1/tables/rename", "Iceberg REST catalog: rename a table",
                             [&rest](const HttpRequest& r) { return Answer(rest.RenameTable(r.body)); }));
  return Status::Ok();
}

}  // namespace floe::server
