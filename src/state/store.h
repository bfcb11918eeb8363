// Store: the durable record of everything floe runs. Every state transition is
// written (in its own transaction) before it takes effect, so a process that
// dies at any point leaves a store that reopens cleanly and says what was
// unfinished.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenSqliteStore(".floe/floe.db"));
//   RETURN_IF_ERROR(store->CreateExecution(execution));
//   RETURN_IF_ERROR(store->TransitionExecution(execution.id, State::kRunning, now));
//
// Implementations are thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "state/model.h"

namespace floe::state {

struct TransitionDetails {
  std::optional<std::string> outputs_json;  // replace outputs when set
  std::optional<std::string> error;         // replace the error when set
};

class Store {
 public:
  virtual ~Store() = default;

  // Records a new execution in its first state. AlreadyExists if the id is taken.
  virtual Status CreateExecution(const Execution& execution) = 0;
  virtual Status TransitionExecution(const std::string& id, State state, Timestamp at,
                                     const TransitionDetails& details = {}) = 0;
  // Moves the execution to RUNNING if fewer than `limit` executions of its
  // flow are RUNNING (atomically: concurrent callers cannot both pass);
  // returns whether it did.
  virtual Result<bool> StartIfBelowLimit(const std::string& id, int limit, Timestamp at) = 0;
  // Records a kill request (KILLING) unless the execution already ended;
  // returns whether it was recorded.
  virtual Result<bool> RequestKill(const std::string& id, Timestamp at) = 0;
  // Replaces the execution's labels (execution.Labels tasks).
  virtual Status SetExecutionLabels(const std::string& id, const std::string& labels_json) = 0;
  virtual Status CreateTaskRun(const TaskRun& task_run) = 0;
  virtual Status TransitionTaskRun(const std::string& id, State state, Timestamp at,
                                   const TransitionDetails& details = {}) = 0;
  // Records a process group the task run's commands run in (before they
  // start), so another floe process can stop it if this one dies.
  // AlreadyExists if it is recorded for the run already.
  virtual Status AddProcessGroup(const std::string& task_run_id, const ProcessGroup& group) = 0;
  // Drops the record once none of the group's processes is left (absent:
  // nothing to do).
  virtual Status RemoveProcessGroup(const std::string& task_run_id, int pgid) = 0;
  // Assigns seq numbers in order.
  virtual Status AppendLogs(std::span<const LogEntry> entries) = 0;

  // Just the state, cheaply (a running executor polls it for kill requests).
  virtual Result<State> GetExecutionState(const std::string& id) = 0;
  // The execution with its task runs and histories. NotFound if absent.
  virtual Result<Execution> GetExecution(const std::string& id) = 0;
  // The full id for a unique prefix (as `git` does); NotFound or
  // InvalidArgument (ambiguous) otherwise.
  virtual Result<std::string> ResolveExecutionId(const std::string& prefix) = 0;
  // Newest first; task runs are not filled.
  virtual Result<std::vector<Execution>> ListExecutions(const ExecutionFilter& filter) = 0;
  // Log lines of an execution with seq > after_seq, oldest first.
  virtual Result<std::vector<LogEntry>> GetLogs(const std::string& execution_id, int64_t after_seq,
                                                int limit = 10000) = 0;

  // What a polling trigger keeps between polls (JSON), per flow and trigger;
  // nullopt before its first poll.
  virtual Result<std::optional<std::string>> GetTriggerState(const std::string& ns, const std::string& flow_id,
                                                             const std::string& trigger_id) = 0;
  virtual Status PutTriggerState(const std::string& ns, const std::string& flow_id, const std::string& trigger_id,
                                 const std::string& state_json, Timestamp at) = 0;

  // The namespace key-value store (Kestra's KV). Expired entries read as
  // absent. KvDelete returns whether the key existed.
  virtual Status KvPut(const KvEntry& entry) = 0;
  virtual Result<std::optional<KvEntry>> KvGet(const std::string& ns, const std::string& key, Timestamp now) = 0;
  virtual Result<bool> KvDelete(const std::string& ns, const std::string& key) = 0;
  // Live entries whose key starts with `prefix`, by key.
  virtual Result<std::vector<KvEntry>> KvList(const std::string& ns, const std::string& prefix, Timestamp now) = 0;
};

// Opens (creating if needed) a SQLite store at `path` in WAL mode. Parent
// folders are created.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

}  // namespace floe::state
