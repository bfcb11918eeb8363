#include "server_harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "http_client.h"

namespace floe::bench {
namespace {

// Forks and execs `args`; the child's stdout and stderr go to `out_fd`
// (-1: /dev/null). Only async-signal-safe calls between fork and exec.
pid_t Spawn(const std::vector<std::string>& args, int out_fd) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  // A benchmark that dies (^C, a closed pipe) takes its server with it.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  int fd = out_fd >= 0 ? out_fd : open("/dev/null", O_WRONLY);
  dup2(fd, 1);
  dup2(fd, 2);
  execv(argv[0], argv.data());
  _exit(127);
}

}  // namespace

std::filesystem::path FloeBinary() {
  const char* other = std::getenv("FLOE_BENCH_BINARY");
  return other && *other ? other : FLOE_BINARY;
}

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

ScratchHome::ScratchHome() {
  std::random_device random;
  root_ = std::filesystem::temp_directory_path() / ("floe_server_bench_" + std::to_string(random()));
  home_ = root_ / "home";
  flows_ = root_ / "flows";
  std::filesystem::create_directories(home_);
  std::filesystem::create_directories(flows_);
}

ScratchHome::~ScratchHome() {
  std::error_code ignored;  // a leftover temporary folder is harmless
  std::filesystem::remove_all(root_, ignored);
}

void WriteFlows(const std::filesystem::path& dir, int count) {
  for (int i = 0; i < count; ++i) {
    std::string id = "flow_" + std::to_string(i);
    std::string yaml = "id: " + id + "\nnamespace: bench.load\ndescription: generated for the server benchmarks\n";
    if (i % 3 == 0)
      yaml += "triggers:\n  - id: hourly\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"" +
              std::to_string(i % 60) + " * * * *\"\n";
    else if (i % 3 == 1)
      yaml += "triggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: key" +
              std::to_string(i) + "\n";
    yaml +=
        "tasks:\n"
        "  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: \"{{ flow.id }} started\"\n"
        "  - id: values\n    type: io.kestra.plugin.core.output.OutputValues\n    values:\n"
        "      n: \"" +
        std::to_string(i) + "\"\n";
    if (i % 2 == 0) yaml += "  - id: bye\n    type: io.kestra.plugin.core.log.Log\n    message: done\n";
    std::ofstream(dir / (id + ".yml")) << yaml;
  }
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double RunToExit(const std::vector<std::string>& args, long* max_rss_kib, double* cpu_ms) {
  auto start = std::chrono::steady_clock::now();
  pid_t pid = Spawn(args, -1);
  if (pid < 0) return -1;
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  double ms = MsSince(start);
  if (max_rss_kib) *max_rss_kib = usage.ru_maxrss;
  auto ms_of = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1000 + static_cast<double>(t.tv_usec) / 1000;
  };
  if (cpu_ms) *cpu_ms = ms_of(usage.ru_utime) + ms_of(usage.ru_stime);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    std::fprintf(stderr, "warning: %s exited with status %d\n", args[0].c_str(), status);
  return ms;
}

ServerProcess::~ServerProcess() { Stop(); }

bool ServerProcess::Start(const ScratchHome& home, uint16_t port, const std::vector<std::string>& extra) {
  port_ = port;
  std::vector<std::string> args = {
      FloeBinary().string(), "--home", home.home().string(), "--flows", home.flows().string(), "server", "--port",
      std::to_string(port)};
  args.insert(args.end(), extra.begin(), extra.end());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  started_ = std::chrono::steady_clock::now();
  pid_ = Spawn(args, fds[1]);
  close(fds[1]);
  if (pid_ < 0) {
    close(fds[0]);
    return false;
  }
  reader_ = std::thread([this, fd = fds[0]] {
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
      auto now = std::chrono::steady_clock::now();
      std::lock_guard lock(mu_);
      output_.append(chunk, static_cast<size_t>(n));
      if (!listening_at_ && output_.find("floe server listening on") != std::string::npos) listening_at_ = now;
    }
    close(fd);
  });
  return true;
}

