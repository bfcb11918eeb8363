// Executor: runs a flow's tasks in order and records every step in the Store
// before it takes effect: the execution, each task run, their state
// transitions (CREATED, RUNNING, SUCCESS/FAILED), outputs and log lines.
//
//   Executor executor(store, registry, storage, settings);
//   ASSIGN_OR_RETURN(std::string id, executor.Run(flow, {{"name", Value("ada")}}));
//   ASSIGN_OR_RETURN(state::Execution done, store.GetExecution(id));
//
// Run() returns an error only when no execution could be created (bad inputs,
// store failure); a task failure is a FAILED execution, not an error.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "flow/flow.h"
#include "state/store.h"
#include "storage/internal_storage.h"
#include "tmpl/value.h"

namespace floe::exec {

struct ExecutorSettings {
  std::filesystem::path lake;     // exposed to flows as {{ globals.lake }}
  std::filesystem::path scratch;  // parent of task working directories
  std::filesystem::path locks;    // one lock file per execution being run
  const Clock* clock = &SystemClock();
};

// Sees an execution as it happens (for live CLI output). Called on the
// executor's thread, after the store has recorded the event.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void OnExecutionCreated(const state::Execution&) {}
  virtual void OnLog(const state::LogEntry&) {}
  virtual void OnTaskRunState(const state::TaskRun&) {}
};

class Executor {
 public:
  Executor(state::Store& store, const flow::TaskRegistry& registry, const storage::InternalStorage& storage,
           ExecutorSettings settings);

  void set_observer(ExecutionObserver* observer) { observer_ = observer; }

  // Validates inputs, creates the execution and runs it to its end. Returns
  // the execution id.
  Result<std::string> Run(const flow::Flow& flow, const std::map<std::string, tmpl::Value>& inputs);

  // Continues an execution that a dead process left unfinished: finished task
  // runs are kept (their outputs feed later tasks), task runs that were
  // running are marked FAILED as interrupted and run again as a new attempt
  // (at-least-once), and the rest runs as usual. FailedPrecondition if the
  // execution has ended or a live process is still running it.
  Status Resume(const std::string& execution_id);

  // Resumes every unfinished execution no live process is running; returns
  // their ids.
  Result<std::vector<std::string>> RecoverAll();

 private:
  friend class RunningExecution;

  state::Store& store_;
  const flow::TaskRegistry& registry_;
  const storage::InternalStorage& storage_;
  ExecutorSettings settings_;
  ExecutionObserver* observer_ = nullptr;
};

}  // namespace floe::exec
