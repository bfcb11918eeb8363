#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace floe::bench {

HttpConnection::~HttpConnection() { Close(); }

int ConnectLoopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool HttpConnection::Connect(uint16_t port) {
  Close();
  fd_ = ConnectLoopback(port);
  return fd_ >= 0;
}

void HttpConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buffer_.clear();
}

std::string HttpConnection::Request(std::string_view method, std::string_view path, std::string_view body) {
  std::string r;
  r.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: floe-bench\r\n");
  if (!body.empty() || method == "POST" || method == "PUT")
    r.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n");
  r.append("\r\n").append(body);
  return r;
}

std::optional<HttpAnswer> HttpConnection::Send(std::string_view request) {
  if (fd_ < 0) return std::nullopt;
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = write(fd_, request.data() + sent, request.size() - sent);
    if (n <= 0) {
      Close();
      return std::nullopt;
    }
    sent += static_cast<size_t>(n);
  }
  while (true) {
    size_t end = buffer_.find("\r\n\r\n");
    if (end != std::string::npos) {
      // Header names are case-insensitive: look for the length line by line.
      size_t length = 0;
      for (size_t at = buffer_.find("\r\n"); at < end; at = buffer_.find("\r\n", at + 2)) {
        constexpr std::string_view kName = "content-length:";
        if (strncasecmp(buffer_.c_str() + at + 2, kName.data(), kName.size()) == 0)
          length = std::strtoul(buffer_.c_str() + at + 2 + kName.size(), nullptr, 10);
      }
      if (buffer_.size() >= end + 4 + length) {
        HttpAnswer answer;
        // "HTTP/1.1 200 OK"
        answer.status = buffer_.size() > 12 ? std::atoi(buffer_.c_str() + 9) : 0;
        answer.body = buffer_.substr(end + 4, length);
        buffer_.erase(0, end + 4 + length);
        return answer;
      }
    }
    char chunk[16384];
    ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n <= 0) {
      Close();
      return std::nullopt;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace floe::bench
