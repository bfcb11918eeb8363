// floe's HTTP/1.1 server: Boost.Beast over Asio, event-driven on a few io
// threads, so thousands of idle streams (server-sent events) cost memory, not
// threads. Keep-alive, pipelining (answered in order), Expect: 100-continue,
// HEAD, chunked request bodies, size limits and timeouts.
//
//   HttpServer server({.port = 0});
//   server.Route("GET", "/api/v1/health", "Health", [](const HttpRequest&) {
//     return HttpResponse::Json(200, R"({"status":"UP"})");
//   });
//   RETURN_IF_ERROR(server.Start());           // then server.port() is the bound port
//   ...
//   server.Stop(std::chrono::seconds(10));     // graceful: in-flight requests finish
//
// Errors the server answers itself carry a JSON body {"message", "status"}:
// 400 malformed request or path, 404 no route, 405 (with Allow) wrong method,
// 413 body too large, 431 header too large, 500 a handler threw or dropped its
// responder, 503 too many connections. After a 400/413/431 the connection closes.
//
// Boost is confined to http_server.cc and internal/http_connection.cc: this
// header is cheap to include.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "server/http_message.h"
#include "server/responder.h"
#include "server/router.h"

namespace floe::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the kernel picks a free port; see HttpServer::port()
  int io_threads = 2;
  size_t max_header_bytes = 16 * 1024;              // request line + headers; beyond: 431
  size_t max_body_bytes = 10 * 1024 * 1024;         // beyond: 413
  size_t max_connections = 10000;                   // beyond: 503 and close
  size_t stream_buffer_bytes = 1024 * 1024;         // per stream, queued and unsent; beyond: overflow, close
  std::chrono::milliseconds header_timeout{10000};  // a new connection's first request header
  std::chrono::milliseconds body_timeout{60000};    // reading a request body
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive: waiting for the next request
  std::chrono::milliseconds write_timeout{60000};   // writing a (non-stream) response
  // Runs on every request before routing, on an io thread (keep it quick):
  // when it answers, that answer is sent and no handler runs. Where
  // authentication and CORS preflights are answered.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> filter;
  // Adds headers to every answer of a request, errors and streams included (CORS).
  std::function<void(const HttpRequest&, HttpHeaders&)> response_headers;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  // Stops (with no grace) if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route (see router.h for patterns). Call before Start. A malformed
  // or duplicate route is a programming error and returns its Status.
  Status Route(std::string method, std::string pattern, std::string summary, Handler handler);
  Status RouteAsync(std::string method, std::string pattern, std::string summary, AsyncHandler handler);
  // The route table, for the OpenAPI document.
  std::vector<RouteInfo> routes() const;

  // Binds, listens and starts the io threads. Fails with kIoError and a
  // message naming the address ("cannot listen on 127.0.0.1:8080: address
  // in use") when the address cannot be bound, or kFailedPrecondition when
  // already started.
  Status Start();

  // The bound port (after Start).
  uint16_t port() const;
  // "http://host:port".
  std::string base_url() const;

  // Graceful stop: closes the listener and idle connections and ends streams
  // (their OnClose callbacks run); requests in flight may finish until
  // `grace` has passed, then their connections are closed too. Joins the io
  // threads. Responders kept by handlers after Stop do nothing. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Open client connections now (streams included).
  size_t connection_count() const;

  struct Core;  // shared with connections; defined in http_server.cc

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace floe::server
