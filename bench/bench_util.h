// Small helpers shared by the benchmarks: timing and a scratch floe home.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "flow/flow.h"

namespace floe::bench {

// Median wall time of `reps` calls, in milliseconds.
double MedianMs(int reps, const std::function<void()>& fn);

// An executor over a fresh SQLite store and storage in a temporary folder,
// removed on destruction.
class ScratchFloe {
 public:
  ScratchFloe();
  ~ScratchFloe();
  const std::filesystem::path& dir() const { return dir_; }
  // Parses `yaml` (exits on errors) and runs it; exits unless it succeeds.
  void Run(const flow::Flow& flow);
  flow::Flow Parse(const std::string& yaml);

 private:
  std::filesystem::path dir_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<storage::InternalStorage> storage_;
  std::unique_ptr<exec::Executor> executor_;
};

}  // namespace floe::bench
