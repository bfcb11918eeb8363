// The REST API under load, on `floe server` (issue 16). Client and server
// share this machine's cores.
//  (1) executions created through the API, wait=false
//      (POST /api/v1/executions/bench/api), closed loop: C connections for S
//      seconds; the baseline is the server issue's way in, the webhook
//      answered at once, measured in the same run on the same flow;
//  (2) with at least 10,000 executions stored: GET /api/v1/executions/{id}
//      (random ids) and /api/v1/executions/search (first page, a filtered
//      page, page 200), against GET /api/v1/health (the HTTP floor);
//  (3) server-sent events: 1,000 idle clients following the logs of a
//      sleeping execution, and 10 active clients following an execution
//      that logs a line every 20 ms; the server's RSS and thread count
//      before and with them, and the latency from each line's timestamp (when
//      the executor wrote it) to its arrival at each active client; every
//      active client must get every line, in order.
//
//   build/default/bench/bench_server_api [connections=4] [seconds=5]
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/time.h"
#include "http_client.h"
#include "server_harness.h"
#include "tmpl/json.h"

namespace {

using floe::bench::Drive;
using floe::bench::HttpConnection;
using floe::bench::Load;
using floe::bench::Percentile;
using floe::bench::PrintLoad;

constexpr const char* kFlows[][2] = {
    {"api.yml",
     "id: api\nnamespace: bench\ntriggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n"
     "    key: benchkey\ntasks:\n  - id: out\n    type: io.kestra.plugin.core.output.OutputValues\n"
     "    values:\n      n: 1\n"},
    {"sleepy.yml",
     "id: sleepy\nnamespace: bench\ntasks:\n  - id: wait\n    type: io.kestra.plugin.core.flow.Sleep\n"
     "    duration: PT120S\n"},
    {"talker.yml",
     "id: talker\nnamespace: bench\ntasks:\n  - id: talk\n    type: io.kestra.plugin.scripts.shell.Commands\n"
     "    commands:\n      - sleep 1; for i in $(seq 1 200); do echo line-$i; sleep 0.02; done\n"},
};

long Threads(pid_t pid) {
  std::error_code ec;
  long n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++n;
  return n;
}

std::string StartExecution(uint16_t port, const std::string& flow) {
  HttpConnection c;
  if (!c.Connect(port)) return "";
  auto r = c.Send(HttpConnection::Request("POST", "/api/v1/executions/bench/" + flow));
  if (!r || r->status != 200) return "";
  auto json = floe::tmpl::ParseJson(r->body);
  return json.ok() && json->Get("id") ? json->Get("id")->AsString() : "";
}

// One SSE client: connects, asks for `path`, and (when reading) collects the
// data lines' log timestamps and their arrival times until `event: end`.
struct SseClient {
  int fd = -1;
  std::vector<double> latency_ms;
  std::vector<std::string> messages;
  bool ended = false;

