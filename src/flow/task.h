// The contract between a task implementation and the executor that runs it.
//
// A Task is created per task run from its TaskType's factory. Run() reads its
// properties (rendered with the execution's variables) through the
// TaskContext, does its work, and returns its outputs as a map.
//
//   class LogTask : public Task {
//     Result<tmpl::Value> Run(TaskContext& ctx) override {
//       ASSIGN_OR_RETURN(std::string message, ctx.RequiredString("message"));
//       ctx.Log(LogLevel::kInfo, message);
//       return tmpl::Value(tmpl::ValueMap{});
//     }
//   };
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/process_group.h"
#include "core/status.h"
#include "core/time.h"
#include "tmpl/value.h"

namespace floe::flow {

class TaskRegistry;

// The namespace key-value store as tasks see it (Kestra's KV store). Values
// keep their JSON type; a TTL makes an entry expire.
class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual Status Put(const std::string& ns, const std::string& key, const tmpl::Value& value,
                     std::optional<std::chrono::milliseconds> ttl) = 0;
  // nullopt when absent or expired.
  virtual Result<std::optional<tmpl::Value>> Get(const std::string& ns, const std::string& key) = 0;
  // Whether the key existed.
  virtual Result<bool> Delete(const std::string& ns, const std::string& key) = 0;
  virtual Result<std::vector<std::string>> Keys(const std::string& ns, const std::string& prefix) = 0;
};

// Where the lakehouse's Iceberg tables live: the SQL catalog (a SQLite
// database) and the warehouse folder (or s3:// prefix) new tables go under.
struct LakeSettings {
  std::filesystem::path catalog;
  std::string warehouse;
  // A replayed task's tables and the snapshots it read the first time
  // (iceberg_scan reads those unless the query names a snapshot itself).
  std::map<std::string, int64_t> pinned;
};

// An execution as execution.Count sees it.
struct ExecutionSummary {
  std::string id, namespace_, flow_id, state;
  Timestamp created;
};

// Which log lines log.PurgeLogs deletes (see state::LogPurge).
struct LogPurgeRequest {
  std::string namespace_, flow_id;  // empty: any
  std::vector<LogLevel> levels;     // empty: all
  std::optional<Timestamp> start, end;
};

// Which executions execution.PurgeExecutions deletes (see state::ExecutionPurge).
struct ExecutionPurgeRequest {
  std::string namespace_, flow_id;  // empty: any
  std::vector<std::string> states;  // state names; empty: any ended state
  std::optional<Timestamp> start, end;
  bool executions = true, logs = true, storage = true;
};

struct ExecutionPurgeCounts {
  int64_t executions = 0, logs = 0, storage_files = 0;
};

// What a running task can do. Implemented by the executor; every method
// reports errors with the task id and the property's place in the flow file.
class TaskContext {
 public:
  virtual ~TaskContext() = default;

  // The property rendered with the execution's variables; nullopt when the
  // flow does not set it.
  virtual Result<std::optional<tmpl::Value>> Property(std::string_view name) = 0;
  // The property rendered with `extra` (a map) on top of the execution's
  // variables: a per-item expression (storage.FilterItems' filterCondition
  // sees each item's fields).
  virtual Result<std::optional<tmpl::Value>> PropertyWith(std::string_view name, const tmpl::Value& extra) = 0;
  // An error about property `name`, positioned at it in the flow file.
  virtual Status PropertyError(std::string_view name, std::string message) const = 0;
  // A task log line, stored with the task run (and masked of secrets).
  virtual void Log(LogLevel level, std::string_view message) = 0;
  // A folder private to this task run, created on first use and removed
  // after the run.
  virtual Result<std::filesystem::path> WorkingDirectory() = 0;
  // Copies a local file into the execution's storage; returns its URI.
  virtual Result<std::string> StoreFile(const std::filesystem::path& local, std::string_view name) = 0;
  // A local path for reading a URI: floe:// (the execution's storage),
  // s3:// (downloaded for this run), file:// or a plain path. Read only.
  virtual Result<std::filesystem::path> ResolveFile(std::string_view uri) = 0;
  // A local path for a file this task is about to write for the execution's
  // storage (e.g. a query result), and the URI naming it: it is stored when
  // the task succeeds.
  virtual Result<std::pair<std::filesystem::path, std::string>> NewStorageFile(std::string_view name) = 0;
  // Deletes a file of this execution's storage; false when there was none.
  // Files of other executions are refused.
  virtual Result<bool> DeleteStorageFile(std::string_view uri) = 0;
  // Deletes every file of this execution's storage; returns their URIs.
  virtual Result<std::vector<std::string>> PurgeExecutionFiles() = 0;
  // Makes `name` visible to this task's templates rendered after the call
  // (e.g. {{ workingDir }}, {{ outputFiles.out }}).
  virtual void AddVariable(std::string name, tmpl::Value value) = 0;

