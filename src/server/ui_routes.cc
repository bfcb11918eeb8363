#include "server/ui_routes.h"

#include <algorithm>

#include "server/ui_assets.h"

namespace floe::server {

namespace {

std::string_view ContentType(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes)
    if (path.ends_with(ext)) return type;
  return "application/octet-stream";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether an Accept-Encoding value allows gzip ("gzip;q=0" refuses it).
bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view part = Trim(accept_encoding.substr(0, comma));
    accept_encoding = comma == std::string_view::npos ? "" : accept_encoding.substr(comma + 1);
    size_t semi = part.find(';');
    if (!EqualsIgnoreCase(Trim(part.substr(0, semi)), "gzip")) continue;
    if (semi == std::string_view::npos) return true;
    size_t q = part.find("q=", semi);
    return q == std::string_view::npos || Trim(part.substr(q + 2)).find_first_not_of("0.") != std::string_view::npos;
  }
  return false;
}

HttpResponse Redirect(std::string location) {
  HttpResponse r{.status = 308};
  r.headers.Set("Location", std::move(location));
  return r;
}

}  // namespace

const UiAsset* FindUiAsset(std::string_view path) {
  std::span<const UiAsset> all = UiAssets();
  auto it =
      std::lower_bound(all.begin(), all.end(), path, [](const UiAsset& a, std::string_view p) { return a.path < p; });
  return it != all.end() && it->path == path ? &*it : nullptr;
}

bool IsUiRoute(std::string_view path) { return path == "/" || path == "/ui" || path.starts_with("/ui/"); }

HttpResponse ServeUiPath(std::string_view path, std::string_view accept_encoding) {
  const UiAsset* asset = FindUiAsset(path);
  bool app_path = !asset;
  if (!asset) {
    // A file the build would have made (hashed assets, icons at the top) is
    // missing: a stale page asking for an older build's chunk gets a clear 404,
    // not HTML. Deeper paths are the app's, and namespaces have dots in them.
    bool top_level_file = path.find('/') == std::string_view::npos && path.find('.') != std::string_view::npos;
    if (path.starts_with("assets/") || top_level_file)
      return HttpResponse::JsonError(404, "no file '" + std::string(path) + "' in this floe's web UI");
    asset = FindUiAsset("index.html");
    if (!asset) return HttpResponse::JsonError(500, "this floe was built without its web UI's index.html");
  }
  HttpResponse r{.status = 200};
  std::string_view served_path = app_path ? std::string_view("index.html") : path;
  r.headers.Set("Content-Type", std::string(ContentType(served_path)));
  r.headers.Set("X-Content-Type-Options", "nosniff");
  // Hashed file names never change content; index.html names the current ones.
  r.headers.Set("Cache-Control",
                served_path.starts_with("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  if (served_path.ends_with(".html")) {
    // Monaco sets inline styles and runs its language services in workers.
    r.headers.Set("Content-Security-Policy",
                  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                  "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'");
    r.headers.Set("X-Frame-Options", "DENY");
  }
  if (!asset->gzip.empty()) {
    r.headers.Set("Vary", "Accept-Encoding");
    if (AcceptsGzip(accept_encoding)) {
      r.headers.Set("Content-Encoding", "gzip");
      r.body.assign(asset->gzip);
      return r;
    }
  }
  r.body.assign(asset->data);
  return r;
}

Status AddUiRoutes(HttpServer& http) {
  for (const char* path : {"/", "/ui"})
    RETURN_IF_ERROR(http.Route("GET", path, "The web UI", [](const HttpRequest&) { return Redirect("/ui/"); }));
  return http.Route("GET", "/ui/{path...}", "The web UI's files", [](const HttpRequest& r) {
    std::string path = r.PathParam("path");
    return ServeUiPath(path.empty() ? "index.html" : path, r.headers.Get("accept-encoding"));
  });
}

}  // namespace floe::server
