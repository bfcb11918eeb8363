// What the REST API's route files share: registering a route under both of
// Kestra's prefixes, running handlers off the io threads, paging, errors.
//
//   RETURN_IF_ERROR(AddApiRoute(api, "GET", "/executions/{executionId}", "Get an execution",
//                               [&](const HttpRequest& request) -> Result<HttpResponse> {
//                                 ASSIGN_OR_RETURN(state::Execution e,
//                                 store.GetExecution(request.PathParam("executionId"))); return JsonResponse(200,
//                                 ExecutionJson(e));
//                               }));
//
// Every route is served as /api/v1/<suffix> (Kestra's documented paths) and
// /api/v1/{tenant}/<suffix> (its SDKs'); a tenant other than "main" is a 404.
// A handler returning an error Status answers it as JSON (ErrorResponse).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "server/http_server.h"
#include "tmpl/value.h"

namespace floe::server {

// A few threads for handlers that block (the store, files, DuckDB), so the
// io threads only move bytes. A full queue answers 503.
class ApiWorkers {
 public:
  explicit ApiWorkers(int threads = 4, size_t queue_limit = 1000);
  // Finishes the queued work, then joins.
  ~ApiWorkers();
  // False when the queue is full or the workers stopped.
  bool Post(std::function<void()> work);

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t queue_limit_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

using ApiHandler = std::function<Result<HttpResponse>(const HttpRequest&)>;

// Where API routes go: the HTTP server and the workers their handlers run on.
struct ApiRoutes {
  HttpServer& http;
  ApiWorkers& workers;
};

// Adds `suffix` (starting with '/') under both prefixes; the handler runs
// on the workers.
Status AddApiRoute(ApiRoutes& api, const std::string& method, const std::string& suffix, const std::string& summary,
                   ApiHandler handler);
// The same for a handler that answers later by itself (streams, waits): it
// runs on an io thread and must not block.
Status AddApiAsyncRoute(ApiRoutes& api, const std::string& method, const std::string& suffix,
                        const std::string& summary, AsyncHandler handler);

// 404 for a tenant other than "main" (none: nullopt).
std::optional<HttpResponse> CheckTenant(const HttpRequest& request);

// The status's HTTP form (Kestra's codes): NotFound 404, InvalidArgument 422, AlreadyExists
// and FailedPrecondition 409, ResourceExhausted 429, Unavailable 503,
// DeadlineExceeded 504, anything else 500; the body {"message", "status"}.
HttpResponse ErrorResponse(const Status& status);
HttpResponse JsonResponse(int status, const tmpl::Value& body);

// Kestra's paging: page (from 1) and size (default 25, at most 10,000).
struct Paging {
  int page = 1;
  int size = 25;
  int offset() const { return (page - 1) * size; }
};
Result<Paging> ReadPaging(const HttpRequest& request);
// {"results": [...], "total": n}
tmpl::Value PagedResults(tmpl::ValueList results, int64_t total);

// A query parameter holding an ISO 8601 date-time; nullopt when absent.
Result<std::optional<Timestamp>> QueryTime(const HttpRequest& request, std::string_view name);
// Kestra's `labels` query values, "key:value" each.
Result<std::vector<std::pair<std::string, std::string>>> QueryLabels(const HttpRequest& request);
// A query parameter that is true for "true" (any case) or "" (present without value).
bool QueryFlag(const HttpRequest& request, std::string_view name, bool fallback = false);

}  // namespace floe::server
