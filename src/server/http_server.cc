// HttpServer: the listener, the io threads and graceful stop. Connections
// are in internal/http_connection.cc.
#include "server/http_server.h"

#include "core/log.h"
#include "server/internal/http_connection.h"

namespace floe::server {

using Core = HttpServer::Core;

namespace {

void DoAccept(const std::shared_ptr<Core>& core);

void OnAccept(const std::shared_ptr<Core>& core, beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !core->acceptor->is_open() || core->stopping) return;
  if (ec) {
    // Out of descriptors, most likely: wait a moment rather than spin.
    Logger().Warn("http: accept failed", {{"error", ec.message()}});
    core->accept_retry->expires_after(std::chrono::milliseconds(50));
    core->accept_retry->async_wait([core](beast::error_code e) {
      if (!e) DoAccept(core);
    });
    return;
  }
  bool full;
  {
    std::lock_guard lock(core->conn_mu);
    full = core->connections.size() >= core->options.max_connections;
  }
  if (full) {
    // A fresh socket's send buffer is empty: this short write does not block.
    std::string answer = internal::SerializeResponse(
        HttpResponse::JsonError(503, "too many connections; try again later"), false, true, false);
    beast::error_code ignored;
    asio::write(socket, asio::buffer(answer), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  } else {
    internal::StartConnection(core, std::move(socket));
  }
  DoAccept(core);
}

void DoAccept(const std::shared_ptr<Core>& core) {
  asio::io_context& ioc = *core->iocs[core->next_ioc++ % core->iocs.size()];
  core->acceptor->async_accept(
      ioc, [core](beast::error_code ec, tcp::socket socket) { OnAccept(core, ec, std::move(socket)); });
}

std::string ListenError(const std::string& address, const beast::error_code& ec) {
  std::string what = ec.message();
  if (ec == asio::error::address_in_use) what = "address in use (another process listens there; pick another port)";
  if (ec == asio::error::access_denied) what = "permission denied (ports below 1024 need privileges)";
  if (ec == boost::system::errc::address_not_available) what = "address not available on this machine";
  return "cannot listen on " + address + ": " + what;
}

std::vector<std::shared_ptr<Connection>> Snapshot(Core& core) {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(core.conn_mu);
  for (auto& [raw, weak] : core.connections)
    if (auto c = weak.lock()) out.push_back(std::move(c));
  return out;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options) : core_(std::make_shared<Core>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

Status HttpServer::Route(std::string method, std::string pattern, std::string summary, Handler handler) {
  return RouteAsync(std::move(method), std::move(pattern), std::move(summary),
                    [handler = std::move(handler)](const HttpRequest& request, std::shared_ptr<Responder> responder) {
                      responder->Send(handler(request));
                    });
}

Status HttpServer::RouteAsync(std::string method, std::string pattern, std::string summary, AsyncHandler handler) {
  if (core_->started) return FailedPrecondition("routes must be added before the HTTP server starts");
  return core_->router.Add(std::move(method), std::move(pattern), std::move(summary), std::move(handler));
}

std::vector<RouteInfo> HttpServer::routes() const { return core_->router.routes(); }

Status HttpServer::Start() {
  Core& core = *core_;
  if (core.started) return FailedPrecondition("the HTTP server is already started");
  std::string address = core.options.host + ":" + std::to_string(core.options.port);
  beast::error_code ec;
  tcp::endpoint endpoint;
  asio::ip::address ip = asio::ip::make_address(core.options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(ip, core.options.port);
  } else {
    tcp::resolver resolver(*core.iocs[0]);
    auto results = resolver.resolve(core.options.host, std::to_string(core.options.port), ec);
    if (ec || results.empty())
      return IoError("cannot listen on " + address + ": cannot resolve host '" + core.options.host + "'");
    endpoint = results.begin()->endpoint();
  }
  core.acceptor.emplace(*core.iocs[0]);
  auto fail = [&](const beast::error_code& e) {
    core.acceptor.reset();
    return IoError(ListenError(address, e));
  };
  if (core.acceptor->open(endpoint.protocol(), ec); ec) return fail(ec);
  if (core.acceptor->set_option(asio::socket_base::reuse_address(true), ec); ec) return fail(ec);
  if (core.acceptor->bind(endpoint, ec); ec) return fail(ec);
  if (core.acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) return fail(ec);
  core.port = core.acceptor->local_endpoint(ec).port();
  core.accept_retry.emplace(core.acceptor->get_executor());
  core.started = true;
  {
    std::lock_guard lock(core.post_mu);
    core.running = true;
  }
  for (auto& ioc : core.iocs) core.work.emplace_back(ioc->get_executor());
  DoAccept(core_);
  for (auto& ioc : core.iocs) core.threads.emplace_back([&ioc = *ioc] { ioc.run(); });
  return Status::Ok();
}

uint16_t HttpServer::port() const { return core_->port; }

std::string HttpServer::base_url() const { return "http://" + core_->options.host + ":" + std::to_string(core_->port); }

size_t HttpServer::connection_count() const {
  std::lock_guard lock(core_->conn_mu);
  return core_->connections.size();
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  Core& core = *core_;
  if (!core.started || core.stopped) return;
  core.stopped = true;
  core.stopping = true;
  auto deadline = std::chrono::steady_clock::now() + grace;
  core.Post(core.acceptor->get_executor(), [c = core_] {
    beast::error_code ignored;
    c->acceptor->close(ignored);
    c->accept_retry->cancel();
  });
  for (auto& connection : Snapshot(core)) internal::StopConnection(connection, /*force=*/false);
  auto none_left = [&] { return core.connections.empty(); };
  {
    std::unique_lock lock(core.conn_mu);
    core.conn_cv.wait_until(lock, deadline, none_left);
  }
  for (auto& connection : Snapshot(core)) internal::StopConnection(connection, /*force=*/true);
  {
    std::unique_lock lock(core.conn_mu);
    core.conn_cv.wait_for(lock, std::chrono::seconds(2), none_left);
  }
  {
    std::lock_guard lock(core.post_mu);
    core.running = false;
  }
  core.work.clear();
  for (auto& ioc : core.iocs) ioc->stop();
  for (auto& thread : core.threads) thread.join();
  core.threads.clear();
  // Run what is still queued (completions of closed sockets), so no handler
  // keeps a connection alive inside the stopped io_context.
  for (int i = 0; i < 100; ++i) {
    size_t ran = 0;
    for (auto& ioc : core.iocs) {
      ioc->restart();
      ran += ioc->poll();
    }
    if (ran == 0) break;
  }
}

}  // namespace floe::server
