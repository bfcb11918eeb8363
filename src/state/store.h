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
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "state/model.h"

namespace floe::state {

// Which log lines PurgeLogs deletes: of the executions of a namespace (and
// the namespaces under it) or of one flow, at the given levels (all when
// empty), written in [start, end).
struct LogPurge {
  std::string execution_id;  // empty: any
  std::string namespace_;    // empty: any
  std::string flow_id;       // empty: any
  std::vector<LogLevel> levels;
  std::optional<Timestamp> start, end;
};

// Which executions PurgeExecutions deletes: ended ones only (never one that
// may still run) of a namespace and the namespaces under it (only that
// namespace when a flow is named) or of a flow, in the given states (any
// ended state when empty), started in [start, end).
struct ExecutionPurge {
  std::vector<std::string> ids;  // only these executions; empty: any
  std::string namespace_;        // empty: any
  std::string flow_id;           // empty: any
  std::vector<State> states;
  std::optional<Timestamp> start, end;
  bool executions = true;  // the executions with their task runs and histories
  bool logs = true;        // their log lines
  // Whether a live process still has the execution (its afterExecution
  // tasks, a retry's wait): such an execution is kept. Unset: none has.
  std::function<bool(const std::string& execution_id)> in_use;
};

struct PurgedExecutions {
  std::vector<Execution> executions;  // id, namespace and flow of each one matched
  int64_t logs = 0;                   // log lines deleted
};

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
  // Records where a task run's log lines went (its logToFile file's URI).
  virtual Status SetTaskRunLogFile(const std::string& id, const std::string& uri) = 0;
  // Moves the execution to RUNNING if fewer than `limit` executions of its
  // flow are RUNNING (atomically: concurrent callers cannot both pass);
  // returns whether it did.
  virtual Result<bool> StartIfBelowLimit(const std::string& id, int limit, Timestamp at) = 0;
  // Records a kill request (KILLING) unless the execution already ended;
  // returns whether it was recorded.
  virtual Result<bool> RequestKill(const std::string& id, Timestamp at) = 0;
  // Records a pause asked of a RUNNING execution (PAUSED: the process
  // running it starts no more tasks); returns whether it was recorded.
  virtual Result<bool> RequestPause(const std::string& id, Timestamp at) = 0;
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
  // Assigns seq numbers in order, and sets each entry's seq to its own.
  virtual Status AppendLogs(std::span<LogEntry> entries) = 0;

  // Just the state, cheaply (a running executor polls it for kill requests).
  virtual Result<State> GetExecutionState(const std::string& id) = 0;
  // The execution with its task runs and histories. NotFound if absent.
  virtual Result<Execution> GetExecution(const std::string& id) = 0;
  // The full id for a unique prefix (as `git` does); NotFound or
  // InvalidArgument (ambiguous) otherwise.
  virtual Result<std::string> ResolveExecutionId(const std::string& prefix) = 0;
  // Newest (by creation time) first; task runs are not filled.
  virtual Result<std::vector<Execution>> ListExecutions(const ExecutionFilter& filter) = 0;
  // Executions or task runs per day, namespace, flow and state.
  virtual Result<std::vector<DailyCount>> CountDaily(const DailyCountQuery& query) = 0;
  // How many executions the filter selects (its offset and limit aside).
  virtual Result<int64_t> CountExecutions(const ExecutionFilter& filter) = 0;
  // The log lines the query selects, oldest first, and how many it selects
  // in all (its offset and limit aside) when `total` is given.
  virtual Result<std::vector<LogEntry>> QueryLogs(const LogQuery& query, int64_t* total = nullptr) = 0;
  // Log lines of an execution with seq > after_seq, oldest first; only
  // those at `level` when it is given (errorLogs() asks for ERROR lines).
  virtual Result<std::vector<LogEntry>> GetLogs(const std::string& execution_id, int64_t after_seq, int limit = 10000,
                                                std::optional<LogLevel> level = std::nullopt) = 0;
  // Deletes the log lines the filter selects; returns how many.
  virtual Result<int64_t> PurgeLogs(const LogPurge& filter) = 0;
  // Deletes the executions (and/or their log lines) `filter` matches, in one
  // transaction; returns which ones matched.
  virtual Result<PurgedExecutions> PurgeExecutions(const ExecutionPurge& filter) = 0;

  // Flow revisions: every version of a flow's source the server saved.
  // Records `source` as the flow's next revision unless it equals the latest
  // one; returns the flow's latest revision number after that (1 for a new
  // flow). A flow deleted earlier starts again after its deleted revision.
  virtual Result<int> RecordFlowRevision(const std::string& ns, const std::string& flow_id, const std::string& source,
                                         Timestamp at) = 0;
  // Records the flow's removal as a revision marked deleted (its source is
  // the last one); does nothing when the flow has no revision or is deleted.
  virtual Status RecordFlowDeleted(const std::string& ns, const std::string& flow_id, Timestamp at) = 0;
  // Every revision of the flow, oldest first.
  virtual Result<std::vector<FlowRevision>> ListFlowRevisions(const std::string& ns, const std::string& flow_id) = 0;

  // Triggers. Two servers may share one store: a trigger is evaluated only
  // under its lease, and every write of an evaluation's result checks the
  // lease in the same transaction, so one schedule date never fires twice:
  //
  //   ASSIGN_OR_RETURN(std::optional<Trigger> t, store.AcquireTriggerLease(key, me, now, now + 30s));
  //   if (!t) return Status::Ok();  // another server holds it
  //   TriggerFiring firing = Decide(*t);  // next date, executions to start
  //   Status s = store.RecordTriggerFiring(key, me, firing);
  //   if (s.code() == StatusCode::kFailedPrecondition) ...  // lost the lease: nothing was written
  //
  // Times are always passed in (`now`), never read from a clock.

