// The web UI's routes: GET /ui/... serves the embedded build (ui_assets.h),
// with index.html for any other path under /ui/ (the app routes in the
// browser), and GET / and /ui go to /ui/.
//
// The UI's files hold no data: they are open without credentials (the app
// asks for them and sends them with every API call); see auth.h.
#pragma once

#include <string_view>

#include "core/status.h"
#include "server/http_server.h"

namespace floe::server {

Status AddUiRoutes(HttpServer& http);

// Whether `path` (a request's path, or a route table pattern) is the UI's,
// not the API's.
bool IsUiRoute(std::string_view path);

// What a path under /ui/ answers: the asset at `path` (relative to /ui/),
// gzipped when `accept_encoding` allows it and a gzipped copy exists;
// index.html for an app path; 404 for a missing file under assets/.
HttpResponse ServeUiPath(std::string_view path, std::string_view accept_encoding);

}  // namespace floe::server