  bool Open(uint16_t port, const std::string& path) {
    fd = floe::bench::ConnectLoopback(port);
    if (fd < 0) return false;
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    return ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
  }
  void ReadUntilEnd() {
    std::string buffer;
    char chunk[65536];
    while (!ended) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      auto now = std::chrono::system_clock::now();
      buffer.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (line.rfind("event: end", 0) == 0) ended = true;
        if (line.rfind("data: {\"namespace\"", 0) != 0) continue;
        auto json = floe::tmpl::ParseJson(line.substr(6));
        if (!json.ok()) continue;
        auto at = floe::ParseTimestamp(json->Get("timestamp")->AsString());
        if (at.ok()) latency_ms.push_back(std::chrono::duration<double, std::milli>(now - *at).count());
        messages.push_back(json->Get("message")->AsString());
      }
    }
  }
  ~SseClient() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int connections = argc > 1 ? std::atoi(argv[1]) : 4;
  double seconds = argc > 2 ? std::atof(argv[2]) : 5;
  floe::bench::ScratchHome home;
  std::filesystem::create_directories(home.flows() / "bench");
  for (const auto& [name, text] : kFlows) std::ofstream(home.flows() / "bench" / name) << text;
  floe::bench::ServerProcess server;
  if (!server.Start(home, floe::bench::FreePort(), {"--max-running", "64"}) ||
      !server.WaitHealthy(std::chrono::seconds(20))) {
    std::fprintf(stderr, "floe server did not become healthy:\n%s\n", server.Output().c_str());
    return 1;
  }
  uint16_t port = server.port();
  pid_t pid = server.pid();
  auto phase = [&](const std::string& request, bool keep, const std::function<std::string(int, long)>& make = {}) {
    floe::bench::SchedTimes before = floe::bench::ProcSchedTimes(pid);
    Load load = Drive(port, request, connections, seconds, keep, 0, make);
    floe::bench::SchedTimes after = floe::bench::ProcSchedTimes(pid);
    load.server = {.cpu_ms = after.cpu_ms - before.cpu_ms, .wait_ms = after.wait_ms - before.wait_ms};
    return load;
  };

  std::printf("floe server REST API, %d connections, %.0f s per phase\n", connections, seconds);
  Drive(port, HttpConnection::Request("GET", "/api/v1/health"), connections, 0.5, false);  // warm up
  std::printf("(1) executions created, closed loop\n");
  Load hook = phase(HttpConnection::Request("POST", "/api/v1/executions/webhook/bench/api/benchkey"), false);
  PrintLoad("POST webhook (the server issue's baseline)", hook);
  Load api = phase(HttpConnection::Request("POST", "/api/v1/executions/bench/api?wait=false"), true);
  PrintLoad("POST /api/v1/executions/bench/api", api);
  std::printf(
      "  ratio API / webhook: %.2f\n",
      hook.ok() ? static_cast<double>(api.ok()) / hook.seconds / (static_cast<double>(hook.ok()) / hook.seconds) : 0);

  // Enough executions stored for (2): fill up to 10,000 through the API.
  std::vector<std::string> ids;
  for (const auto& body : api.bodies)
    if (auto j = floe::tmpl::ParseJson(body); j.ok() && j->Get("id")) ids.push_back(j->Get("id")->AsString());
  long stored = hook.ok() + api.ok();
  while (stored < 10000) {
    Load more = Drive(port, HttpConnection::Request("POST", "/api/v1/executions/bench/api"), connections, 1, true);
    for (const auto& body : more.bodies)
      if (auto j = floe::tmpl::ParseJson(body); j.ok() && j->Get("id")) ids.push_back(j->Get("id")->AsString());
    stored += more.ok();
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the queue drain
  std::printf("(2) reads with %ld executions stored\n", stored);
  Load floor = phase(HttpConnection::Request("GET", "/api/v1/health"), false);
  PrintLoad("GET /api/v1/health (HTTP floor)", floor);
  std::mt19937 rng(42);
  Load get = phase("", false, [&](int, long) {
    return HttpConnection::Request("GET", "/api/v1/executions/" + ids[rng() % ids.size()]);
  });
  PrintLoad("GET /api/v1/executions/{id}", get);
  Load search = phase(HttpConnection::Request("GET", "/api/v1/executions/search?size=25"), false);
  PrintLoad("GET /executions/search?size=25", search);
  Load filtered = phase(
      HttpConnection::Request("GET", "/api/v1/executions/search?namespace=bench&flowId=api&state=SUCCESS&size=25"),
      false);
  PrintLoad("GET /executions/search (namespace, flow, state)", filtered);
  Load deep = phase(HttpConnection::Request("GET", "/api/v1/executions/search?size=25&page=200"), false);
  PrintLoad("GET /executions/search?page=200", deep);
  for (Load* l : {&get, &search, &filtered, &deep})
    std::printf("  p50 ratio to the floor: %.1f\n", Percentile(l->latency_ms, 0.5) / Percentile(floor.latency_ms, 0.5));

  std::printf("(3) server-sent events\n");
  long rss0 = floe::bench::ProcStatusKiB(pid, "VmRSS"), threads0 = Threads(pid);
  std::string sleepy = StartExecution(port, "sleepy");
  std::vector<std::unique_ptr<SseClient>> idle;
  for (int i = 0; i < 1000; ++i) {
    auto c = std::make_unique<SseClient>();
    if (!c->Open(port, "/api/v1/logs/" + sleepy + "/follow")) {
      std::fprintf(stderr, "idle client %d could not connect\n", i);
      return 1;
    }
    idle.push_back(std::move(c));
  }
  std::string talker = StartExecution(port, "talker");
  std::vector<std::unique_ptr<SseClient>> active;
  for (int i = 0; i < 10; ++i) {
    active.push_back(std::make_unique<SseClient>());
    if (!active.back()->Open(port, "/api/v1/logs/" + talker + "/follow")) return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long rss1 = floe::bench::ProcStatusKiB(pid, "VmRSS"), threads1 = Threads(pid);
  std::vector<std::thread> readers;
  for (auto& c : active) readers.emplace_back([&c] { c->ReadUntilEnd(); });
  for (auto& t : readers) t.join();
  std::vector<double> all;
  bool complete = true;
  for (auto& c : active) {
    all.insert(all.end(), c->latency_ms.begin(), c->latency_ms.end());
    std::vector<std::string> want;
    for (int i = 1; i <= 200; ++i) want.push_back("line-" + std::to_string(i));
    complete = complete && c->ended && c->messages == want;
  }
  std::printf(
      "  server RSS %ld KiB and %ld threads before; %ld KiB and %ld threads with 1,010 streams (+%.1f KiB per "
      "stream)\n",
      rss0, threads0, rss1, threads1, static_cast<double>(rss1 - rss0) / 1010);
  double p50 = Percentile(all, 0.5), p99 = Percentile(all, 0.99);  // sorts `all`
  std::printf("  log line written -> delivered, 10 active clients x 200 lines: p50 %.1f ms  p99 %.1f ms  max %.1f ms\n",
              p50, p99, all.empty() ? 0 : all.back());
  std::printf("  every active client got all 200 lines in order and the end event: %s\n", complete ? "yes" : "NO");
  HttpConnection c;
  if (c.Connect(port)) c.Send(HttpConnection::Request("DELETE", "/api/v1/executions/" + sleepy + "/kill"));
  return complete ? 0 : 1;
}
