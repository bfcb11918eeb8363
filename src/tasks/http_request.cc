// http.Request (Kestra's io.kestra.plugin.core.http.Request): one HTTP call
// through libcurl. Outputs Kestra's names: code, headers (name -> list of
// values, names lower-cased), body, uri, length. A status of 400 or more
// fails the task unless allowFailed. SendHttpRequest (http_call.h) is the
// call itself, shared with http.Trigger.
#include <curl/curl.h>

#include <fstream>
#include <mutex>
#include <set>

#include "core/duration.h"
#include "core/strings.h"
#include "tasks/builtin.h"
#include "tasks/http_call.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

constexpr size_t kMaxBody = 64 << 20;  // a larger answer belongs in a file, not an output

struct Response {
  std::string body;
  std::ofstream* file = nullptr;  // the body goes here instead (http.Download)
  int64_t length = 0;
  int64_t max = kMaxBody;
  tmpl::ValueMap headers;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  size_t bytes = size * n;
  if (r->length + static_cast<int64_t>(bytes) > r->max) {
    r->too_large = true;
    return 0;  // aborts the transfer
  }
  r->length += static_cast<int64_t>(bytes);
  if (r->file) {
    r->file->write(data, static_cast<std::streamsize>(bytes));
    if (!*r->file) return 0;
  } else {
    r->body.append(data, bytes);
  }
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) r->headers = tmpl::ValueMap{};  // a redirect or 100-continue: start over
  auto header = ParseHeaderLine(line);
  if (!header) return size * n;
  Value* list = r->headers.Find(header->first);
  if (!list) {
    r->headers.Set(header->first, Value(tmpl::ValueList{}));
    list = r->headers.Find(header->first);
  }
  list->MutableList().push_back(Value(std::move(header->second)));
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<flow::TaskContext*>(user)->Cancelled() ? 1 : 0;  // non-zero aborts
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A server that accepts the connection and then never answers must not hold
// a task (and a worker slot) forever: these apply unless `options` says
// otherwise.
constexpr long kDefaultConnectTimeoutMs = 30'000;
constexpr long kDefaultReadIdleTimeoutMs = 300'000;

Result<long> Milliseconds(flow::TaskContext& ctx, const Value& options, std::string_view key, long fallback) {
  const Value* v = options.Get(key);
  if (!v) return fallback;
  auto d = v->is_string() ? ParseDuration(v->AsString()) : Result<Duration>(InvalidArgument("not text"));
  if (!d.ok() || d->count() < 0)
    return ctx.PropertyError("options", std::string(key) + " must be a duration like PT30S");
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(*d).count());
}

}  // namespace

