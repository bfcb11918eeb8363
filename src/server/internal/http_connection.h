// Private to the server module: the state HttpServer shares with its
// connections, and the connection itself. Includes Beast/Asio (seconds per
// translation unit): include it only from server/*.cc.
#pragma once

// clang-format off
#include <utility>  // first: Boost 1.74's asio/awaitable.hpp uses std::exchange without it
// clang-format on

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http_server.h"

namespace floe::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Connection;

struct HttpServer::Core {
  explicit Core(HttpServerOptions o) : options(std::move(o)) {
    for (int i = 0; i < std::max(1, options.io_threads); ++i) iocs.push_back(std::make_unique<asio::io_context>(1));
  }

  // Posts `fn` to `executor` unless the server has stopped; false if dropped.
  template <typename Executor, typename Fn>
  bool Post(const Executor& executor, Fn&& fn) {
    std::lock_guard lock(post_mu);
    if (!running) return false;
    asio::post(executor, std::forward<Fn>(fn));
    return true;
  }

  HttpServerOptions options;
  Router router;
  // One io_context per io thread, each connection pinned to one: its
  // handlers never hop threads (a strand over a shared context cost about
  // half the throughput in bench_http_server), and need no strand.
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::atomic<size_t> next_ioc{0};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> stopping{false};

  std::mutex post_mu;
  bool running = false;  // guarded by post_mu

  mutable std::mutex conn_mu;
  std::condition_variable conn_cv;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;  // guarded by conn_mu
};

namespace internal {

// Registers a connection for an accepted socket and starts reading requests.
void StartConnection(const std::shared_ptr<HttpServer::Core>& core, tcp::socket socket);

// Asks a connection to stop (from any thread). Graceful: close when idle, end
// streams, let a request in flight finish. Forced: close now.
void StopConnection(const std::shared_ptr<Connection>& connection, bool force);

// "HTTP/1.1 200 OK\r\n..." for `response`. Content-Length, Transfer-Encoding
// and Connection are the server's to set; CR and LF in handler-supplied
// header text are dropped (no header injection).
std::string SerializeResponse(const HttpResponse& response, bool head, bool close, bool chunked);

}  // namespace internal
}  // namespace floe::server
