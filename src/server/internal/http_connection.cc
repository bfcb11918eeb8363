// A connection lives on one io thread (one io_context per thread) and moves
// through phases: reading a request, handling it (the handler may answer
// later through its Responder), streaming, closed. Requests on one
// connection are handled one at a time, so pipelined requests are answered in
// order. Everything that touches a connection runs on its thread; responders
// reach it through an ordered outbox, posted there and guarded by
// Core::post_mu so nothing is queued after Stop has drained the io_contexts.
#include "server/internal/http_connection.h"

#include <array>
#include <deque>
#include <limits>

#include "core/strings.h"

namespace floe::server {

using Core = HttpServer::Core;

namespace {

// "HTTP/1.1 200 OK\r\n..." for `response`. Content-Length, Transfer-Encoding
// and Connection are the server's to set; CR and LF in handler-supplied
// header text are dropped (no header injection).
std::string Serialize(const HttpResponse& response, bool head, bool close, bool chunked) {
  auto clean = [](std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != '\r' && c != '\n') out += c;
    return out;
  };
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(StatusReason(response.status));
  out += "\r\n";
  for (const auto& [name, value] : response.headers.entries()) {
    if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
        EqualsIgnoreCase(name, "connection"))
      continue;
    out += clean(name) + ": " + clean(value) + "\r\n";
  }
  bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (!bodiless) {
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head && !chunked && !bodiless) out += response.body;
  return out;
}

std::string Chunk(std::string_view data) {
  char size[20];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<size_t>(n) + data.size() + 2);
  out.append(size, static_cast<size_t>(n));
  out.append(data);
  out += "\r\n";
  return out;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

}  // namespace