Result<HttpResponse> SendHttpRequest(flow::TaskContext& ctx, std::ofstream* body_file) {
  InitCurlOnce();
  ASSIGN_OR_RETURN(std::string uri, ctx.RequiredString("uri"));
  ASSIGN_OR_RETURN(std::string method, ctx.StringOr("method", "GET"));
  ASSIGN_OR_RETURN(std::optional<Value> body, ctx.Property("body"));
  ASSIGN_OR_RETURN(std::optional<Value> form, ctx.OptionalMap("formData"));
  ASSIGN_OR_RETURN(std::optional<std::string> content_type, ctx.OptionalString("contentType"));
  ASSIGN_OR_RETURN(std::optional<Value> headers, ctx.OptionalMap("headers"));
  ASSIGN_OR_RETURN(std::optional<Value> options, ctx.OptionalMap("options"));
  if (body && form) return ctx.PropertyError("formData", "set either body or formData, not both");

  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Internal("cannot start libcurl");
  CURL* h = curl.get();
  Response response;
  curl_easy_setopt(h, CURLOPT_URL, uri.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, static_cast<flow::TaskContext*>(&ctx));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  long connect_ms = kDefaultConnectTimeoutMs, read_ms = 0, idle_ms = kDefaultReadIdleTimeoutMs;
  if (body_file) {
    response.file = body_file;
    response.max = INT64_MAX;
  }
  // Kestra's options, in its older flat spelling and its newer nested one
  // (timeout, auth, proxy, ssl).
  std::string user, password, proxy_host, proxy_type = "HTTP", proxy_user, proxy_password;
  int64_t proxy_port = 0;
  bool insecure = false;
  ASSIGN_OR_RETURN(std::optional<Value> ssl_options, ctx.OptionalMap("sslOptions"));
  if (ssl_options)
    if (const Value* v = ssl_options->Get("insecureTrustAllCertificates")) insecure = v->Truthy();
  if (options) {
    static const std::set<std::string> kKnown = {"connectTimeout",
                                                 "readTimeout",
                                                 "readIdleTimeout",
                                                 "followRedirects",
                                                 "allowFailed",
                                                 "maxContentLength",
                                                 "basicAuthUser",
                                                 "basicAuthPassword",
                                                 "proxyType",
                                                 "proxyAddress",
                                                 "proxyPort",
                                                 "proxyUsername",
                                                 "proxyPassword",
                                                 "timeout",
                                                 "auth",
                                                 "proxy",
                                                 "ssl",
                                                 "defaultCharset"};
    for (const auto& [k, v] : options->AsMap()) {
      if (!kKnown.count(k))
        return ctx.PropertyError("options", "unknown option '" + k +
                                                "' (connectTimeout, readTimeout, readIdleTimeout, followRedirects, "
                                                "allowFailed, maxContentLength, basicAuthUser, basicAuthPassword, "
                                                "proxyType, proxyAddress, proxyPort, proxyUsername, proxyPassword, "
                                                "timeout, auth, proxy, ssl)");
    }
    Value timeouts = *options;
    if (const Value* nested = options->Get("timeout"); nested && nested->is_map()) timeouts = *nested;
    ASSIGN_OR_RETURN(connect_ms, Milliseconds(ctx, timeouts, "connectTimeout", connect_ms));
    ASSIGN_OR_RETURN(read_ms, Milliseconds(ctx, timeouts, "readTimeout", read_ms));
    ASSIGN_OR_RETURN(idle_ms, Milliseconds(ctx, timeouts, "readIdleTimeout", idle_ms));
    if (const Value* follow = options->Get("followRedirects"))
      curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, follow->Truthy() ? 1L : 0L);
    auto text = [](const Value* v) { return v ? tmpl::ToDisplayString(*v, tmpl::Dialect::kPebble) : std::string(); };
    if (const Value* max = options->Get("maxContentLength")) {
      if (!max->is_int() || max->AsInt() <= 0)
        return ctx.PropertyError("options", "maxContentLength must be a positive number of bytes");
      response.max = max->AsInt();
    }
    user = text(options->Get("basicAuthUser"));
    password = text(options->Get("basicAuthPassword"));
    if (const Value* auth = options->Get("auth"); auth && auth->is_map()) {
      std::string type = text(auth->Get("type"));
      if (!type.empty() && type != "BASIC")
        return ctx.PropertyError("options", "auth type '" + type + "' is not supported (BASIC)");
      user = text(auth->Get("username"));
      password = text(auth->Get("password"));
    }
    proxy_host = text(options->Get("proxyAddress"));
    if (const Value* p = options->Get("proxyPort"); p && p->is_int()) proxy_port = p->AsInt();
    if (options->Get("proxyType")) proxy_type = text(options->Get("proxyType"));
    proxy_user = text(options->Get("proxyUsername"));
    proxy_password = text(options->Get("proxyPassword"));
    if (const Value* proxy = options->Get("proxy"); proxy && proxy->is_map()) {
      proxy_host = text(proxy->Get("address"));
      if (const Value* p = proxy->Get("port"); p && p->is_int()) proxy_port = p->AsInt();
      if (proxy->Get("type")) proxy_type = text(proxy->Get("type"));
      proxy_user = text(proxy->Get("username"));
      proxy_password = text(proxy->Get("password"));
    }
    if (const Value* ssl = options->Get("ssl"); ssl && ssl->is_map())
      if (const Value* v = ssl->Get("insecureTrustAllCertificates")) insecure = v->Truthy();
  }
  if (!user.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  }
  if (!proxy_host.empty()) {
    if (proxy_type != "HTTP" && proxy_type != "SOCKS" && proxy_type != "DIRECT")
      return ctx.PropertyError("options", "proxy type '" + proxy_type + "' is not HTTP, SOCKS or DIRECT");
    if (proxy_type != "DIRECT") {
      curl_easy_setopt(h, CURLOPT_PROXY, proxy_host.c_str());
      if (proxy_port > 0) curl_easy_setopt(h, CURLOPT_PROXYPORT, static_cast<long>(proxy_port));
      curl_easy_setopt(h, CURLOPT_PROXYTYPE, proxy_type == "SOCKS" ? CURLPROXY_SOCKS5 : CURLPROXY_HTTP);
      if (!proxy_user.empty()) {
        curl_easy_setopt(h, CURLOPT_PROXYUSERNAME, proxy_user.c_str());
        curl_easy_setopt(h, CURLOPT_PROXYPASSWORD, proxy_password.c_str());
      }
    }
  }
  if (insecure) {
    ctx.Log(LogLevel::kWarn, "insecureTrustAllCertificates: the server's TLS certificate is not checked");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (connect_ms > 0) curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  if (read_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, read_ms);
  // Idle: less than one byte a second for that long (curl counts whole seconds).
  long idle_s = (idle_ms + 999) / 1000;
  if (idle_ms > 0) {
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, idle_s);
  }

  struct curl_slist* header_list = nullptr;
  auto add_header = [&](const std::string& line) { header_list = curl_slist_append(header_list, line.c_str()); };
  std::string payload;
  if (body) {
    payload = body->is_string() ? body->AsString() : tmpl::ToJson(*body);
    if (!content_type && !body->is_string()) content_type = "application/json";
  } else if (form) {
    for (const auto& [k, v] : form->AsMap()) {
      std::string value = tmpl::ToDisplayString(v, tmpl::Dialect::kPebble);
      char* ek = curl_easy_escape(h, k.c_str(), static_cast<int>(k.size()));
      char* ev = curl_easy_escape(h, value.c_str(), static_cast<int>(value.size()));
      payload += (payload.empty() ? "" : "&") + std::string(ek) + "=" + ev;
      curl_free(ek);
      curl_free(ev);
    }
    if (!content_type) content_type = "application/x-www-form-urlencoded";
  }
  if (body || form) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  }
  if (content_type) add_header("Content-Type: " + *content_type);
  if (headers) {
    for (const auto& [k, v] : headers->AsMap()) add_header(k + ": " + tmpl::ToDisplayString(v, tmpl::Dialect::kPebble));
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(header_list, curl_slist_free_all);
  if (header_list) curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list);

  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_ABORTED_BY_CALLBACK) return Status(StatusCode::kCancelled, method + " " + uri + " cancelled");
  if (response.too_large)
    return Status(StatusCode::kFailedPrecondition,
                  method + " " + uri + ": the answer is larger than " + std::to_string(response.max) + " bytes" +
                      (response.max == kMaxBody ? " (use http.Download for large files)" : " (maxContentLength)"));
  if (body_file && !*body_file) return IoError(method + " " + uri + ": cannot write the downloaded file");
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status(StatusCode::kDeadlineExceeded,
                  method + " " + uri + " timed out: " + curl_easy_strerror(rc) + " (connectTimeout " +
                      std::to_string(connect_ms / 1000) + " s, readIdleTimeout " + std::to_string(idle_s) +
                      " s without a byte" + (read_ms > 0 ? ", readTimeout " + std::to_string(read_ms) + " ms" : "") +
                      "; set them in options)");
  }
  if (rc != CURLE_OK) return Status(StatusCode::kIoError, method + " " + uri + " failed: " + curl_easy_strerror(rc));
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  ctx.Log(LogLevel::kInfo, method + " " + uri + " -> " + std::to_string(code));
  bool allow_failed = false;
  if (options)
    if (const Value* v = options->Get("allowFailed")) allow_failed = v->Truthy();
  return HttpResponse{.uri = uri,
                      .method = method,
                      .code = static_cast<int64_t>(code),
                      .headers = std::move(response.headers),
                      .body = std::move(response.body),
                      .length = response.length,
                      .allow_failed = allow_failed};
}

