// HTTP requests and responses as floe's server handlers see them: plain values,
// no Beast types, so handlers and their tests compile without Boost.
//
//   HttpResponse GetFlow(const HttpRequest& request) {
//     std::string id = request.PathParam("flowId");
//     if (auto page = request.QueryValue("page")) ...
//     if (request.headers.Get("authorization").empty()) return HttpResponse::JsonError(401, "login first");
//     return HttpResponse::Json(200, R"({"id":"...")");
//   }
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floe::server {

// Header fields in the order received or set. Names compare without regard
// to case, as HTTP requires; values are kept as sent.
class HttpHeaders {
 public:
  // Appends a field; an existing field of the same name is kept.
  void Add(std::string name, std::string value);
  // Replaces every field of that name with one.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);
  // The first value of `name`, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::vector<std::string_view> GetAll(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Case-insensitive ASCII comparison, as header names and tokens need.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// One request, fully read (body included) before the handler runs. A handler
// gets it by const reference, valid only during the call: copy what a later
// answer needs.
struct HttpRequest {
  std::string method;                                      // as sent: "GET", "POST", ...
  std::string target;                                      // raw request target: "/a%20b/c?x=1&y=2"
  std::string path;                                        // target before '?', still percent-encoded
  std::string raw_query;                                   // target after '?', still encoded; "" if none
  std::vector<std::pair<std::string, std::string>> query;  // decoded ('+' is a space), in order, repeats kept
  HttpHeaders headers;
  std::string body;                                // chunked bodies arrive de-chunked
  std::string remote_address;                      // "127.0.0.1:51234"
  std::map<std::string, std::string> path_params;  // decoded, from the route pattern

  // The first value of a query parameter; nullopt when absent ("?a" gives "").
  std::optional<std::string> QueryValue(std::string_view name) const;
  std::vector<std::string> QueryValues(std::string_view name) const;
  // The decoded path parameter, or "" when the route has none of that name.
  std::string PathParam(std::string_view name) const;
};

// A complete response. The server sets Content-Length (and Connection when it
// closes); a Content-Length or Transfer-Encoding set here is replaced.
struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;

  static HttpResponse Json(int status, std::string json);
  static HttpResponse Text(int status, std::string text);
  // {"message": "...", "status": 404}: the shape floe's API errors take
  // (Kestra's errors carry "message" too).
  static HttpResponse JsonError(int status, std::string_view message);
};

// Undoes %XX escapes; '+' stays '+' (this is for paths, not forms). Returns
// nullopt for a malformed escape ("%zz", a trailing "%4").
std::optional<std::string> PercentDecodePath(std::string_view s);

// The standard reason phrase for a status ("Not Found"), "Unknown" otherwise.
std::string_view StatusReason(int status);

}  // namespace floe::server
