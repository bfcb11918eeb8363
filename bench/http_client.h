// A minimal HTTP/1.1 client for the server benchmarks: one keep-alive
// connection on a raw loopback socket, one request in flight, responses read
// by Content-Length. No TLS, no chunked bodies, no redirects: just what a
// load generator needs without weighing on the machine it measures.
//
//   floe::bench::HttpConnection c;
//   if (c.Connect(port)) {
//     auto r = c.Send(floe::bench::HttpConnection::Request("GET", "/api/v1/health"));
//     if (r && r->status == 200) ...
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace floe::bench {

// A TCP connection to 127.0.0.1:port with TCP_NODELAY: its descriptor, or
// -1 when nothing listens.
int ConnectLoopback(uint16_t port);

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  HttpConnection() = default;
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Connects to 127.0.0.1:port (TCP_NODELAY); false when nothing listens.
  bool Connect(uint16_t port);
  void Close();
  bool connected() const { return fd_ >= 0; }

  // The bytes of one request; a body is sent as application/json.
  static std::string Request(std::string_view method, std::string_view path, std::string_view body = {});

  // Writes `request` and reads one response. nullopt when the connection
  // failed or the server closed it (the connection is closed then).
  std::optional<HttpAnswer> Send(std::string_view request);

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read past the last response
};

}  // namespace floe::bench
