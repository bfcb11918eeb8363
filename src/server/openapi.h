// The OpenAPI 3 document of `floe server`, made from the route table that
// serves the requests, so the two cannot drift apart: every route is one
// operation, its {name} segments path parameters ({name...} too: the rest of
// the path), its summary the operation's.
//
//   GET /api/v1/openapi.json
#pragma once

#include <vector>

#include "server/router.h"
#include "tmpl/value.h"

namespace floe::server {

tmpl::Value OpenApiDocument(const std::vector<RouteInfo>& routes, const std::string& version);

}  // namespace floe::server
