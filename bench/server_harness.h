// What the `floe server` benchmarks share: the floe binary of this build, a
// scratch home and flows folder, a server started as a child process (its
// output captured, health polled on loopback), /proc memory figures and
// percentiles.
//
//   floe::bench::ScratchHome home;
//   floe::bench::WriteFlows(home.flows(), 100);
//   floe::bench::ServerProcess server;
//   if (server.Start(home, floe::bench::FreePort()) && server.WaitHealthy(std::chrono::seconds(5)))
//     std::printf("RSS %ld KiB\n", floe::bench::ProcStatusKiB(server.pid(), "VmRSS"));
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace floe::bench {

// The `floe` executable built with the benchmarks, or $FLOE_BENCH_BINARY
// when set (to measure another build).
std::filesystem::path FloeBinary();

// A port nothing listens on now (bound to port 0 and released: another
// process could take it before the server does; unlikely on loopback).
uint16_t FreePort();

// A home and a flows folder in a fresh temporary folder, removed on
// destruction.
class ScratchHome {
 public:
  ScratchHome();
  ~ScratchHome();
  ScratchHome(const ScratchHome&) = delete;
  ScratchHome& operator=(const ScratchHome&) = delete;
  const std::filesystem::path& home() const { return home_; }
  const std::filesystem::path& flows() const { return flows_; }

 private:
  std::filesystem::path root_, home_, flows_;
};

// Writes `count` small flows into `dir` (namespace bench.load): a third with
// an hourly Schedule trigger, a third with a Webhook trigger, a third with
// none; two or three tasks each.
void WriteFlows(const std::filesystem::path& dir, int count);

// Milliseconds since `start`.
double MsSince(std::chrono::steady_clock::time_point start);

// Forks and execs a program with `args` (args[0] is the path), its stdout and
// stderr to /dev/null, and waits for it. Returns the wall time in ms;
// `max_rss_kib` gets the child's peak RSS and `cpu_ms` its user + system
// CPU time (from wait4) when not null.
double RunToExit(const std::vector<std::string>& args, long* max_rss_kib = nullptr, double* cpu_ms = nullptr);

// `floe --home H --flows F server --port P [extra...]` as a child process.
// Its output (stdout and stderr) is read by a thread and kept; the
// destructor stops it (SIGTERM, then SIGKILL after 10 s).
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Forks and execs the server; false if the fork failed. `started()` is the
  // instant just before the fork.
  bool Start(const ScratchHome& home, uint16_t port, const std::vector<std::string>& extra = {});
  // Polls GET /api/v1/health on loopback every `interval` (a fresh
  // connection each time) until it answers 200; false on timeout or when the
  // process exited. The time of the first 200 is `healthy_at()`.
  bool WaitHealthy(std::chrono::milliseconds timeout,
                   std::chrono::microseconds interval = std::chrono::microseconds(1000));
  // SIGTERM and wait (SIGKILL after 10 s). Returns the time from SIGTERM to
  // exit in ms, or -1 when it had to be killed. Idempotent.
  double Stop();

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  std::chrono::steady_clock::time_point started() const { return started_; }
  std::chrono::steady_clock::time_point healthy_at() const { return healthy_at_; }
  // When the server printed "floe server listening on", if it did yet.
  std::optional<std::chrono::steady_clock::time_point> listening_at();
  // The flow count of the "listening on ... (N flows" line; -1 before it.
  int LoadedFlows();
  // Everything the server printed so far.
  std::string Output();
  // The exit status from waitpid, once stopped.
  int exit_status() const { return exit_status_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int exit_status_ = -1;
  std::chrono::steady_clock::time_point started_, healthy_at_;
  std::thread reader_;
  std::mutex mu_;
  std::string output_;
  std::optional<std::chrono::steady_clock::time_point> listening_at_;
};

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM", "RssAnon",
// "RssFile"); -1 when absent.
long ProcStatusKiB(pid_t pid, const std::string& field);

// CPU time and time spent runnable but waiting for a CPU, summed over the
// threads `pid` has now (from /proc/PID/task/*/schedstat), in ms. A large
// wait means the process was starved by others on the machine.
struct SchedTimes {
  double cpu_ms = 0, wait_ms = 0;
};
SchedTimes ProcSchedTimes(pid_t pid);

// The q-quantile (0..1) of `values` by nearest rank; sorts `values`. 0 when
// empty.
double Percentile(std::vector<double>& values, double q);

// What a load phase measured.
struct Load {
  double seconds = 0;
  std::vector<double> latency_ms;
  std::map<int, long> statuses;     // HTTP status -> count; 0: connection lost
  std::vector<std::string> bodies;  // of 200 answers, when kept
  SchedTimes server;                // the server's CPU and run-queue wait during the phase (set by the caller)
  long ok() const { return statuses.count(200) ? statuses.at(200) : 0; }
};

// `connections` clients send `request` for `seconds`. With `per_minute` 0
// each sends its next request as soon as it has the answer (closed loop: the
// most the server does); else the clients together send `per_minute`
// requests a minute on a fixed schedule (open loop), and latency counts from
// each request's scheduled instant, so time a request waited behind a slow
// one is counted, not omitted. `make_request` (when set) makes each request
// instead of `request` (client index, request index).
Load Drive(uint16_t port, const std::string& request, int connections, double seconds, bool keep_bodies,
           double per_minute = 0, const std::function<std::string(int, long)>& make_request = {});

// One line of answers per minute and latency percentiles, the server's CPU,
// and the count of each non-200 status.
void PrintLoad(const char* what, Load& l);

}  // namespace floe::bench
