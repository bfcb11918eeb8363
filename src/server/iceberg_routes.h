// The Iceberg REST catalog routes of `floe server` (the protocol itself is
// iceberg/rest_catalog.h), at the spec's paths under /v1 so that a client
// configured with uri=http://host:port uses floe as its catalog:
//
//   GET    /v1/config
//   GET    /v1/namespaces[?parent=a%1Fb]        POST /v1/namespaces
//   GET    /v1/namespaces/{namespace}           DELETE (204; 409 while it holds tables)
//   POST   /v1/namespaces/{namespace}/properties
//   GET    /v1/namespaces/{namespace}/tables    POST (create)
//   GET    /v1/namespaces/{namespace}/tables/{table}   POST (commit; 409 on a failed requirement)
//                                                      DELETE (drop)
//   POST   /v1/tables/rename
//
// A namespace of several levels is written with 0x1F (%1F) between them.
#pragma once

#include "core/status.h"
#include "iceberg/rest_catalog.h"
#include "server/http_server.h"

namespace floe::server {

// `rest` must outlive the server.
Status AddIcebergRoutes(HttpServer& http, iceberg::RestCatalog& rest);

}  // namespace floe::server
