// Durable per-task overhead: a flow of N core.Log tasks against a flow of one,
// both through the real executor and an on-disk SQLite store (WAL). Each task
// run costs a task-run row, three state transitions and a log line, each in
// its own transaction.
//
//   build/default/bench/bench_task_overhead [tasks=200] [reps=7]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.h"

namespace {

std::string LogFlow(int tasks) {
  std::string yaml = "id: overhead\nnamespace: bench\ntasks:\n";
  for (int i = 0; i < tasks; ++i) {
    yaml += "  - id: t" + std::to_string(i) +
            "\n    type: core.Log\n    message: \"task {{ task.id }} of {{ flow.id }}\"\n";
  }
  return yaml;
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = argc > 1 ? std::atoi(argv[1]) : 200;
  int reps = argc > 2 ? std::atoi(argv[2]) : 7;
  floe::bench::ScratchFloe floe;
  floe::flow::Flow many = floe.Parse(LogFlow(tasks));
  floe::flow::Flow one = floe.Parse(LogFlow(1));
  floe.Run(one);  // warm up: schema, page cache
  double one_ms = floe::bench::MedianMs(reps, [&] { floe.Run(one); });
  double many_ms = floe::bench::MedianMs(reps, [&] { floe.Run(many); });
  double per_task = (many_ms - one_ms) / (tasks - 1);
  std::printf("flow of 1 core.Log task:    %8.2f ms (median of %d)\n", one_ms, reps);
  std::printf("flow of %d core.Log tasks: %8.2f ms (median of %d)\n", tasks, many_ms, reps);
  std::printf("ratio %d-task / 1-task:     %8.1fx\n", tasks, many_ms / one_ms);
  std::printf("durable per-task overhead:  %8.3f ms (target < 1 ms): %s\n", per_task, per_task < 1.0 ? "PASS" : "FAIL");
  return 0;
}
