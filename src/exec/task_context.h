// The TaskContext the executor gives each task run. Internal to exec.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "exec/flow_render_host.h"
#include "flow/flow.h"
#include "flow/task.h"
#include "state/store.h"
#include "storage/internal_storage.h"
#include "storage/object_stores.h"
#include "tmpl/value.h"

namespace floe::exec {

// What a task context reaches beyond its own task run: shared by every task
// run of an execution.
struct ExecutionServices {
  const storage::InternalStorage* storage = nullptr;
  storage::ObjectStores* object_stores = nullptr;
  const FlowRenderHost* host = nullptr;
  std::shared_mutex* context_mu = nullptr;  // held (shared) while rendering
  flow::KvStore* kv = nullptr;
  std::string namespace_;
  std::string flow_id;
  std::filesystem::path namespace_files;  // this namespace's files
  std::filesystem::path flows_dir;        // the flows folder (ExecutorSettings::flows_dir)
  std::filesystem::path namespace_files_root;
  const flow::TaskRegistry* registry = nullptr;
  flow::LakeSettings lake;                 // the Iceberg catalog and warehouse
  tmpl::Value pins;                        // a replay's {taskId: {table: snapshotId}} (Execution::pins_json)
  const LocalFileAccess* files = nullptr;  // the local files tasks may read
  std::function<Status(const std::vector<std::pair<std::string, std::string>>&)> set_labels;
  std::function<Result<tmpl::Value>(const std::string&)> logs;  // an execution's log lines
  state::Store* store = nullptr;  // execution.Count, execution.PurgeExecutions, log.PurgeLogs
  std::function<Status(const std::string&, const std::string&, const std::string&,
                       const std::map<std::string, tmpl::Value>&)>
      resume;  // execution.Resume (ExecutionEnv::resume)
  // Whether a live process holds an execution (its lock): never purged.
  std::function<bool(const std::string&)> execution_in_use;
  std::string execution_id;
  std::string storage_prefix;           // the execution's files' key prefix in storage
  const Clock* clock = &SystemClock();  // Sleep, Pause delays, waits between rounds
  std::function<Status(const std::string& ns, const std::string& flow_id, const std::string& trigger_id, bool)>
      set_trigger_enabled;
  // Record and drop a task run's process groups (in the store).
  std::function<Status(const std::string& task_run_id, const ProcessGroup&)> process_group_started;
  std::function<void(const std::string& task_run_id, const ProcessGroup&)> process_group_ended;
};

class RunTaskContext final : public flow::TaskContext {
 public:
  using LogFn = std::function<void(LogLevel, std::string_view)>;

  // `variables` is the template context (a map); the context adds
  // task-specific names (workingDir, ...) to its own copy. `scratch` is the
  // run's own working folder (removed after the run) unless `shared_workdir`
  // is set (a WorkingDirectory's folder, kept for its next child).
  RunTaskContext(const flow::TaskSpec& spec, tmpl::Value variables, const ExecutionServices& services,
                 std::string storage_prefix, std::filesystem::path scratch,
                 std::optional<std::filesystem::path> shared_workdir, LogFn log);
  ~RunTaskContext() override;

