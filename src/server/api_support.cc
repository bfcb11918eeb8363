#include "server/api_support.h"

#include <charconv>

#include "tmpl/json.h"

namespace floe::server {

ApiWorkers::ApiWorkers(int threads, size_t queue_limit) : queue_limit_(queue_limit) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

ApiWorkers::~ApiWorkers() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool ApiWorkers::Post(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(work));
  }
  cv_.notify_one();
  return true;
}

void ApiWorkers::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    auto work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    work();
    lock.lock();
  }
}

std::optional<HttpResponse> CheckTenant(const HttpRequest& request) {
  std::string tenant = request.PathParam("tenant");
  if (tenant.empty() || tenant == "main") return std::nullopt;
  return HttpResponse::JsonError(404, "unknown tenant '" + tenant + "' (floe serves one tenant: main)");
}

HttpResponse ErrorResponse(const Status& status) {
  int code = 500;
  switch (status.code()) {
    case StatusCode::kNotFound:
      code = 404;
      break;
    case StatusCode::kInvalidArgument:
      code = 422;  // Kestra's answer to an illegal argument or a constraint violation
      break;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      code = 409;
      break;
    case StatusCode::kResourceExhausted:
      code = 429;
      break;
    case StatusCode::kUnavailable:
      code = 503;
      break;
    case StatusCode::kDeadlineExceeded:
      code = 504;
      break;
    default:
      break;
  }
  return HttpResponse::JsonError(code, status.ToString());
}

HttpResponse JsonResponse(int status, const tmpl::Value& body) {
  return HttpResponse::Json(status, tmpl::ToJson(body));
}

namespace {

const char* const kPrefixes[] = {"/api/v1", "/api/v1/{tenant}"};

}  // namespace

Status AddApiRoute(ApiRoutes& api, const std::string& method, const std::string& suffix, const std::string& summary,
                   ApiHandler handler) {
  auto shared = std::make_shared<ApiHandler>(std::move(handler));
  ApiWorkers* workers = &api.workers;
  return AddApiAsyncRoute(api, method, suffix, summary,
                          [shared, workers](const HttpRequest& request, std::shared_ptr<Responder> responder) {
                            // The request lives only during this call: the worker gets a copy.
                            bool posted = workers->Post([shared, request, responder] {
                              Result<HttpResponse> answer = InvalidArgument("unanswered");
                              try {
                                answer = (*shared)(request);
                              } catch (const std::exception& e) {
                                answer = Internal(std::string("the handler failed: ") + e.what());
                              }
                              responder->Send(answer.ok() ? std::move(*answer) : ErrorResponse(answer.status()));
                            });
                            if (!posted)
                              responder->Send(HttpResponse::JsonError(503, "the server is busy; try again shortly"));
                          });
}

Status AddApiAsyncRoute(ApiRoutes& api, const std::string& method, const std::string& suffix,
                        const std::string& summary, AsyncHandler handler) {
  auto shared = std::make_shared<AsyncHandler>(std::move(handler));
  for (const char* prefix : kPrefixes) {
    RETURN_IF_ERROR(api.http.RouteAsync(method, prefix + suffix, summary,
                                        [shared](const HttpRequest& request, std::shared_ptr<Responder> responder) {
                                          if (auto bad = CheckTenant(request)) {
                                            responder->Send(std::move(*bad));
                                            return;
                                          }
                                          (*shared)(request, std::move(responder));
                                        }));
  }
  return Status::Ok();
}

namespace {

Result<int> PositiveInt(const HttpRequest& request, std::string_view name, int fallback, int max) {
  auto text = request.QueryValue(name);
  if (!text || text->empty()) return fallback;
  int v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < 1 || v > max)
    return InvalidArgument("query parameter '" + std::string(name) + "' must be a whole number from 1 to " +
                           std::to_string(max) + ", not '" + *text + "'");
  return v;
}

}  // namespace

Result<Paging> ReadPaging(const HttpRequest& request) {
  Paging p;
  ASSIGN_OR_RETURN(p.page, PositiveInt(request, "page", 1, 1000000));
  ASSIGN_OR_RETURN(p.size, PositiveInt(request, "size", 25, 10000));
  return p;
}

tmpl::Value PagedResults(tmpl::ValueList results, int64_t total) {
  return tmpl::Value::MakeMap({{"results", tmpl::Value(std::move(results))}, {"total", total}});
}

Result<std::optional<Timestamp>> QueryTime(const HttpRequest& request, std::string_view name) {
  auto text = request.QueryValue(name);
  if (!text || text->empty()) return std::optional<Timestamp>();
  auto t = ParseTimestamp(*text);
  if (!t.ok())
    return InvalidArgument("query parameter '" + std::string(name) + "' is not an ISO 8601 date-time: '" + *text + "'");
  return std::optional<Timestamp>(*t);
}

Result<std::vector<std::pair<std::string, std::string>>> QueryLabels(const HttpRequest& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& label : request.QueryValues("labels")) {
    size_t colon = label.find(':');
    if (colon == std::string::npos || colon == 0)
      return InvalidArgument("a label filter is key:value, not '" + label + "'");
    out.emplace_back(label.substr(0, colon), label.substr(colon + 1));
  }
  return out;
}

bool QueryFlag(const HttpRequest& request, std::string_view name, bool fallback) {
  auto v = request.QueryValue(name);
  if (!v) return fallback;
  return v->empty() || EqualsIgnoreCase(*v, "true");
}

}  // namespace floe::server