  // Records the trigger as loaded from its flow: creates the row (enabled,
  // free, no dates) if absent, else updates only its type, keeping the
  // runtime fields (enabled, dates, state, lease). Returns the row.
  virtual Result<Trigger> UpsertTrigger(const TriggerKey& key, std::string_view type, Timestamp now) = 0;
  // nullopt when the trigger has no row.
  virtual Result<std::optional<Trigger>> GetTrigger(const TriggerKey& key) = 0;
  // By namespace, flow id, trigger id.
  virtual Result<std::vector<Trigger>> ListTriggers(const TriggerFilter& filter) = 0;
  // Forgets the trigger and its backfill (its flow or the trigger was
  // removed); returns whether it existed.
  virtual Result<bool> DeleteTrigger(const TriggerKey& key) = 0;
  // `floe triggers enable|disable`. NotFound if the trigger has no row.
  virtual Status SetTriggerEnabled(const TriggerKey& key, bool enabled, Timestamp now) = 0;
  // `floe triggers unlock`: frees the lease whoever holds it, so a firing
  // its holder has not recorded yet will be refused. Returns whether a lease
  // was held; NotFound if the trigger has no row.
  virtual Result<bool> UnlockTrigger(const TriggerKey& key) = 0;

  // Takes the trigger's lease for `owner` until `until` if it is free,
  // expired (lease_until <= now) or already owner's (then it is extended),
  // in one IMMEDIATE transaction, and returns the row as of then; nullopt
  // when another owner holds it. NotFound if the trigger has no row.
  virtual Result<std::optional<Trigger>> AcquireTriggerLease(const TriggerKey& key, std::string_view owner,
                                                             Timestamp now, Timestamp until) = 0;
  // Writes `firing` (and creates its executions) if `owner` still holds the
  // lease: FailedPrecondition, writing nothing, if it was taken over or
  // unlocked meanwhile. A lease that expired but that nobody took is still
  // owner's: no one else can have fired in between. AlreadyExists (nothing
  // written) if an execution id is taken.
  virtual Status RecordTriggerFiring(const TriggerKey& key, std::string_view owner, const TriggerFiring& firing) = 0;
  // Frees every lease `owner` holds (graceful shutdown); returns how many.
  virtual Result<int> ReleaseTriggerLeases(std::string_view owner) = 0;

  // What a polling trigger keeps between polls (JSON), per flow and trigger;
  // nullopt before its first poll. These read and write the trigger's row
  // without a lease (for `floe triggers poll`, one process); a server
  // records state with RecordTriggerFiring.
  virtual Result<std::optional<std::string>> GetTriggerState(const std::string& ns, const std::string& flow_id,
                                                             const std::string& trigger_id) = 0;
  // Creates the row if absent; sets state and evaluated_at.
  virtual Status PutTriggerState(const std::string& ns, const std::string& flow_id, const std::string& trigger_id,
                                 const std::string& state_json, Timestamp at) = 0;

  // Backfills, one per trigger at most while not DONE. Creates it RUNNING
  // with current = start (the given status and current are ignored);
  // replaces a DONE one. NotFound if the trigger has no row, AlreadyExists
  // if it has a RUNNING or PAUSED backfill, InvalidArgument if end < start.
  virtual Status CreateBackfill(const Backfill& backfill) = 0;
  virtual Result<std::optional<Backfill>> GetBackfill(const TriggerKey& key) = 0;
  // By namespace, flow id, trigger id.
  virtual Result<std::vector<Backfill>> ListBackfills(const TriggerFilter& filter) = 0;
  // Moves the backfill's current date forward to `current` and creates
  // `executions` (those of the dates passed over), if `owner` holds the
  // trigger's lease and the backfill is RUNNING; it becomes DONE once
  // current > end. FailedPrecondition, writing nothing, otherwise (lease
  // lost, paused, done); NotFound if there is no backfill. A restarted
  // server resumes from the stored current date.
  virtual Status AdvanceBackfill(const TriggerKey& key, std::string_view owner, Timestamp current,
                                 std::span<const Execution> executions) = 0;
  // Pauses or resumes a RUNNING/PAUSED backfill; FailedPrecondition if it
  // is DONE, NotFound if there is none.
  virtual Status SetBackfillPaused(const TriggerKey& key, bool paused) = 0;
  // Returns whether there was one.
  virtual Result<bool> DeleteBackfill(const TriggerKey& key) = 0;

  // The namespace key-value store (Kestra's KV). Expired entries read as
  // absent. KvDelete returns whether the key existed.
  virtual Status KvPut(const KvEntry& entry) = 0;
  virtual Result<std::optional<KvEntry>> KvGet(const std::string& ns, const std::string& key, Timestamp now) = 0;
  virtual Result<bool> KvDelete(const std::string& ns, const std::string& key) = 0;
  // Live entries whose key starts with `prefix`, by key.
  virtual Result<std::vector<KvEntry>> KvList(const std::string& ns, const std::string& prefix, Timestamp now) = 0;

  // SQL model builds (`floe models --skip-unchanged`): per scope (a project,
  // target and database), each node's fingerprint at its last successful build.
  virtual Result<std::map<std::string, std::string>> GetModelFingerprints(const std::string& scope) = 0;
  // Upserts these nodes' fingerprints, in one transaction; others are kept.
  virtual Status PutModelFingerprints(const std::string& scope,
                                      std::span<const std::pair<std::string, std::string>> fingerprints,
                                      Timestamp at) = 0;
};

// Opens (creating if needed) a SQLite store at `path` in WAL mode. Parent
// folders are created.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

}  // namespace floe::state
