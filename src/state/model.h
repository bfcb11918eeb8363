// What the store keeps: executions, task runs, their state histories, logs,
// the namespace KV, and triggers with their leases and backfills. Values that are documents (inputs, outputs) are held
// as JSON text so this module depends on nothing above core.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "core/process_group.h"
#include "core/time.h"

namespace floe::state {

// Kestra's execution and task run states.
enum class State {
  kCreated,
  kQueued,
  kRunning,
  kPaused,
  kRetrying,
  kSuccess,
  kWarning,
  kFailed,
  kKilling,
  kKilled,
  kCancelled,
  kSkipped,
  // Kestra's retry with CREATE_NEW_EXECUTION: this execution (and the task
  // run that failed) stopped, and a new execution runs the flow again.
  kRetried,
  // A failed or killed execution asked to run again from its failed tasks,
  // before it does (then RUNNING).
  kRestarted,
};

std::string_view StateName(State s);  // "CREATED", ...
std::optional<State> ParseState(std::string_view name);
// SUCCESS, WARNING, FAILED, KILLED, CANCELLED, SKIPPED, RETRIED: nothing more happens.
bool IsTerminal(State s);

struct StateChange {
  State state;
  Timestamp at;
};

struct TaskRun {
  std::string id;
  std::string execution_id;
  std::string task_id;
  std::string task_type;
  int attempt = 1;
  State state = State::kCreated;
  std::string outputs_json = "{}";
  std::string error;  // why it failed, as shown to the user
  // Inside flowable tasks: the flowable's task run, and where in the flow
  // this run sits ("each[2]/inner" style path of enclosing iterations; empty
  // at the top). task_id + scope names a task run across attempts, restarts
  // and crash recovery.
  std::string parent_id;
  std::string scope;
  // The values of the enclosing ForEach iterations, outermost first, as a
  // JSON list: the last is {{ taskrun.value }}; all of them place the run's
  // outputs at outputs.<task>[v1][v2]...
  std::string loop_values_json = "[]";
  // With the task's logToFile: its log lines, as a file in execution storage
  // (a floe:// URI), instead of the store's log table.
  std::string log_file;
  std::vector<StateChange> history;
  // The process groups its commands run in, recorded before they start and
  // dropped once none of their processes is left: what a kill or a
  // recovery must stop when the process running the task has died.
  std::vector<ProcessGroup> process_groups;
};

struct Execution {
  std::string id;
  std::string namespace_;
  std::string flow_id;
  State state = State::kCreated;
  std::string inputs_json = "{}";
  std::string outputs_json = "{}";
  std::string labels_json = "{}";
  std::string trigger_json;  // the `trigger` variables of an execution a trigger started; empty otherwise
  std::string storage;       // where its files are (a folder's or bucket's URI); empty before schema 3
  // A replay's Iceberg snapshots, {taskId: {table: snapshotId}}: what the
  // replayed tasks read again (schema 8). Empty: the tables' current data.
  std::string pins_json;
  std::string flow_source;  // the flow's YAML as it ran
  std::string flow_path;
  std::string error;
  std::vector<StateChange> history;
  std::vector<TaskRun> task_runs;  // filled by GetExecution, in creation order

