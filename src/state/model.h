// What the store keeps: executions, task runs, their state histories, logs.
// Values that are documents (inputs, outputs) are held as JSON text so this
// module depends on nothing above core.
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
};

std::string_view StateName(State s);  // "CREATED", ...
std::optional<State> ParseState(std::string_view name);
// SUCCESS, WARNING, FAILED, KILLED, CANCELLED, SKIPPED: nothing more happens.
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
  std::string flow_source;   // the flow's YAML as it ran
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

struct ExecutionFilter {
  std::string namespace_;  // empty: any
  std::string flow_id;     // empty: any
  std::optional<State> state;
  int limit = 50;
};

}  // namespace floe::state
