// Cold start of `floe server` to its first healthy answer: from just before
// fork to the first 200 from GET /api/v1/health, polled on loopback every
// millisecond with a fresh connection, over N runs, with an empty flows
// folder and with 100 flows (a third with hourly Schedules, a third with
// Webhooks). Each configuration keeps one home across its runs (the first
// start, which creates the SQLite database, is reported on its own), so a
// run is a restart of an installed server; the page cache is warm.
// Baselines in the same run, interleaved with the server's runs:
//  - `floe version` to exit: the floor for starting this binary (the dynamic
//    loader mapping libduckdb.so and friends);
//  - `floe flows` over the same 100 flows to exit: loading and checking the
//    flows in a one-shot process.
//
//   build/default/bench/bench_server_start [runs=20]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server_harness.h"

namespace {

using floe::bench::Percentile;

struct Series {
  std::string name;
  std::vector<double> ms;
  void Print(double baseline_median) {
    std::vector<double> v = ms;
    double median = Percentile(v, 0.5);
    std::printf("  %-44s median %7.1f ms  min %7.1f  max %7.1f", name.c_str(), median, v.front(), v.back());
    if (baseline_median > 0) std::printf("  %5.2fx floe version", median / baseline_median);
    std::printf("\n");
  }
};

struct Config {
  std::string name;
  int flows = 0;
  floe::bench::ScratchHome home;
  double first_ms = 0;
  Series healthy, listening, stop, cpu, cpu_wait;
};

// One start to healthy; exits the benchmark if the server never answers.
void StartOnce(Config& c, bool record) {
  floe::bench::ServerProcess server;
  if (!server.Start(c.home, floe::bench::FreePort()) || !server.WaitHealthy(std::chrono::seconds(20))) {
    std::fprintf(stderr, "floe server (%s) did not become healthy; its output:\n%s\n", c.name.c_str(),
                 server.Output().c_str());
    std::exit(1);
  }
  double healthy = std::chrono::duration<double, std::milli>(server.healthy_at() - server.started()).count();
  floe::bench::SchedTimes sched = floe::bench::ProcSchedTimes(server.pid());
  double stop = server.Stop();
  auto listening = server.listening_at();  // after Stop: the output is read to its end
  if (server.LoadedFlows() != c.flows) {
    std::fprintf(stderr, "the server loaded %d flows, not %d; its output:\n%s\n", server.LoadedFlows(), c.flows,
                 server.Output().c_str());
    std::exit(1);
  }
  if (!record) {
    c.first_ms = healthy;
    return;
  }
  c.healthy.ms.push_back(healthy);
  c.cpu.ms.push_back(sched.cpu_ms);
  c.cpu_wait.ms.push_back(sched.wait_ms);
  if (listening)
    c.listening.ms.push_back(std::chrono::duration<double, std::milli>(*listening - server.started()).count());
  c.stop.ms.push_back(stop);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 20;
  const std::string floe = floe::bench::FloeBinary().string();

  Config empty{.name = "empty flows folder"};
  Config hundred{.name = "100 flows", .flows = 100};
  floe::bench::WriteFlows(hundred.home.flows(), hundred.flows);
  for (Config* c : {&empty, &hundred}) {
    c->healthy.name = "to healthy, " + c->name;
    c->listening.name = "to 'listening' printed, " + c->name;
    c->stop.name = "SIGTERM to exit, " + c->name;
    c->cpu.name = "CPU used to healthy, " + c->name;
    c->cpu_wait.name = "run-queue wait to healthy, " + c->name;
    StartOnce(*c, /*record=*/false);
  }

  Series version{.name = "floe version, to exit"};
  Series version_cpu{.name = "floe version, CPU used"};
  Series flows{.name = "floe flows (100 flows), to exit"};
  for (int i = 0; i < runs; ++i) {
    double cpu = 0;
    version.ms.push_back(floe::bench::RunToExit({floe, "version"}, nullptr, &cpu));
    version_cpu.ms.push_back(cpu);
    flows.ms.push_back(floe::bench::RunToExit(
        {floe, "--home", hundred.home.home().string(), "--flows", hundred.home.flows().string(), "flows"}));
    StartOnce(empty, true);
    StartOnce(hundred, true);
  }

  std::vector<double> v = version.ms, vc = version_cpu.ms;
  double floor = Percentile(v, 0.5), cpu_floor = Percentile(vc, 0.5);
  std::printf("floe server cold start, %d runs each (interleaved), health polled every 1 ms:\n", runs);
  version.Print(0);
  flows.Print(floor);
  for (Config* c : {&empty, &hundred}) {
    std::printf("  %-44s %7.1f ms (creates the home's database)\n", ("first start ever, " + c->name).c_str(),
                c->first_ms);
    c->healthy.Print(floor);
    if (!c->listening.ms.empty()) c->listening.Print(floor);
    c->stop.Print(0);
  }
  std::printf("CPU time (what the machine's load does not inflate; threads that ended before health are missed):\n");
  version_cpu.Print(0);
  for (Config* c : {&empty, &hundred}) {
    c->cpu.Print(0);
    std::vector<double> cc = c->cpu.ms;
    std::printf("    %.2fx floe version's CPU\n", Percentile(cc, 0.5) / cpu_floor);
    c->cpu_wait.Print(0);
  }
  std::vector<double> h = hundred.healthy.ms;
  double median = Percentile(h, 0.5);
  std::printf("goal: to healthy with 100 flows under 100 ms: median %.1f ms, %s\n", median,
              median < 100 ? "PASS" : "FAIL");
  return 0;
}