class ResponderImpl;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Core> core, tcp::socket socket) : core_(std::move(core)), stream_(std::move(socket)) {
    beast::error_code ec;
    tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    // Each response leaves in one write; SSE events must not wait for an ACK.
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }
  ~Connection() { Unregister(); }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }

  // Any thread. Graceful: close when idle, end streams, let a request in
  // flight finish. Forced: close now.
  void RequestStop(bool force) {
    core_->Post(stream_.get_executor(), [self = shared_from_this(), force] { self->OnStopRequested(force); });
  }

  // What a responder asks of its connection, from any thread.
  struct Action {
    enum class Kind { kRespond, kStreamHead, kChunk, kEnd, kClose } kind;
    HttpResponse response;  // kRespond, kStreamHead
    std::string data;       // kChunk
    bool head = false;
    bool keep_alive = false;
  };
  // Queues `action` for the connection's thread. Actions run in the order
  // submitted (a plain post would not keep the order between the io thread's
  // own posts and other threads'), several per wake-up. Dropped after Stop.
  void Submit(Action action) {
    bool schedule;
    {
      std::lock_guard lock(outbox_mu_);
      outbox_.push_back(std::move(action));
      schedule = !drain_scheduled_ && !in_handler_;
      if (schedule) drain_scheduled_ = true;
    }
    if (schedule) core_->Post(stream_.get_executor(), [self = shared_from_this()] { self->DrainOutbox(); });
  }

  // The rest run on the connection's thread.
  void Deliver(const HttpResponse& response, bool head, bool keep_alive) {
    if (phase_ != Phase::kHandling) return;
    bool close = !keep_alive || stop_requested_;
    if (close) close_after_write_ = true;
    final_response_queued_ = true;
    Enqueue(Serialize(response, head, close, /*chunked=*/false), 0);
  }
  void DeliverStreamHead(const HttpResponse& head_response, bool head);
  void DeliverChunk(const std::string& data) {
    if (phase_ == Phase::kStreaming && !final_response_queued_) Enqueue(Chunk(data), data.size());
  }
  void DeliverEnd() {
    if (phase_ != Phase::kStreaming || final_response_queued_) return;
    final_response_queued_ = true;
    close_after_write_ = true;
    Enqueue("0\r\n\r\n", 0);
  }
  void Close();

 private:
  void DrainOutbox() {
    std::vector<Action> actions;
    {
      std::lock_guard lock(outbox_mu_);
      actions.swap(outbox_);
      drain_scheduled_ = false;
    }
    for (Action& a : actions) {
      switch (a.kind) {
        case Action::Kind::kRespond:
          Deliver(a.response, a.head, a.keep_alive);
          break;
        case Action::Kind::kStreamHead:
          DeliverStreamHead(a.response, a.head);
          break;
        case Action::Kind::kChunk:
          DeliverChunk(a.data);
          break;
        case Action::Kind::kEnd:
          DeliverEnd();
          break;
        case Action::Kind::kClose:
          Close();
          break;
      }
    }
  }

  enum class Phase { kReading, kHandling, kStreaming, kClosed };

  void DoRead() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kReading;
    final_response_queued_ = false;
    close_after_write_ = false;
    if (stop_requested_ && buffer_.size() == 0) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(core_->options.max_header_bytes));
    // No limit while reading the header: Beast would reject a large
    // Content-Length there without letting us say how large; OnHeader checks.
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    stream_.expires_after(served_ == 0 ? core_->options.header_timeout : core_->options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (auto length = parser_->content_length(); length && *length > core_->options.max_body_bytes)
      return RespondError(413, "request body of " + std::to_string(*length) + " bytes is larger than the limit of " +
                                   std::to_string(core_->options.max_body_bytes) + " bytes");
    if (parser_->is_done()) return OnRequest();
    parser_->body_limit(core_->options.max_body_bytes);  // for chunked bodies
    if (auto expect = req[http::field::expect]; EqualsIgnoreCase({expect.data(), expect.size()}, "100-continue"))
      Enqueue("HTTP/1.1 100 Continue\r\n\r\n", 0);
    stream_.expires_after(core_->options.body_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code e, size_t) {
      if (e) return self->OnReadError(e);
      self->OnRequest();
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::header_limit)
      return RespondError(
          431, "request header larger than the limit of " + std::to_string(core_->options.max_header_bytes) + " bytes");
    if (ec == http::error::body_limit) {
      return RespondError(
          413, "request body is larger than the limit of " + std::to_string(core_->options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || !IsHttpParseError(ec))
      return Close();  // the client went away or timed out; nobody to answer
    RespondError(400, "malformed HTTP request: " + ec.message());
  }

  // Answers an error the server found itself, then closes.
  void RespondError(int status, std::string_view message) {
    phase_ = Phase::kHandling;
    final_response_queued_ = true;
    close_after_write_ = true;
    Enqueue(Serialize(HttpResponse::JsonError(status, message), false, true, false), 0);
  }

  void OnRequest();

  void OnStopRequested(bool force) {
    stop_requested_ = true;
    if (force || phase_ == Phase::kClosed) return Close();
    if (phase_ == Phase::kReading && (!parser_ || (!parser_->got_some() && buffer_.size() == 0))) return Close();
    if (phase_ == Phase::kStreaming) return DeliverEnd();
    close_after_write_ = true;  // after the response in flight
  }

  void Enqueue(std::string data, size_t stream_bytes) {
    if (phase_ == Phase::kClosed) return;
    out_.emplace_back(std::move(data), stream_bytes);
    DoWrite();
  }

  void DoWrite() {
    if (write_pending_ || out_.empty()) return;
    writing_stream_bytes_ = 0;
    if (out_.size() == 1) {
      writing_ = std::move(out_.front().first);
      writing_stream_bytes_ = out_.front().second;
    } else {
      writing_.clear();
      for (auto& [data, bytes] : out_) {
        writing_ += data;
        writing_stream_bytes_ += bytes;
      }
    }
    out_.clear();
    write_pending_ = true;
    // While streaming a read is pending; expires_after then times the write only.
    stream_.expires_after(core_->options.write_timeout);
    asio::async_write(stream_, asio::buffer(writing_),
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec);

  // Reads and drops what the client sends while streaming, to notice it leave.
  void DoDiscardRead() {
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->DoDiscardRead();
    });
  }

  // Half-closes, then drains what the client still sends for a moment, so an
  // error answer is not lost to a reset caused by unread request bytes.
  void LingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(1));
    DrainThenClose(0);
  }
  void DrainThenClose(size_t drained) {
    if (phase_ == Phase::kClosed || drained > 4 * 1024 * 1024) return Close();
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this(), drained](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->DrainThenClose(drained + n);
                            });
  }

  void Unregister() {
    if (!registered_) return;
    registered_ = false;
    std::lock_guard lock(core_->conn_mu);
    core_->connections.erase(this);
    core_->conn_cv.notify_all();
  }

  std::shared_ptr<Core> core_;  // first: the io_context outlives the socket
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  Phase phase_ = Phase::kReading;
  size_t served_ = 0;
  bool close_after_write_ = false;
  bool final_response_queued_ = false;
  bool stop_requested_ = false;
  bool registered_ = true;
  std::deque<std::pair<std::string, size_t>> out_;  // data, stream payload bytes in it
  std::string writing_;
  size_t writing_stream_bytes_ = 0;
  bool write_pending_ = false;
  std::weak_ptr<ResponderImpl> responder_;
  std::array<char, 1024> discard_;
  std::mutex outbox_mu_;
  std::vector<Action> outbox_;    // guarded by outbox_mu_
  bool drain_scheduled_ = false;  // guarded by outbox_mu_
  bool in_handler_ = false;       // guarded by outbox_mu_: OnRequest drains after the handler returns
};