  Result<std::optional<tmpl::Value>> Property(std::string_view name) override;
  Result<std::optional<tmpl::Value>> PropertyWith(std::string_view name, const tmpl::Value& extra) override;
  Result<bool> DeleteStorageFile(std::string_view uri) override;
  Result<std::vector<std::string>> PurgeExecutionFiles() override;
  Status PropertyError(std::string_view name, std::string message) const override;
  void Log(LogLevel level, std::string_view message) override { log_(level, message); }
  Result<std::filesystem::path> WorkingDirectory() override;
  Result<std::string> StoreFile(const std::filesystem::path& local, std::string_view name) override;
  Result<std::filesystem::path> ResolveFile(std::string_view uri) override;
  Result<std::pair<std::filesystem::path, std::string>> NewStorageFile(std::string_view name) override;
  void AddVariable(std::string name, tmpl::Value value) override;
  const std::string& FlowNamespace() const override { return services_.namespace_; }
  const std::string& FlowId() const override { return services_.flow_id; }
  std::optional<std::string> TaskRunValue() const override;
  Status SetTriggerEnabled(const std::string& ns, const std::string& flow_id, const std::string& trigger_id,
                           bool enabled) override {
    return services_.set_trigger_enabled(ns, flow_id, trigger_id, enabled);
  }
  std::filesystem::path NamespaceFilesDir() const override { return services_.namespace_files; }
  std::filesystem::path FlowsDir() const override { return services_.flows_dir; }
  std::filesystem::path NamespaceFilesRoot() const override { return services_.namespace_files_root; }
  const flow::TaskRegistry& Registry() const override { return *services_.registry; }
  flow::KvStore& Kv() override { return *services_.kv; }
  const flow::LakeSettings& Lake() const override { return lake_; }
  // Replaces the template variables (a LoopUntil's condition sees each
  // round's outputs).
  void ResetVariables(tmpl::Value variables);
  Result<tmpl::Value> ExecutionLogs(const std::string& execution_id) override {
    return services_.logs(execution_id.empty() ? services_.execution_id : execution_id);
  }
  const std::string& ExecutionId() const override { return services_.execution_id; }
  Result<std::vector<flow::ExecutionSummary>> Executions(const std::string& ns, const std::string& flow_id) override;
  Result<int64_t> PurgeLogs(const flow::LogPurgeRequest& request) override;
  Result<flow::ExecutionPurgeCounts> PurgeExecutions(const flow::ExecutionPurgeRequest& request) override;
  Status ResumeExecution(const std::string& execution_id, const std::string& ns, const std::string& flow_id,
                         const std::map<std::string, tmpl::Value>& inputs) override;
  Status SetExecutionLabels(const std::vector<std::pair<std::string, std::string>>& labels) override {
    return services_.set_labels(labels);
  }
  bool Cancelled() const override { return cancelled_.load(); }
  bool WaitFor(std::chrono::milliseconds d) override;
  void SetInterrupt(std::function<void()> interrupt) override;
  Status ProcessGroupStarted(const ProcessGroup& group) override;
  void ProcessGroupEnded(const ProcessGroup& group) override;
  // The task run whose process groups this context records (none: a
  // trigger's poll, which has no task run; its groups are not recorded).
  void set_task_run_id(std::string id) { task_run_id_ = std::move(id); }

  // Moves the files written through NewStorageFile into the execution's
  // storage; called once the task succeeded, before its outputs are kept.
  Status CommitStorageFiles();

  // Asks the task to stop: Cancelled() turns true, WaitFor returns, the
  // registered interrupt runs. Thread-safe.
  void Cancel();

 private:
  const flow::YamlNode::Entry* FindEntry(std::string_view name) const;
  Result<std::optional<tmpl::Value>> RenderProperty(std::string_view name, const tmpl::Value& variables);

  const flow::TaskSpec& spec_;
  tmpl::Value variables_;
  const ExecutionServices& services_;
  flow::LakeSettings lake_;  // services_.lake with this task's replay pins
  std::string storage_prefix_;
  std::filesystem::path scratch_;
  // Files tasks write for storage and files downloaded for them; removed
  // with the context.
  std::filesystem::path staging_;
  std::vector<std::pair<std::filesystem::path, std::string>> pending_;  // local file, storage key
  int downloads_ = 0;
  std::optional<std::filesystem::path> working_directory_;
  bool owns_working_directory_ = true;
  LogFn log_;
  std::string task_run_id_;
  std::atomic<bool> cancelled_{false};
  std::mutex cancel_mu_;
  std::condition_variable cancel_cv_;
  std::function<void()> interrupt_;  // guarded by cancel_mu_
};

using flow::RenderNode;

}  // namespace floe::exec
