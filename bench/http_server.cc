// Requests per second of a trivial route (GET /api/v1/health, a 15-byte JSON
// body) over keep-alive connections, floe's HttpServer against two baselines
// in the same run, driven by the same client:
//  (a) a raw loopback server: one thread per connection that reads up to the
//      blank line and writes a canned response (no parsing, no routing): the
//      floor the kernel and this client allow, so floe/raw is the cost of
//      floe's HTTP machinery;
//  (b) Python's http.server (ThreadingHTTPServer, HTTP/1.1 keep-alive): what a
//      small control plane in a scripting language serves.
// The client: C connections, one thread each, one request in flight per
// connection, for S seconds. Client and servers share this machine's cores.
//
//   build/default/bench/bench_http_server [connections=4] [seconds=3]
#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"

namespace {

constexpr std::string_view kRequest = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n";
constexpr std::string_view kBody = R"({"status":"UP"})";

// Reads one response (header + Content-Length body) from `fd`; false on EOF.
bool ReadResponse(int fd, std::string& buffer) {
  while (true) {
    size_t end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t at = buffer.find("Content-Length: ");
      if (at == std::string::npos) at = buffer.find("content-length: ");
      size_t length = at == std::string::npos || at > end ? 0 : std::strtoul(buffer.c_str() + at + 16, nullptr, 10);
      if (buffer.size() >= end + 4 + length) {
        buffer.erase(0, end + 4 + length);
        return true;
      }
    }
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

// Requests per second from `connections` keep-alive clients for `seconds`.
double Drive(uint16_t port, int connections, double seconds) {
  std::atomic<long> total{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> clients;
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < connections; ++c)
    clients.emplace_back([&] {
      int fd = floe::bench::ConnectLoopback(port);
      if (fd < 0) return void(failed = true);
      std::string buffer;
      long n = 0;
      while (std::chrono::steady_clock::now() < until) {
        if (write(fd, kRequest.data(), kRequest.size()) != static_cast<ssize_t>(kRequest.size()) ||
            !ReadResponse(fd, buffer)) {
          failed = true;
          break;
        }
        ++n;
      }
      total += n;
      close(fd);
    });
  for (auto& t : clients) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) std::fprintf(stderr, "warning: a client connection to port %u failed\n", port);
  return static_cast<double>(total) / elapsed;
}

// The raw baseline: thread per connection, canned answer per blank line.
class RawServer {
 public:
  RawServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 128);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] {
      while (true) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::thread([c] { Serve(c); }).detach();
      }
    });
  }
  ~RawServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    accept_thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  static void Serve(int c) {
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(kBody.size()) +
        "\r\n\r\n" + std::string(kBody);
    std::string buffer;
    char chunk[4096];
    while (true) {
      ssize_t n = read(c, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      for (size_t end; (end = buffer.find("\r\n\r\n")) != std::string::npos;) {
        buffer.erase(0, end + 4);
        if (write(c, answer.data(), answer.size()) < 0) break;
      }
    }
    close(c);
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread accept_thread_;
};

// Python's http.server on a free port; the port is read from its first line.
struct PythonServer {
  pid_t pid = -1;
  uint16_t port = 0;
  FILE* read_end = nullptr;
  PythonServer() {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return;
    pid = fork();
    if (pid == 0) {
      dup2(pipe_fds[1], 1);
      close(pipe_fds[0]);
      const char* script =
          "import http.server,socket\n"
          "class H(http.server.BaseHTTPRequestHandler):\n"
          "  protocol_version='HTTP/1.1'\n"
          "  def setup(self):\n"  // no Nagle: headers and body are separate writes
          "    super().setup();self.request.setsockopt(socket.IPPROTO_TCP,socket.TCP_NODELAY,1)\n"
          "  def do_GET(self):\n"
          "    b=b'{\"status\":\"UP\"}'\n"
          "    self.send_response(200);self.send_header('Content-Type','application/json')\n"
          "    self.send_header('Content-Length',str(len(b)));self.end_headers();self.wfile.write(b)\n"
          "  def log_message(self,*a): pass\n"
          "s=http.server.ThreadingHTTPServer(('127.0.0.1',0),H)\n"
          "print(s.server_address[1],flush=True)\n"
          "s.serve_forever()\n";
      execlp("python3", "python3", "-c", script, nullptr);
      _exit(127);
    }
    close(pipe_fds[1]);
    // The first line that is a number (a pyenv shim may print before it).
    FILE* out = fdopen(pipe_fds[0], "r");
    char line[256];
    while (port == 0 && std::fgets(line, sizeof line, out)) port = static_cast<uint16_t>(std::atoi(line));
    read_end = out;  // kept open: the server may print more
  }
  ~PythonServer() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    if (read_end) std::fclose(read_end);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int connections = argc > 1 ? std::atoi(argv[1]) : 4;
  double seconds = argc > 2 ? std::atof(argv[2]) : 3;
  using floe::server::HttpRequest;
  using floe::server::HttpResponse;

  floe::server::HttpServer server({.io_threads = 2});
  if (!server
           .Route("GET", "/api/v1/health", "Health",
                  [](const HttpRequest&) { return HttpResponse::Json(200, std::string(kBody)); })
           .ok() ||
      !server.Start().ok()) {
    std::fprintf(stderr, "cannot start floe's server\n");
    return 1;
  }
  RawServer raw;
  PythonServer python;

  Drive(server.port(), connections, 0.3);  // warm up
  double floe_rps = Drive(server.port(), connections, seconds);
  double raw_rps = Drive(raw.port(), connections, seconds);
  double python_rps = python.port ? Drive(python.port, connections, seconds) : 0;
  server.Stop();

  std::printf("GET /api/v1/health, %d keep-alive connections, %.0f s each:\n", connections, seconds);
  std::printf("  floe HttpServer (2 io threads)     %9.0f req/s\n", floe_rps);
  std::printf("  raw loopback, thread/connection    %9.0f req/s   floe/raw    = %.2f\n", raw_rps, floe_rps / raw_rps);
  if (python_rps > 0)
    std::printf("  Python http.server (threading)     %9.0f req/s   floe/python = %.1fx\n", python_rps,
                floe_rps / python_rps);
  else
    std::printf("  Python http.server: python3 not found, skipped\n");
  return 0;
}