std::vector<flow::PropertySpec> HttpRequestProperties() {
  return {{.name = "uri", .type = PropertyType::kString, .required = true},
          {.name = "method",
           .type = PropertyType::kEnum,
           .enum_values = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}},
          {.name = "body", .type = PropertyType::kAny, .description = "Text, or a map sent as JSON."},
          {.name = "formData", .type = PropertyType::kMap, .description = "Sent url-encoded."},
          {.name = "contentType", .type = PropertyType::kString},
          {.name = "headers", .type = PropertyType::kMap},
          {.name = "options",
           .type = PropertyType::kMap,
           .description = "{connectTimeout (default PT30S), readIdleTimeout (no byte received for this "
                          "long; default PT5M), readTimeout (the whole request; default none), "
                          "followRedirects, allowFailed, maxContentLength, basicAuthUser, basicAuthPassword, "
                          "proxyType, proxyAddress, proxyPort, proxyUsername, proxyPassword}, or Kestra's nested "
                          "{timeout, auth, proxy, ssl}."},
          {.name = "sslOptions",
           .type = PropertyType::kMap,
           .description = "{insecureTrustAllCertificates}: skip the TLS certificate check (logged)."}};
}

namespace {

class HttpRequestTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(bool allow_failed, ctx.BoolOr("allowFailed", false));
    ASSIGN_OR_RETURN(HttpResponse response, SendHttpRequest(ctx));
    if (response.code >= 400 && !allow_failed && !response.allow_failed) {
      std::string excerpt = response.body.substr(0, 500);
      return Status(StatusCode::kFailedPrecondition, response.method + " " + response.uri + " answered " +
                                                         std::to_string(response.code) +
                                                         (excerpt.empty() ? "" : ": " + excerpt));
    }
    int64_t length = static_cast<int64_t>(response.body.size());
    return Value::MakeMap({{"code", Value(response.code)},
                           {"headers", Value(std::move(response.headers))},
                           {"body", Value(std::move(response.body))},
                           {"uri", Value(response.uri)},
                           {"length", Value(length)}});
  }
};