class ResponderImpl final : public Responder {
 public:
  ResponderImpl(std::shared_ptr<Connection> connection, bool head, bool keep_alive, size_t limit, HttpHeaders extra)
      : connection_(std::move(connection)),
        head_(head),
        keep_alive_(keep_alive),
        limit_(limit),
        extra_(std::move(extra)) {}

  ~ResponderImpl() override {
    // Whatever is still owed: a 500 for a forgotten answer, the end of an open stream.
    if (!answered_) {
      connection_->Submit({.kind = Connection::Action::Kind::kRespond,
                           .response = HttpResponse::JsonError(500, "the request handler did not answer"),
                           .head = head_});
    } else if (state_ == StreamState::kOpen) {
      connection_->Submit({.kind = Connection::Action::Kind::kEnd});
    }
  }

  bool Send(HttpResponse response) override {
    std::lock_guard lock(mu_);
    if (answered_) return false;
    answered_ = true;
    for (const auto& [name, value] : extra_.entries()) response.headers.Set(name, value);
    connection_->Submit({.kind = Connection::Action::Kind::kRespond,
                         .response = std::move(response),
                         .head = head_,
                         .keep_alive = keep_alive_});
    return true;
  }

  bool StartStream(HttpResponse head) override {
    std::lock_guard lock(mu_);
    if (answered_) return false;
    answered_ = true;
    for (const auto& [name, value] : extra_.entries()) head.headers.Set(name, value);
    if (!closed_) state_ = StreamState::kOpen;
    buffered_ += head.body.size();
    connection_->Submit({.kind = Connection::Action::Kind::kStreamHead, .response = std::move(head), .head = head_});
    return true;
  }

  bool Write(std::string chunk) override {
    std::lock_guard lock(mu_);
    if (state_ != StreamState::kOpen) return false;
    if (chunk.empty()) return true;  // an empty chunk would end the chunked body
    if (buffered_ + chunk.size() > limit_) {
      state_ = StreamState::kOverflowed;
      connection_->Submit({.kind = Connection::Action::Kind::kClose});
      return false;
    }
    buffered_ += chunk.size();
    // Submitted under the lock so writes from several threads keep their order.
    connection_->Submit({.kind = Connection::Action::Kind::kChunk, .data = std::move(chunk)});
    return true;
  }

