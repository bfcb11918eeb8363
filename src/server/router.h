// The route table: method + path pattern -> handler, with a summary per route
// so the API can generate its OpenAPI document from the same table that serves.
//
// Patterns are '/'-separated segments: literal text, "{name}" (one segment,
// percent-decoded into HttpRequest::path_params), or a last segment
// "{name...}" taking the rest of the path, slashes included (may be empty).
//
//   Router router;
//   router.Add("POST", "/api/v1/executions/webhook/{namespace}/{flowId}/{key}", "Fire a webhook", handler);
//   router.Add("GET", "/ui/{path...}", "Web UI files", ui_handler);
//   for (const RouteInfo& route : router.routes()) ...  // method, pattern, summary
//
// When several patterns match, the most specific wins: segment by segment from
// the left, a literal beats "{name}", which beats "{name...}". Not thread-safe
// while adding; matching a finished table from many threads is safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "server/http_message.h"
#include "server/responder.h"

namespace floe::server {

// A handler that answers through its responder, now or later, from any thread.
// It runs on an io thread: it must not block (hand slow work to another thread).
using AsyncHandler = std::function<void(const HttpRequest&, std::shared_ptr<Responder>)>;
// A handler that answers at once.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct RouteInfo {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/api/v1/flows/{namespace}/{id}"
  std::string summary;  // one line, for the OpenAPI document
};

class Router {
 public:
  // Adds a route. Fails with kInvalidArgument for a malformed pattern (not
  // starting with '/', an unclosed '{', "{rest...}" not last, a repeated
  // parameter name) and kAlreadyExists for the same method and pattern twice.
  Status Add(std::string method, std::string pattern, std::string summary, AsyncHandler handler);

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const AsyncHandler* handler = nullptr;      // when kFound
    std::map<std::string, std::string> params;  // when kFound
    std::vector<std::string> allowed;           // when kMethodNotAllowed: methods the path has, sorted
    std::string error;                          // when kBadPath
  };
  // Matches an encoded request path. HEAD falls back to the GET route. A path
  // with a malformed %-escape, or a segment decoding to "." or ".." or holding
  // a NUL, is kBadPath: handlers never see traversal segments.
  Match Find(std::string_view method, std::string_view encoded_path) const;

  // Every route in the order added.
  std::vector<RouteInfo> routes() const;

 private:
  struct Segment {
    enum class Kind { kLiteral, kParam, kRest } kind;
    std::string text;  // the literal, or the parameter's name
  };
  struct Route {
    RouteInfo info;
    std::vector<Segment> segments;
    AsyncHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace floe::server
