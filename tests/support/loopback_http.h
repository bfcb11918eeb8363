// A tiny HTTP/1.1 server on loopback for tests that make HTTP calls.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <string>
#include <thread>

#include "tmpl/json.h"

namespace floe::testing {

// A tiny HTTP/1.1 server on loopback, one connection per request:
//   /echo          200, JSON of the method, path, body and X-Test header
//   /status/NNN    that status, a short body
//   /slow          answers after 3 s
class LoopbackHttpServer final {
 public:
  LoopbackHttpServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackHttpServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::thread([c] { Handle(c); }).detach();
    }
  }
  static void Handle(int c) {
    std::string req;
    char buf[4096];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
      header_end = req.find("\r\n\r\n");
    }
    size_t length = 0;
    std::string lower = req.substr(0, header_end);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (size_t at = lower.find("content-length:"); at != std::string::npos) length = std::stoul(lower.substr(at + 15));
    while (header_end != std::string::npos && req.size() < header_end + 4 + length) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    std::string method = req.substr(0, req.find(' '));
    std::string path = req.substr(method.size() + 1, req.find(' ', method.size() + 1) - method.size() - 1);
    std::string body = header_end == std::string::npos ? "" : req.substr(header_end + 4);
    std::string test_header;
    if (size_t at = lower.find("x-test: "); at != std::string::npos)
      test_header = req.substr(at + 8, req.find("\r\n", at) - at - 8);
    int status = 200;
    std::string answer;
    if (path.starts_with("/status/")) {
      status = std::stoi(path.substr(8));
      answer = "status " + std::to_string(status);
    } else if (path == "/slow") {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      answer = "slow";
    } else {
      answer = tmpl::ToJson(tmpl::Value::MakeMap({{"method", tmpl::Value(method)},
                                                  {"path", tmpl::Value(path)},
                                                  {"body", tmpl::Value(body)},
                                                  {"test", tmpl::Value(test_header)}}));
    }
    std::string response = "HTTP/1.1 " + std::to_string(status) +
                           " X\r\nContent-Type: application/json\r\nX-Reply: one\r\nX-Reply: two\r\nContent-Length: " +
                           std::to_string(answer.size()) + "\r\nConnection: close\r\n\r\n" + answer;
    ssize_t ignored = write(c, response.data(), response.size());
    (void)ignored;
    close(c);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace floe::testing