bool ServerProcess::WaitHealthy(std::chrono::milliseconds timeout, std::chrono::microseconds interval) {
  const std::string request = HttpConnection::Request("GET", "/api/v1/health");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpConnection c;
    if (c.Connect(port_)) {
      auto answer = c.Send(request);
      if (answer && answer->status == 200) {
        healthy_at_ = std::chrono::steady_clock::now();
        return true;
      }
    }
    if (waitpid(pid_, &exit_status_, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(interval);
  }
  return false;
}

double ServerProcess::Stop() {
  double ms = 0;
  if (pid_ > 0) {
    auto start = std::chrono::steady_clock::now();
    kill(pid_, SIGTERM);
    auto deadline = start + std::chrono::seconds(10);
    while (waitpid(pid_, &exit_status_, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &exit_status_, 0);
        ms = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (ms == 0) ms = MsSince(start);
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();
  return ms;
}

std::optional<std::chrono::steady_clock::time_point> ServerProcess::listening_at() {
  std::lock_guard lock(mu_);
  return listening_at_;
}

int ServerProcess::LoadedFlows() {
  std::lock_guard lock(mu_);
  size_t at = output_.find("floe server listening on");
  if (at == std::string::npos || (at = output_.find(" (", at)) == std::string::npos) return -1;
  return std::atoi(output_.c_str() + at + 2);
}

std::string ServerProcess::Output() {
  std::lock_guard lock(mu_);
  return output_;
}

long ProcStatusKiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, field.size() + 1, field + ":") == 0) return std::atol(line.c_str() + field.size() + 1);
  return -1;
}

SchedTimes ProcSchedTimes(pid_t pid) {
  SchedTimes t;
  std::error_code error;  // a thread that ended meanwhile is skipped
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::ifstream in(task.path() / "schedstat");
    double cpu_ns = 0, wait_ns = 0;
    if (in >> cpu_ns >> wait_ns) {
      t.cpu_ms += cpu_ns / 1e6;
      t.wait_ms += wait_ns / 1e6;
    }
  }
  return t;
}

double Percentile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

Load Drive(uint16_t port, const std::string& request, int connections, double seconds, bool keep_bodies,
           double per_minute, const std::function<std::string(int, long)>& make_request) {
  std::vector<Load> per(connections);
  std::vector<std::thread> clients;
  auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::duration<double>(seconds);
  for (int c = 0; c < connections; ++c)
    clients.emplace_back([&, c] {
      Load& mine = per[c];
      HttpConnection conn;
      for (long k = 0; std::chrono::steady_clock::now() < until; ++k) {
        auto t0 = std::chrono::steady_clock::now();
        if (per_minute > 0) {
          t0 = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(static_cast<double>(k * connections + c) * 60 / per_minute));
          if (t0 >= until) break;
          std::this_thread::sleep_until(t0);
        }
        if (!conn.connected() && !conn.Connect(port)) {
          ++mine.statuses[0];
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          continue;
        }
        if (per_minute == 0) t0 = std::chrono::steady_clock::now();
        auto answer = conn.Send(make_request ? make_request(c, k) : request);
        if (!answer) {
          ++mine.statuses[0];
          continue;
        }
        mine.latency_ms.push_back(MsSince(t0));
        ++mine.statuses[answer->status];
        if (keep_bodies && answer->status == 200) mine.bodies.push_back(std::move(answer->body));
      }
    });
  for (auto& t : clients) t.join();
  Load all;
  all.seconds = MsSince(start) / 1000;
  for (auto& l : per) {
    all.latency_ms.insert(all.latency_ms.end(), l.latency_ms.begin(), l.latency_ms.end());
    for (auto [s, n] : l.statuses) all.statuses[s] += n;
    for (auto& b : l.bodies) all.bodies.push_back(std::move(b));
  }
  return all;
}

void PrintLoad(const char* what, Load& l) {
  double p50 = Percentile(l.latency_ms, 0.5), p99 = Percentile(l.latency_ms, 0.99);
  std::printf("  %-40s %8.0f answers/min (%ld in %.1f s)  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms\n", what,
              static_cast<double>(l.ok()) * 60 / l.seconds, l.ok(), l.seconds, p50, p99,
              l.latency_ms.empty() ? 0 : l.latency_ms.back());
  std::printf(
      "    server: %.0f ms CPU (%.3f ms per answer), %.0f ms runnable waiting for a CPU (%.0f%% of the phase)\n",
      l.server.cpu_ms, l.ok() ? l.server.cpu_ms / static_cast<double>(l.ok()) : 0, l.server.wait_ms,
      l.server.wait_ms / (l.seconds * 10));
  for (auto [status, n] : l.statuses)
    if (status != 200)
      std::printf("    %ld answers with HTTP status %d%s\n", n, status, status ? "" : " (connection lost)");
}

}  // namespace floe::bench
