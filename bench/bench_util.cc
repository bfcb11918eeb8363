#include "bench_util.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/id.h"
#include "runtime/home.h"
#include "storage/local_store.h"

namespace floe::bench {

double MedianMs(int reps, const std::function<void()>& fn) {
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

ScratchFloe::ScratchFloe() {
  dir_ = std::filesystem::temp_directory_path() / ("floe_bench_" + NewId());
  auto store = state::OpenSqliteStore(dir_ / "floe.db");
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  store_ = std::move(*store);
  storage_ = std::make_unique<storage::InternalStorage>(std::make_shared<storage::LocalStore>(dir_ / "storage"), "");
  executor_ = std::make_unique<exec::Executor>(
      *store_, runtime::BuiltinRegistry(), *storage_,
      exec::ExecutorSettings{.lake = dir_ / "lake", .scratch = dir_ / "tmp", .locks = dir_ / "locks"});
}

ScratchFloe::~ScratchFloe() { std::filesystem::remove_all(dir_); }

flow::Flow ScratchFloe::Parse(const std::string& yaml) {
  flow::FlowParse p = flow::ParseFlow(yaml, "bench.yml", runtime::BuiltinRegistry());
  if (!p.errors.empty()) {
    std::fprintf(stderr, "%s\n", flow::CombineErrors(p.errors).ToString().c_str());
    std::exit(1);
  }
  return std::move(*p.flow);
}

void ScratchFloe::Run(const flow::Flow& flow) {
  auto id = executor_->Run(flow, {});
  if (!id.ok()) {
    std::fprintf(stderr, "%s\n", id.status().ToString().c_str());
    std::exit(1);
  }
  // Only the state: loading every task run would weigh on the memory
  // benchmark.
  auto state = store_->GetExecutionState(*id);
  if (!state.ok() || *state != state::State::kSuccess) {
    auto e = store_->GetExecution(*id);
    std::fprintf(stderr, "execution did not succeed: %s\n", e.ok() ? e->error.c_str() : e.status().ToString().c_str());
    std::exit(1);
  }
}

}  // namespace floe::bench