  Timestamp created() const { return history.empty() ? Timestamp{} : history.front().at; }
  std::optional<Timestamp> ended() const;
};

struct LogEntry {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string execution_id;
  std::string task_run_id;  // empty for execution-level lines
  std::string task_id;
  Timestamp at;
  LogLevel level = LogLevel::kInfo;
  std::string message;
};

struct KvEntry {
  std::string namespace_;
  std::string key;
  std::string value_json;
  Timestamp updated;
  std::optional<Timestamp> expires;  // none: never
};

// Which executions ListExecutions and CountExecutions select. Every field
// set narrows the selection.
struct ExecutionFilter {
  std::string namespace_;  // empty: any
  // Also the namespaces under namespace_ (Kestra's search does so).
  bool include_child_namespaces = false;
  std::string flow_id;  // empty: any
  std::optional<State> state;
  std::vector<State> states;                                // any of them; empty: any
  std::vector<std::pair<std::string, std::string>> labels;  // every one, key = value
  std::optional<Timestamp> start, end;                      // created in [start, end)
  // Text found in the id, the namespace or the flow id.
  std::string query;
  int offset = 0;  // rows skipped, for paging (newest first)
  int limit = 50;
};

// Which log lines QueryLogs selects, oldest first.
struct LogQuery {
  std::string execution_id;  // empty: any execution
  std::string namespace_;    // and the namespaces under it; empty: any
  std::string flow_id;       // empty: any
  std::string task_id;       // empty: any
  std::string task_run_id;   // empty: any
  std::optional<LogLevel> min_level;
  std::optional<Timestamp> start, end;  // written in [start, end)
  std::string query;                    // text the message contains
  int64_t after_seq = 0;
  int offset = 0;
  int limit = 10000;
};

// Executions (or task runs) counted per day, flow and state, for dashboards.
struct DailyCountQuery {
  std::string namespace_;  // and the namespaces under it; empty: any
  std::string flow_id;     // empty: any
  Timestamp start, end;    // created in [start, end)
  bool task_runs = false;  // count task runs instead of executions
};
struct DailyCount {
  std::string day;  // "2026-12-03", UTC
  std::string namespace_;
  std::string flow_id;
  State state = State::kCreated;
  int64_t count = 0;
  // From first to last state change, in milliseconds.
  int64_t duration_min_ms = 0, duration_max_ms = 0, duration_sum_ms = 0;
};

// One saved version of a flow's source (Kestra's flow revisions).
struct FlowRevision {
  std::string namespace_;
  std::string flow_id;
  int revision = 0;
  std::string source;
  Timestamp created;
  bool deleted = false;  // the revision that records the flow's removal
};

// Names one trigger of one flow.
struct TriggerKey {
  std::string namespace_;
  std::string flow_id;
  std::string trigger_id;

  bool operator==(const TriggerKey&) const = default;
};

// What the store keeps of a trigger between evaluations (Kestra's trigger
// context). A trigger has a row from when a server (or `floe triggers poll`)
// first loads it until DeleteTrigger.
struct Trigger {
  TriggerKey key;
  std::string type;                    // as the flow names it ("io.kestra.plugin.core.trigger.Schedule", ...)
  bool enabled = true;                 // `floe triggers disable` clears it; independent of the flow's `disabled:`
  std::optional<Timestamp> next_date;  // the next schedule date to fire; none before the first evaluation
  std::optional<Timestamp> last_date;  // the schedule date last fired
  std::string last_execution_id;       // the execution that firing started; empty before one
  std::optional<Timestamp> evaluated_at;
  std::optional<std::string> state_json;  // a polling trigger's JSON between polls; none before its first poll
  // The server instance evaluating it, until when; empty owner: free. A
  // lease whose lease_until has passed is free to take.
  std::string lease_owner;
  Timestamp lease_until;
  Timestamp updated;
};

// What one evaluation that fired (or only advanced) records, atomically with
// a lease check (Store::RecordTriggerFiring). Unset fields stay as stored.
struct TriggerFiring {
  std::optional<Timestamp> next_date;
  std::optional<Timestamp> last_date;
  std::optional<std::string> last_execution_id;
  std::optional<std::string> state_json;
  Timestamp evaluated_at;
  // Executions to create in the same transaction (in their first state), so
  // a crash can neither lose a firing's execution nor start it twice.
  std::vector<Execution> executions;
  bool release_lease = false;  // give the lease up in the same transaction
};

struct TriggerFilter {
  std::string namespace_;  // empty: any
  std::string flow_id;     // empty: any
};

enum class BackfillStatus { kRunning, kPaused, kDone };
std::string_view BackfillStatusName(BackfillStatus s);  // "RUNNING", "PAUSED", "DONE"
std::optional<BackfillStatus> ParseBackfillStatus(std::string_view name);

// A backfill of a schedule trigger: one execution per schedule date in
// [start, end], `current` being the next date to run. A trigger has at most
// one backfill that is not DONE (Kestra keeps it on the trigger).
struct Backfill {
  TriggerKey key;
  Timestamp start;
  Timestamp end;
  Timestamp current;  // progress: dates before it have their executions
  BackfillStatus status = BackfillStatus::kRunning;
  std::string inputs_json = "{}";
  std::string labels_json = "{}";
  int concurrency = 1;
  Timestamp created;

  bool paused() const { return status == BackfillStatus::kPaused; }
};

}  // namespace floe::state
