// The Iceberg REST catalog protocol over floe's SQL catalog: what each
// endpoint of the spec's OpenAPI document answers, as plain calls the
// server's routes make (server/iceberg_routes.h). Other engines (Spark,
// Trino, pyiceberg, DuckDB) can then use floe as their catalog.
//
//   RestCatalog rest(catalog, tables, "/lake/warehouse");
//   RestResponse r = rest.LoadTable({"lake"}, "orders");   // 200 {"metadata-location", "metadata", "config"}
//
// Errors take the spec's shape, {"error": {"message", "type", "code"}}:
// 400 BadRequestException, 404 NoSuchNamespaceException/NoSuchTableException,
// 409 AlreadyExistsException, NamespaceNotEmptyException or
// CommitFailedException (a requirement of a commit did not hold).
#pragma once

#include <string>
#include <vector>

#include "iceberg/sql_catalog.h"
#include "iceberg/table.h"

namespace floe::iceberg {

struct RestResponse {
  int status = 200;
  std::string body;  // JSON; empty for 204
};

class RestCatalog {
 public:
  RestCatalog(SqlCatalog& catalog, Tables& tables, std::string warehouse);

  RestResponse Config() const;
  // `parent`: a namespace's levels, or empty for the top level.
  RestResponse ListNamespaces(const Namespace& parent);
  RestResponse CreateNamespace(const std::string& body);
  RestResponse LoadNamespace(const Namespace& ns);
  RestResponse DropNamespace(const Namespace& ns);
  RestResponse UpdateNamespaceProperties(const Namespace& ns, const std::string& body);
  RestResponse ListTables(const Namespace& ns);
  RestResponse CreateTable(const Namespace& ns, const std::string& body);
  RestResponse LoadTable(const Namespace& ns, const std::string& table);
  // Requirements checked against the current metadata, then the updates
  // applied, as one compare-and-swap (a lost race re-checks them).
  RestResponse CommitTable(const Namespace& ns, const std::string& table, const std::string& body);
  RestResponse DropTable(const Namespace& ns, const std::string& table);
  RestResponse RenameTable(const std::string& body);

 private:
  SqlCatalog& catalog_;
  Tables& tables_;
  std::string warehouse_;
};

// A namespace as the REST paths carry it: levels separated by 0x1F.
Namespace NamespaceFromPath(const std::string& decoded);

}  // namespace floe::iceberg