  void End() override {
    std::lock_guard lock(mu_);
    if (state_ != StreamState::kOpen) return;
    state_ = StreamState::kClosed;
    connection_->Submit({.kind = Connection::Action::Kind::kEnd});
  }

  StreamState state() const override {
    std::lock_guard lock(mu_);
    return state_;
  }

  size_t buffered_bytes() const override {
    std::lock_guard lock(mu_);
    return buffered_;
  }
  size_t buffer_limit() const override { return limit_; }

  void OnClose(std::function<void()> callback) override {
    {
      std::lock_guard lock(mu_);
      if (!closed_) {
        on_close_ = std::move(callback);
        return;
      }
    }
    if (callback) callback();
  }

  // Connection side, on its thread.
  void Drained(size_t bytes) {
    std::lock_guard lock(mu_);
    buffered_ -= std::min(bytes, buffered_);
  }
  void Closed() {
    std::function<void()> callback;
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
      if (state_ == StreamState::kOpen) state_ = StreamState::kClosed;
      callback = std::move(on_close_);
    }
    if (callback) callback();
  }

 private:
  const std::shared_ptr<Connection> connection_;
  const bool head_;
  const bool keep_alive_;
  const size_t limit_;
  const HttpHeaders extra_;  // HttpServerOptions::response_headers' for this request
  mutable std::mutex mu_;
  bool answered_ = false;
  StreamState state_ = StreamState::kNotStarted;
  size_t buffered_ = 0;
  bool closed_ = false;
  std::function<void()> on_close_;
};

