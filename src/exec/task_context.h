// The TaskContext the executor gives each task run. Internal to exec.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exec/flow_render_host.h"
#include "flow/flow.h"
#include "flow/task.h"
#include "storage/internal_storage.h"
#include "tmpl/value.h"

namespace floe::exec {

class RunTaskContext final : public flow::TaskContext {
 public:
  using LogFn = std::function<void(LogLevel, std::string_view)>;

  // `variables` is the template context (a map); the context adds
  // task-specific names (workingDir, ...) to its own copy.
  RunTaskContext(const flow::TaskSpec& spec, tmpl::Value variables, const storage::InternalStorage& storage,
                 std::string storage_prefix, std::filesystem::path scratch, LogFn log);
  ~RunTaskContext() override;

  Result<std::optional<tmpl::Value>> Property(std::string_view name) override;
  Status PropertyError(std::string_view name, std::string message) const override;
  void Log(LogLevel level, std::string_view message) override { log_(level, message); }
  Result<std::filesystem::path> WorkingDirectory() override;
  Result<std::string> StoreFile(const std::filesystem::path& local, std::string_view name) override;
  Result<std::filesystem::path> ResolveFile(std::string_view uri) override;
  Result<std::pair<std::filesystem::path, std::string>> NewStorageFile(std::string_view name) override;
  void AddVariable(std::string name, tmpl::Value value) override;
  bool Cancelled() const override { return cancelled_.load(); }
  bool WaitFor(std::chrono::milliseconds d) override;
  void SetInterrupt(std::function<void()> interrupt) override;

  // Asks the task to stop: Cancelled() turns true, WaitFor returns, the
  // registered interrupt runs. Thread-safe.
  void Cancel();

 private:
  const flow::YamlNode::Entry* FindEntry(std::string_view name) const;

  const flow::TaskSpec& spec_;
  tmpl::Value variables_;
  const storage::InternalStorage& storage_;
  std::string storage_prefix_;
  std::filesystem::path scratch_;
  std::optional<std::filesystem::path> working_directory_;
  LogFn log_;
  FlowRenderHost host_;
  std::atomic<bool> cancelled_{false};
  std::mutex cancel_mu_;
  std::condition_variable cancel_cv_;
  std::function<void()> interrupt_;  // guarded by cancel_mu_
};

// Renders a YAML property tree: templated scalars render against `variables`
// (a single {{ expr }} keeps its type), plain scalars take their YAML type.
Result<tmpl::Value> RenderNode(const flow::YamlNode& node, const tmpl::Value& variables,
                               const tmpl::RenderHost* host = nullptr);

}  // namespace floe::exec
