// Durable per-task overhead, against a flow of one task in the same run, both
// through the real executor and an on-disk SQLite store (WAL). Each task run
// costs a task-run row, three state transitions and a log line, each in its
// own transaction.
//   - sequential: a flow of N core.Log tasks
//   - parallel:   one Parallel of B branches, each a core.Log task
//
//   build/default/bench/bench_task_overhead [tasks=1000] [branches=200] [reps=5]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.h"

namespace {

std::string LogTask(const std::string& id, int indent) {
  std::string pad(indent, ' ');
  return pad + "- id: " + id + "\n" + pad + "  type: core.Log\n" + pad +
         "  message: \"task {{ task.id }} of {{ flow.id }}\"\n";
}

std::string SequentialFlow(int tasks) {
  std::string yaml = "id: overhead\nnamespace: bench\ntasks:\n";
  for (int i = 0; i < tasks; ++i) yaml += LogTask("t" + std::to_string(i), 2);
  return yaml;
}

std::string ParallelFlow(int branches) {
  std::string yaml = "id: fan\nnamespace: bench\ntasks:\n  - id: all\n    type: flow.Parallel\n    tasks:\n";
  for (int i = 0; i < branches; ++i) yaml += LogTask("b" + std::to_string(i), 6);
  return yaml;
}

double Report(const char* what, int n, double many_ms, double one_ms) {
  double per_task = (many_ms - one_ms) / (n - 1);
  std::printf("%-34s %9.2f ms  -> %.3f ms per task, %.1fx the 1-task flow (target < 1 ms: %s)\n", what, many_ms,
              per_task, many_ms / one_ms, per_task < 1.0 ? "PASS" : "FAIL");
  return per_task;
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = argc > 1 ? std::atoi(argv[1]) : 1000;
  int branches = argc > 2 ? std::atoi(argv[2]) : 200;
  int reps = argc > 3 ? std::atoi(argv[3]) : 5;
  floe::bench::ScratchFloe floe;
  floe::flow::Flow one = floe.Parse(SequentialFlow(1));
  floe::flow::Flow sequential = floe.Parse(SequentialFlow(tasks));
  floe::flow::Flow parallel = floe.Parse(ParallelFlow(branches));
  floe.Run(one);  // warm up: schema, page cache
  double one_ms = floe::bench::MedianMs(reps, [&] { floe.Run(one); });
  double seq_ms = floe::bench::MedianMs(reps, [&] { floe.Run(sequential); });
  double par_ms = floe::bench::MedianMs(reps, [&] { floe.Run(parallel); });
  std::printf("baseline: flow of 1 core.Log task  %9.2f ms (median of %d)\n", one_ms, reps);
  Report(("sequential, " + std::to_string(tasks) + " tasks").c_str(), tasks, seq_ms, one_ms);
  // The Parallel itself is one more task run.
  Report(("Parallel of " + std::to_string(branches) + " branches").c_str(), branches + 1, par_ms, one_ms);
  return 0;
}