void Connection::OnRequest() {
  phase_ = Phase::kHandling;
  ++served_;
  http::request<http::string_body> breq = parser_->release();
  const bool keep_alive = breq.keep_alive() && !stop_requested_;
  const bool head = breq.method() == http::verb::head;

  HttpRequest req;
  req.method = std::string(breq.method_string());
  req.target = std::string(breq.target());
  size_t question = req.target.find('?');
  req.path = req.target.substr(0, question);
  if (question != std::string::npos) {
    req.raw_query = req.target.substr(question + 1);
    std::string_view rest = req.raw_query;
    while (!rest.empty()) {
      std::string_view part = rest.substr(0, rest.find('&'));
      rest.remove_prefix(std::min(rest.size(), part.size() + 1));
      if (part.empty()) continue;
      size_t eq = part.find('=');
      req.query.emplace_back(UrlDecode(part.substr(0, eq)),
                             eq == std::string_view::npos ? std::string() : UrlDecode(part.substr(eq + 1)));
    }
  }
  for (const auto& field : breq) req.headers.Add(std::string(field.name_string()), std::string(field.value()));
  req.body = std::move(breq.body());
  req.remote_address = remote_;

  HttpHeaders extra;
  if (core_->options.response_headers) core_->options.response_headers(req, extra);
  // A request body is framed by Content-Length or chunked coding only: any
  // other transfer coding would leave the body's bytes to be read as the
  // next request (smuggling), so the connection ends here (RFC 9112 6.3).
  if (std::string te(breq[http::field::transfer_encoding]); !te.empty() && !EqualsIgnoreCase(te, "chunked")) {
    HttpResponse bad = HttpResponse::JsonError(
        400, "unsupported Transfer-Encoding '" + std::string(te) + "': request bodies are sent plain or chunked");
    for (const auto& [name, value] : extra.entries()) bad.headers.Set(name, value);
    return Deliver(bad, head, /*keep_alive=*/false);
  }
  auto deliver = [&](HttpResponse response) {
    for (const auto& [name, value] : extra.entries()) response.headers.Set(name, value);
    Deliver(response, head, keep_alive);
  };
  if (core_->options.filter) {
    std::optional<HttpResponse> answer;
    try {
      answer = core_->options.filter(req);
    } catch (const std::exception& e) {
      answer = HttpResponse::JsonError(500, std::string("the request filter failed: ") + e.what());
    }
    if (answer) return deliver(std::move(*answer));
  }
  Router::Match match = core_->router.Find(req.method, req.path);
  switch (match.outcome) {
    case Router::Outcome::kBadPath:
      return deliver(HttpResponse::JsonError(400, match.error));
    case Router::Outcome::kNotFound:
      return deliver(HttpResponse::JsonError(404, "no route for " + req.method + " " + req.path));
    case Router::Outcome::kMethodNotAllowed: {
      std::string allow;
      for (const std::string& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
      HttpResponse response = HttpResponse::JsonError(
          405, "method " + req.method + " is not allowed on " + req.path + "; allowed: " + allow);
      response.headers.Set("Allow", allow);
      return deliver(std::move(response));
    }
    case Router::Outcome::kFound:
      break;
  }
  req.path_params = std::move(match.params);
  auto responder = std::make_shared<ResponderImpl>(shared_from_this(), head, keep_alive,
                                                   core_->options.stream_buffer_bytes, std::move(extra));
  responder_ = responder;
  {
    std::lock_guard lock(outbox_mu_);
    in_handler_ = true;  // what the handler submits runs right after it, without a post
  }
  try {
    (*match.handler)(req, responder);
  } catch (const std::exception& e) {
    responder->Send(HttpResponse::JsonError(500, std::string("the request handler failed: ") + e.what()));
  } catch (...) {
    responder->Send(HttpResponse::JsonError(500, "the request handler failed"));
  }
  responder.reset();  // a dropped responder submits its 500 now
  {
    std::lock_guard lock(outbox_mu_);
    in_handler_ = false;
    if (drain_scheduled_) return;  // a drain is on its way
    drain_scheduled_ = true;       // keeps others from scheduling one while this drains
  }
  DrainOutbox();
}

void Connection::DeliverStreamHead(const HttpResponse& head_response, bool head) {
  if (phase_ != Phase::kHandling) return;
  if (head) {  // HEAD: the head only, then close
    final_response_queued_ = true;
    close_after_write_ = true;
    return Enqueue(Serialize(head_response, true, true, true), 0);
  }
  phase_ = Phase::kStreaming;
  Enqueue(Serialize(head_response, false, true, true), 0);
  stream_.expires_never();  // the write just started keeps its own timeout
  DoDiscardRead();
  if (!head_response.body.empty()) DeliverChunk(head_response.body);
  if (stop_requested_) DeliverEnd();
}

void Connection::OnWrite(beast::error_code ec) {
  write_pending_ = false;
  if (phase_ == Phase::kClosed) return;
  if (ec) return Close();
  if (writing_stream_bytes_ > 0)
    if (auto responder = responder_.lock()) responder->Drained(writing_stream_bytes_);
  if (!out_.empty()) return DoWrite();
  if (!final_response_queued_) return;  // a stream, or a 100 Continue before the body
  if (close_after_write_) {
    if (phase_ == Phase::kStreaming) return Close();
    return LingerClose();
  }
  if (phase_ == Phase::kHandling) DoRead();
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
  out_.clear();
  Unregister();
  if (auto responder = responder_.lock()) responder->Closed();
}

namespace internal {

void StartConnection(const std::shared_ptr<Core>& core, tcp::socket socket) {
  auto connection = std::make_shared<Connection>(core, std::move(socket));
  {
    std::lock_guard lock(core->conn_mu);
    core->connections.emplace(connection.get(), connection);
  }
  connection->Start();
}

void StopConnection(const std::shared_ptr<Connection>& connection, bool force) { connection->RequestStop(force); }

std::string SerializeResponse(const HttpResponse& response, bool head, bool close, bool chunked) {
  return Serialize(response, head, close, chunked);
}

}  // namespace internal
}  // namespace floe::server
