// Idle memory of `floe server` with 100 flows loaded (a third with hourly
// Schedule triggers, a third with Webhook triggers, a third with none), read
// from /proc/PID/status after the server was healthy and then idle for a
// while: VmRSS (resident now), VmHWM (peak resident), and RSS split into
// anonymous memory (heap, stacks) and file pages (the mapped binary and
// shared libraries, libduckdb.so the largest). Also the CPU time it used
// while idle. Baselines measured in the same run:
//  - the same server with an empty flows folder (so 100 flows cost the
//    difference);
//  - `floe version`'s peak RSS (from wait4): this binary loaded and exited;
//  - `sleep`'s RSS: a minimal idle process.
// Kestra's standalone server idles near 1 GB (quoted in issue 12, not
// measured here).
//
//   build/default/bench/bench_server_idle [idle_seconds=2]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server_harness.h"

namespace {

struct Idle {
  long rss = 0, hwm = 0, anon = 0, file = 0, threads = 0;
  double cpu_ms = 0;  // user + system while idle
};

// utime + stime of `pid` in ms (fields 14 and 15 of /proc/PID/stat).
double CpuMs(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = stat.rfind(')');  // the command name may hold spaces
  if (at == std::string::npos) return 0;
  // Fields from the third on (state, ppid, ...); utime and stime are the
  // 14th and 15th.
  std::istringstream rest(stat.substr(at + 2));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
  if (fields.size() < 13) return 0;
  return static_cast<double>(std::atol(fields[11].c_str()) + std::atol(fields[12].c_str())) * 1000.0 /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

Idle MeasureServer(int flows, double idle_seconds) {
  floe::bench::ScratchHome home;
  floe::bench::WriteFlows(home.flows(), flows);
  floe::bench::ServerProcess server;
  if (!server.Start(home, floe::bench::FreePort()) || !server.WaitHealthy(std::chrono::seconds(20))) {
    std::fprintf(stderr, "floe server did not become healthy; its output:\n%s\n", server.Output().c_str());
    std::exit(1);
  }
  while (server.LoadedFlows() < 0 && floe::bench::MsSince(server.started()) < 5000)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (server.LoadedFlows() != flows) {
    std::fprintf(stderr, "the server loaded %d flows, not %d; its output:\n%s\n", server.LoadedFlows(), flows,
                 server.Output().c_str());
    std::exit(1);
  }
  double cpu_before = CpuMs(server.pid());
  std::this_thread::sleep_for(std::chrono::duration<double>(idle_seconds));
  Idle idle{
      .rss = floe::bench::ProcStatusKiB(server.pid(), "VmRSS"),
      .hwm = floe::bench::ProcStatusKiB(server.pid(), "VmHWM"),
      .anon = floe::bench::ProcStatusKiB(server.pid(), "RssAnon"),
      .file = floe::bench::ProcStatusKiB(server.pid(), "RssFile"),
      .threads = floe::bench::ProcStatusKiB(server.pid(), "Threads"),
      .cpu_ms = CpuMs(server.pid()) - cpu_before,
  };
  std::string output = server.Output();
  if (output.find("error") != std::string::npos)
    std::fprintf(stderr, "note: the server printed an error:\n%s\n", output.c_str());
  return idle;
}

// RSS of an idle `sleep`.
long SleepRssKiB() {
  pid_t pid = fork();
  if (pid == 0) {
    execlp("sleep", "sleep", "30", nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  long rss = floe::bench::ProcStatusKiB(pid, "VmRSS");
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return rss;
}

double MiB(long kib) { return static_cast<double>(kib) / 1024.0; }

void Print(const char* what, const Idle& i, double idle_seconds) {
  std::printf(
      "  %-32s VmRSS %6.1f MiB (anon %5.1f, file %5.1f)  VmHWM %6.1f MiB  %2ld threads  CPU %.0f ms in %.0f s\n", what,
      MiB(i.rss), MiB(i.anon), MiB(i.file), MiB(i.hwm), i.threads, i.cpu_ms, idle_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  double idle_seconds = argc > 1 ? std::atof(argv[1]) : 2;
  long version_peak = 0;
  floe::bench::RunToExit({floe::bench::FloeBinary().string(), "version"}, &version_peak);
  long sleep_rss = SleepRssKiB();
  Idle empty = MeasureServer(0, idle_seconds);
  Idle hundred = MeasureServer(100, idle_seconds);

  std::printf("floe server idle memory, after healthy + %.0f s idle:\n", idle_seconds);
  std::printf("  %-32s VmRSS %6.1f MiB\n", "sleep (a minimal process)", MiB(sleep_rss));
  std::printf("  %-32s peak  %6.1f MiB\n", "floe version (to exit)", MiB(version_peak));
  Print("floe server, empty flows folder", empty, idle_seconds);
  Print("floe server, 100 flows", hundred, idle_seconds);
  std::printf("  100 flows cost %.1f MiB of RSS over the empty server (%.2fx); %.2fx floe version's peak\n",
              MiB(hundred.rss - empty.rss), static_cast<double>(hundred.rss) / static_cast<double>(empty.rss),
              static_cast<double>(hundred.rss) / static_cast<double>(version_peak));
  std::printf("goal: idle VmRSS with 100 flows under 40 MB (%.1f MB): %s; Kestra standalone idles near 1 GB (quoted)\n",
              static_cast<double>(hundred.rss) * 1024 / 1e6,
              static_cast<double>(hundred.rss) * 1024 < 40e6 ? "PASS" : "FAIL");
  return 0;
}