// Kestra's http.Download: the answer's body streamed to a file in the
// execution's storage (no size limit but maxContentLength).
class HttpDownloadTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(bool fail_on_empty, ctx.BoolOr("failOnEmptyResponse", true));
    ASSIGN_OR_RETURN(std::string uri, ctx.RequiredString("uri"));
    std::string name = uri.substr(0, uri.find_first_of("?#"));
    name = name.substr(name.find_last_of('/') + 1);
    if (name.empty() || name.find("..") != std::string::npos) name = "download";
    ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile(name));
    std::ofstream out(target.first, std::ios::binary);
    ASSIGN_OR_RETURN(HttpResponse response, SendHttpRequest(ctx, &out));
    if (!out.flush()) return IoError("cannot write '" + target.first.string() + "'");
    if (response.code >= 400 && !response.allow_failed)
      return Status(StatusCode::kFailedPrecondition,
                    response.method + " " + response.uri + " answered " + std::to_string(response.code));
    if (response.length == 0 && fail_on_empty)
      return Status(StatusCode::kFailedPrecondition,
                    response.method + " " + response.uri + " answered with an empty body (failOnEmptyResponse)");
    return Value::MakeMap({{"uri", Value(target.second)},
                           {"code", Value(response.code)},
                           {"headers", Value(std::move(response.headers))},
                           {"length", Value(response.length)}});
  }
};

}  // namespace

void RegisterHttpTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "http.Download",
      .aliases = {"io.kestra.plugin.core.http.Download", "io.kestra.plugin.fs.http.Download",
                  "io.kestra.core.tasks.http.Download"},
      .description = "Downloads a file over HTTP into the execution's storage; outputs uri, code, headers, length.",
      .properties =
          [] {
            std::vector<flow::PropertySpec> p = HttpRequestProperties();
            p.push_back({.name = "failOnEmptyResponse",
                         .type = PropertyType::kBool,
                         .description = "Fail when the body is empty; true by default."});
            return p;
          }(),
      .factory = [] { return std::make_unique<HttpDownloadTask>(); },
  });
  registry.Register({
      .name = "http.Request",
      .aliases = {"io.kestra.plugin.core.http.Request", "io.kestra.plugin.fs.http.Request",
                  "io.kestra.core.tasks.http.Request"},
      .description = "Makes an HTTP request; outputs code, headers, body, uri and length.",
      .properties =
          [] {
            std::vector<flow::PropertySpec> p = HttpRequestProperties();
            p.push_back({.name = "allowFailed",
                         .type = PropertyType::kBool,
                         .description = "Succeed even when the status is 400 or more."});
            return p;
          }(),
      .factory = [] { return std::make_unique<HttpRequestTask>(); },
  });
  RegisterHttpTrigger(registry);
}

}  // namespace floe::tasks