  // The flow's namespace, its files' folder, and the KV store of namespaces.
  virtual const std::string& FlowNamespace() const = 0;
  virtual std::filesystem::path NamespaceFilesDir() const = 0;
  // Where flows and every namespace's files live (git.SyncFlows,
  // git.SyncNamespaceFiles): the flows folder and <it>/_files. Empty when
  // the executor has none.
  virtual std::filesystem::path FlowsDir() const = 0;
  virtual std::filesystem::path NamespaceFilesRoot() const = 0;
  // The task types flows may use (to check flows a task writes).
  virtual const TaskRegistry& Registry() const = 0;
  virtual KvStore& Kv() = 0;
  // The Iceberg catalog and warehouse (iceberg.* tasks, iceberg_scan).
  virtual const LakeSettings& Lake() const = 0;
  // The log lines of an execution (this one when `execution_id` is empty), as
  // {timestamp, level, taskId, message} maps, oldest first.
  virtual Result<tmpl::Value> ExecutionLogs(const std::string& execution_id) = 0;
  // The running execution's id.
  virtual const std::string& ExecutionId() const = 0;
  // The executions of a flow (newest first); execution.Count.
  virtual Result<std::vector<ExecutionSummary>> Executions(const std::string& ns, const std::string& flow_id) = 0;
  // Deletes log lines; returns how many. log.PurgeLogs.
  virtual Result<int64_t> PurgeLogs(const LogPurgeRequest& request) = 0;
  // Deletes ended executions, their logs and their files. execution.PurgeExecutions.
  virtual Result<ExecutionPurgeCounts> PurgeExecutions(const ExecutionPurgeRequest& request) = 0;
  // Resumes a PAUSED execution of flow `ns`.`flow_id` with its onResume
  // `inputs`; it goes on in the background. execution.Resume.
  virtual Status ResumeExecution(const std::string& execution_id, const std::string& ns, const std::string& flow_id,
                                 const std::map<std::string, tmpl::Value>& inputs) = 0;
  // Adds (or replaces) labels of the running execution.
  virtual Status SetExecutionLabels(const std::vector<std::pair<std::string, std::string>>& labels) = 0;
  // The running flow's id.
  virtual const std::string& FlowId() const = 0;
  // {{ taskrun.value }}: the ForEach value this run is for, if any.
  virtual std::optional<std::string> TaskRunValue() const = 0;
  // Enables or disables a flow's trigger (as `floe triggers enable|disable`
  // does). NotFound when no server or poll has loaded that trigger yet.
  virtual Status SetTriggerEnabled(const std::string& ns, const std::string& flow_id, const std::string& trigger_id,
                                   bool enabled) = 0;

  // Cancellation (a task's timeout, or a kill). Cancelled() turns true
  // once; WaitFor sleeps up to `d` and returns false if cancelled first.
  // SetInterrupt registers how to stop work in progress (a running query);
  // it may be called from another thread, and is cleared with nullptr
  // before what it refers to goes away.
  virtual bool Cancelled() const = 0;
  virtual bool WaitFor(std::chrono::milliseconds d) = 0;
  virtual void SetInterrupt(std::function<void()> interrupt) = 0;

  // Local processes. A task that starts processes puts them in a process
  // group of their own and reports it here before they do any work (an
  // error: it could not be recorded, and the task must not run them), then
  // reports its end once none of its processes is left. The executor
  // records the group with the task run, so a kill or a crash recovery in
  // another floe process can stop what is left of it.
  virtual Status ProcessGroupStarted(const ProcessGroup& group) = 0;
  virtual void ProcessGroupEnded(const ProcessGroup& group) = 0;

  // Typed property helpers: a missing required property, or one of the wrong
  // type, is a PropertyError.
  Result<std::string> RequiredString(std::string_view name);
  Result<std::optional<std::string>> OptionalString(std::string_view name);
  Result<std::string> StringOr(std::string_view name, std::string fallback);
  Result<bool> BoolOr(std::string_view name, bool fallback);
  // A whole number, or text of one.
  Result<int64_t> IntOr(std::string_view name, int64_t fallback);
  Result<std::optional<tmpl::Value>> OptionalMap(std::string_view name);
};

// Whether a rendered condition (runIf, a Fail task's condition) holds: the
// value's truthiness, with the text "false" and "0" false too, since a
// template that renders a boolean into a string gives exactly those.
bool ConditionHolds(const tmpl::Value& v);

class Task {
 public:
  virtual ~Task() = default;
  // Returns the task's outputs (a map). Errors fail the task run.
  virtual Result<tmpl::Value> Run(TaskContext& ctx) = 0;
};

// A polling trigger (s3.Trigger, ...): asked every `interval` whether there
// is something to start an execution for. Its context is a task context
// over the trigger's properties, for the execution it may start.
class PollingTrigger {
 public:
  virtual ~PollingTrigger() = default;
  // The new execution's `trigger` variables (a map), or nullopt when there
  // is nothing new. `state` holds what this trigger kept at its last poll
  // (null before the first); what it holds after a poll is kept for the next.
  virtual Result<std::optional<tmpl::Value>> Poll(TaskContext& ctx, tmpl::Value& state) = 0;
};

}  // namespace floe::flow
