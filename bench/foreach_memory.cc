// ForEach over many values in bounded memory: peak RSS after a ForEach of
// 1,000 values (the baseline) and after one of N, in the same process, and
// the time per iteration. Each iteration is a durable core.Return task run.
//
//   build/default/bench/bench_foreach_memory [values=100000]
#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "bench_util.h"

namespace {

std::string ForEachFlow(int values) {
  return "id: each\nnamespace: bench\ntasks:\n  - id: loop\n    type: flow.ForEach\n    values: \"{{ range(0, " +
         std::to_string(values) +
         ") }}\"\n    tasks:\n      - id: item\n        type: core.Return\n        format: \"v{{ taskrun.value }}\"\n";
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
  int values = argc > 1 ? std::atoi(argv[1]) : 100000;
  floe::bench::ScratchFloe floe;
  double start_rss = PeakRssMiB();
  floe::flow::Flow small = floe.Parse(ForEachFlow(1000));
  auto t0 = std::chrono::steady_clock::now();
  floe.Run(small);
  double small_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double small_rss = PeakRssMiB();
  floe::flow::Flow big = floe.Parse(ForEachFlow(values));
  std::atomic<bool> stop{false};
  std::atomic<size_t> max_heap{0};
  std::thread sampler([&] {
    while (!stop) {
      size_t h = mallinfo2().uordblks;
      if (h > max_heap) max_heap = h;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  t0 = std::chrono::steady_clock::now();
  floe.Run(big);
  double big_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double big_rss = PeakRssMiB();
  stop = true;
  sampler.join();
  std::printf("process start:            peak RSS %7.1f MiB\n", start_rss);
  std::printf("ForEach of 1,000 values:  peak RSS %7.1f MiB, %6.2f s (%.3f ms per iteration)\n", small_rss, small_s,
              small_s * 1000 / 1000);
  std::printf("ForEach of %d values: peak RSS %7.1f MiB, %6.2f s (%.3f ms per iteration)\n", values, big_rss, big_s,
              big_s * 1000 / values);
  std::printf("RSS growth per extra iteration: %.2f KiB; heap in use at most %.1f MiB during the big run\n",
              (big_rss - small_rss) * 1024 / (values - 1000), max_heap / 1048576.0);
  return 0;
}
