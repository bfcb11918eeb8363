// A loopback HTTP proxy that injects faults between a client and a server:
// 503 SlowDown answers, connection resets, and answers cut short. One request
// per connection (it closes after each answer); `plan` picks the fault of
// the n-th request (0-based) from its request line.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace floe::testing {

enum class Fault { kNone, kSlowDown, kReset, kTruncate };

class FaultProxy final {
 public:
  using Plan = std::function<Fault(int index, const std::string& request_line)>;

  FaultProxy(int upstream_port, Plan plan) : upstream_port_(upstream_port), plan_(std::move(plan)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 64);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FaultProxy() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (auto& t : workers_) t.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return count_.load(); }
  int faults() const { return faults_.load(); }

 private:
  void Serve() {
    while (true) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      workers_.emplace_back([this, c] { Handle(c); });
    }
  }

  static bool SendAll(int fd, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  void Handle(int c) {
    std::string req;
    char buf[65536];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) {
        close(c);
        return;
      }
      req.append(buf, static_cast<size_t>(n));
      header_end = req.find("\r\n\r\n");
    }
    std::string lower = req.substr(0, header_end);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    size_t length = 0;
    if (size_t at = lower.find("content-length:"); at != std::string::npos) length = std::stoul(lower.substr(at + 15));
    while (req.size() < header_end + 4 + length) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    int index = count_++;
    std::string request_line = req.substr(0, req.find("\r\n"));
    Fault fault = plan_(index, request_line);
    if (fault != Fault::kNone) ++faults_;
    if (fault == Fault::kSlowDown) {
      std::string body =
          "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
          "<RequestId>fault-proxy</RequestId></Error>";
      SendAll(c, "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
      close(c);
      return;
    }
    if (fault == Fault::kReset) {
      linger l{1, 0};  // close with RST
      setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      close(c);
      return;
    }
    // Forward, asking the server to close after its answer.
    req.insert(req.find("\r\n") + 2, "Connection: close\r\n");
    int up = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    std::string answer;
    if (connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && SendAll(up, req)) {
      ssize_t n;
      while ((n = read(up, buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
    }
    close(up);
    if (fault == Fault::kTruncate) {
      size_t body = answer.find("\r\n\r\n");
      size_t keep = body == std::string::npos ? answer.size() / 2 : body + 4 + (answer.size() - body - 4) / 2;
      answer.resize(keep);
    }
    SendAll(c, answer);
    close(c);
  }

  int upstream_port_;
  Plan plan_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> count_{0};
  std::atomic<int> faults_{0};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

}  // namespace floe::testing
