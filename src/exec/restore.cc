#include "exec/running_execution.h"
#include "tmpl/json.h"

namespace floe::exec {

using state::State;

// Picking up a stored execution: after a crash (recover), a pause
// (resume), a failure (restart) or as a copy (replay).

namespace {
// The error of a task run a dead process left running. Such a run is never
// the task's outcome: recovery runs the task again, however often the
// recovery itself is interrupted.
constexpr std::string_view kInterrupted =
    "interrupted: the floe process running this task stopped; it runs again on recovery";
}  // namespace

Status RunningExecution::Restore(const state::Execution& stored, RestoreMode mode, ExecutionLock lock,
                                 const std::map<std::string, tmpl::Value>& resume_inputs) {
  RETURN_IF_ERROR(env_.SameStorage(stored));
  lock_.emplace(std::move(lock));
  execution_ = stored;
  start_ = stored.created();
  // An execution that never got past its concurrency limit waits again.
  admitted_ = stored.state != State::kCreated && stored.state != State::kQueued;
  ASSIGN_OR_RETURN(tmpl::Value stored_inputs, tmpl::ParseJson(stored.inputs_json));
  ASSIGN_OR_RETURN(tmpl::Value inputs, OpenInputs(stored_inputs));
  ASSIGN_OR_RETURN(tmpl::Value labels, tmpl::ParseJson(stored.labels_json));
  if (!stored.trigger_json.empty()) {
    ASSIGN_OR_RETURN(trigger_, tmpl::ParseJson(stored.trigger_json));
  }
  BuildContext(inputs, labels);
  // What is left of the processes of a task run the dead process was running
  // is stopped before anything runs again: a rerun never races its orphans.
  RETURN_IF_ERROR(StopProcessGroups(env_.store, stored, [&](const state::TaskRun& run, const ProcessGroup& g, int n) {
    Log(run.id, run.task_id, LogLevel::kWarn,
        "stopped " + std::to_string(n) + " leftover process" + (n == 1 ? "" : "es") + " of task '" + run.task_id +
            "' (process group " + std::to_string(g.pgid) + ")");
  }));
  // The latest attempt of each task run key decides.
  std::map<std::string, const state::TaskRun*> latest;
  for (const auto& run : stored.task_runs) {
    std::string key = run.scope + run.task_id;
    attempts_[key] = std::max(attempts_[key], run.attempt);
    latest[key] = &run;
  }
  for (const auto& [key, run] : latest) {
    SetTaskState(*run);
    const flow::TaskType* type = env_.registry.Find(run->task_type);
    bool flowable = type && type->flowable != flow::Flowable::kNone;
    if (state::IsTerminal(run->state)) {
      // A restart runs failed (and killed) tasks again, and the error and
      // finally handlers that ran for them.
      bool again = mode == RestoreMode::kRestart &&
                   (run->state == State::kFailed || run->state == State::kKilled ||
                    key.find("!errors/") != std::string::npos || key.find("!finally/") != std::string::npos);
      if (again || (run->state == State::kFailed && run->error == kInterrupted)) continue;
      finished_[key] = run->state;
      // A failure may have been waiting for its retry when the process died.
      if (run->state == State::kFailed && mode == RestoreMode::kRecover) retry_pending_.insert(key);
      if (run->state == State::kSuccess || run->state == State::kWarning) {
        ASSIGN_OR_RETURN(tmpl::Value outputs, tmpl::ParseJson(run->outputs_json));
        ASSIGN_OR_RETURN(tmpl::Value loop, tmpl::ParseJson(run->loop_values_json));
        std::vector<std::string> keys;
        if (loop.is_list())
          for (const auto& v : loop.AsList()) keys.push_back(v.is_string() ? v.AsString() : tmpl::ToJson(v));
        SetOutputs(run->task_id, keys, outputs);
      }
      continue;
    }
    if (run->state == State::kPaused) {
      reusable_[key] = *run;
      // A Pause task takes the resume inputs; a flowable paused by a pause
      // asked of the execution carries on with its children.
      if (mode == RestoreMode::kResume && type && type->flowable == flow::Flowable::kPause) {
        tmpl::ValueMap given;
        for (const auto& [k, v] : resume_inputs) given.Set(k, v);
        resume_outputs_[key] = tmpl::Value(std::move(given));
      }
      continue;
    }
    if (flowable) {
      // Its finished children are kept; it carries on where it was.
      reusable_[key] = *run;
      continue;
    }
    state::TaskRun interrupted = *run;
    RETURN_IF_ERROR(Transition(interrupted, State::kFailed, {.error = std::string(kInterrupted)}));
    Log(run->id, run->task_id, LogLevel::kWarn, kInterrupted);
  }
  if (mode == RestoreMode::kResume) {
    if (resume_outputs_.empty() && !resume_inputs.empty())
      return InvalidArgument("execution " + stored.id +
                             " has no Pause task waiting for inputs (it was paused while it ran): resume it "
                             "without inputs");
    RETURN_IF_ERROR(CheckResumeInputs());
  }
  switch (mode) {
    case RestoreMode::kRecover:
      Log("", "", LogLevel::kInfo, "resuming execution " + execution_.id + " after an interruption");
      break;
    case RestoreMode::kResume:
      Log("", "", LogLevel::kInfo, "resuming paused execution " + execution_.id);
      break;
    case RestoreMode::kRestart:
      Log("", "", LogLevel::kInfo, "restarting execution " + execution_.id + " from its failed tasks");
      // Kestra's RESTARTED, recorded before it runs again, and its label.
      if (execution_.state != State::kRestarted)
        RETURN_IF_ERROR(env_.TransitionExecution(execution_, State::kRestarted, {.error = ""}));
      RETURN_IF_ERROR(StoreLabels({{"system.restarted", "true"}}));
      break;
    case RestoreMode::kExpirePause:
      expire_pauses_ = true;
      break;
    case RestoreMode::kReplay:
      break;
  }
  return Status::Ok();
}

}  // namespace floe::exec
