#include <fstream>
#include <thread>

#include "core/id.h"
#include "exec/running_execution.h"
#include "tmpl/json.h"

namespace floe::exec {

using state::State;

// One task: its attempts, retries, runIf, timeout and outcome, and lists
// of tasks with their error and finally handlers.

namespace {

// A task that runs out of memory fails, with the rest of the execution
// going on (its errors tasks, its final state): an escaping std::bad_alloc
// would end the whole process with the execution left RUNNING.
Result<tmpl::Value> RunGuarded(flow::Task& task, flow::TaskContext& ctx, const std::string& task_id) {
  try {
    return task.Run(ctx);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kUnavailable, "task '" + task_id + "' ran out of memory");
  }
}

}  // namespace

Result<Outcome> RunningExecution::RunList(const std::vector<flow::TaskSpec>& tasks, const Scope& scope,
                                          bool stop_at_failure) {
  Outcome out;
  for (const auto& task : tasks) {
    if (task.disabled) continue;
    if (killed()) {
      out.killed = true;
      break;
    }
    if (pause_requested()) {
      out.paused = true;
      break;
    }
    ASSIGN_OR_RETURN(State end, RunTask(task, scope));
    out.Merge(OutcomeOf(task, end));
    if (out.paused || out.killed || out.cancelled || out.retried || (out.failed && stop_at_failure)) break;
  }
  return out;
}

Outcome RunningExecution::OutcomeOf(const flow::TaskSpec& task, State end) {
  Outcome out;
  switch (end) {
    case State::kWarning:
      out.warning = true;
      break;
    case State::kFailed:
      if (task.allow_failure) {
        out.warning = true;
      } else {
        out.failed = true;
        out.failed_task = task.id;
      }
      break;
    case State::kKilled:
      out.killed = true;
      break;
    case State::kCancelled:
      out.cancelled = true;
      out.cancelled_by = task.id;
      break;
    case State::kPaused:
      out.paused = true;
      break;
    case State::kRetried:
      out.retried = true;
      out.retried_task = task.id;
      break;
    default:
      break;
  }
  return out;
}

Result<Outcome> RunningExecution::RunWithHandlers(const std::vector<flow::TaskSpec>& tasks,
                                                  const std::vector<flow::TaskSpec>* errors,
                                                  const std::vector<flow::TaskSpec>* finally_tasks,
                                                  const Scope& scope) {
  ASSIGN_OR_RETURN(Outcome outcome, RunList(tasks, scope, /*stop_at_failure=*/true));
  return FinishWithHandlers(outcome, errors, finally_tasks, scope);
}

Result<State> RunningExecution::RunTask(const flow::TaskSpec& spec, const Scope& scope) {
  // Once the task run ended (its outputs recorded), the SLA assertions hold or break.
  struct CheckAssertionsAfter {
    RunningExecution& e;
    ~CheckAssertionsAfter() {
      if (!e.flow_.slas.empty()) e.CheckSlas(/*assertions=*/true);
    }
  } check_assertions{*this};
  std::string key = RunKey(scope, spec.id);
  Timestamp first_start = Now();
  int retries = 0;
  {
    // On resume, a task that finished before is not run again: its recorded
    // outcome counts, unless it failed and its retry policy allows another
    // attempt (the process died during the wait).
    std::unique_lock lock(mu_);
    if (auto it = finished_.find(key); it != finished_.end()) {
      if (it->second != State::kFailed || !retry_pending_.count(key) || !spec.retry) return it->second;
      retries = attempts_[key];
      std::optional<Duration> delay = spec.retry->NextDelay(retries, Duration::zero(), rng_);
      if (!delay) return it->second;
      finished_.erase(it);
      lock.unlock();
      Log("", spec.id, LogLevel::kWarn, "task '" + spec.id + "' failed before the interruption; retrying");
      if (SleepUnlessKilled(*delay)) return State::kKilled;
    }
  }
  while (true) {
    State success = retries > 0 && spec.retry && spec.retry->warning_on_retry ? State::kWarning : State::kSuccess;
    std::optional<Duration> delay;
    bool asked = false;
    auto another_attempt = [&] {
      asked = true;
      if (!spec.retry || spec.retry->new_execution || killed()) return false;
      auto elapsed = std::chrono::duration_cast<Duration>(Now() - first_start);
      std::lock_guard lock(mu_);
      delay = spec.retry->NextDelay(retries + 1, elapsed, rng_);
      return delay.has_value();
    };
    ASSIGN_OR_RETURN(State end, RunAttempt(spec, scope, success, another_attempt));
    if (end != State::kFailed) return end;
    if (!asked) another_attempt();
    if (!delay) return end;
    ++retries;
    Log("", spec.id, LogLevel::kWarn,
        "task '" + spec.id + "' failed; retry " + std::to_string(retries) + " in " + FormatDuration(*delay));
    if (SleepUnlessKilled(*delay)) return State::kKilled;
  }
}

bool RunningExecution::SleepUnlessKilled(Duration d) {
  const Clock& clock = env_.clock();
  Timestamp due = clock.Now() + d;
  std::unique_lock lock(watch_mu_);
  while (!killed() && clock.Now() < due) clock.WaitUntil(lock, watch_cv_, due);
  return killed();
}

// A task run key that succeeded is not run again by this execution: its
// attempt count need not be kept (a ForEach over many values would keep one
// per iteration).
void RunningExecution::ForgetAttempts(const std::string& key) {
  std::lock_guard lock(mu_);
  attempts_.erase(key);
}

Result<State> RunningExecution::RunAttempt(const flow::TaskSpec& spec, const Scope& scope, State success_state,
                                           const std::function<bool()>& retries) {
  std::string key = RunKey(scope, spec.id);
  state::TaskRun run;
  bool reused = false;
  {
    std::lock_guard lock(mu_);
    if (auto it = reusable_.find(key); it != reusable_.end()) {
      run = std::move(it->second);
      reusable_.erase(it);
      reused = true;
    } else {
      run.attempt = ++attempts_[key];
    }
  }
  if (!reused) {
    RETURN_IF_ERROR(CreateRunIn(run, spec.id, spec.task_type->name, scope));
  }
  tmpl::Value variables = VariablesFor(spec, scope, run);
  if (!reused && spec.run_if) {
    // runIf, rendered: false skips the task.
    auto holds = Render(*spec.run_if, variables);
    if (!holds.ok()) {
      std::string error = Status(holds.status()).WithContext("task '" + spec.id + "' runIf").ToString();
      Log(run.id, spec.id, LogLevel::kError, error);
      RETURN_IF_ERROR(Transition(run, State::kFailed, {.error = error}));
      return State::kFailed;
    }
    if (!flow::ConditionHolds(*holds)) {
      ForgetAttempts(key);
      RETURN_IF_ERROR(Transition(run, State::kSkipped));
      return State::kSkipped;
    }
  }
  if (killed()) {
    RETURN_IF_ERROR(Transition(run, State::kKilled));
    return State::kKilled;
  }
  if (run.state != State::kRunning) RETURN_IF_ERROR(Transition(run, State::kRunning));

  std::string prefix = StoragePrefix() + "/tasks/" + spec.id + "/" + run.id;
  // logToFile: the task's lines go to a file, stored with the task run once it ends.
  struct LogFile {
    std::mutex mu;
    std::filesystem::path path;
    std::ofstream out;
  } log_file;
  if (spec.log_to_file) {
    log_file.path = env_.settings.scratch / execution_.id / ("log-" + run.id + ".txt");
    std::error_code ec;
    std::filesystem::create_directories(log_file.path.parent_path(), ec);
    log_file.out.open(log_file.path, std::ios::binary | std::ios::app);
    if (!log_file.out) {
      std::string error = "task '" + spec.id + "': cannot write its log file '" + log_file.path.string() + "'";
      RETURN_IF_ERROR(Transition(run, State::kFailed, {.error = error}));
      return State::kFailed;
    }
  }
  RunTaskContext ctx(spec, variables, services_, prefix, env_.settings.scratch / execution_.id / run.id,
                     scope.shared_workdir, [&](LogLevel level, std::string_view message) {
                       if (spec.log_level && level < *spec.log_level) return;
                       if (!spec.log_to_file) return Log(run.id, spec.id, level, message);
                       std::lock_guard lock(log_file.mu);
                       log_file.out << FormatTimestamp(Now()) << " " << LogLevelName(level) << " "
                                    << mask_.Mask(message) << "\n";
                     });
  ctx.set_task_run_id(run.id);
  FlowableEnd end;
  auto store_log_file = [&]() -> Status {
    if (!spec.log_to_file) return Status::Ok();
    log_file.out.close();
    std::string file_id = NewId();  // a run resumed (a Pause) writes a file of its own
    std::string suffix = file_id.substr(file_id.size() - 5);
    for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto uri = env_.storage.Put(log_file.path, prefix + "/log-" + suffix + ".txt");
    if (!uri.ok()) {
      // Not lost: the lines go to the log table instead.
      Log(run.id, spec.id, LogLevel::kError,
          "its log file could not be stored (" + uri.status().ToString() + "); its lines follow");
      std::ifstream in(log_file.path, std::ios::binary);
      for (std::string line; std::getline(in, line);) Log(run.id, spec.id, LogLevel::kInfo, line);
    }
    std::error_code ec;
    std::filesystem::remove(log_file.path, ec);
    if (!uri.ok()) return Status::Ok();
    run.log_file = *uri;
    return env_.store.SetTaskRunLogFile(run.id, *uri);
  };
  {
    ActiveContext active(*this, ctx);
    if (spec.is_flowable()) {
      // A flowable's own errors (a bad property) fail the task; the store's
      // errors show again on the next transition.
      Result<FlowableEnd> flowable = RunFlowable(spec, scope, run, ctx);
      if (flowable.ok()) {
        end = std::move(*flowable);
      } else {
        end = {.state = State::kFailed, .error = flowable.status().ToString()};
      }
    } else {
      end = RunRunnableToEnd(spec, ctx);
    }
  }
  RETURN_IF_ERROR(store_error_);
  RETURN_IF_ERROR(store_log_file());
  if (end.state == State::kFailed && killed()) end = {.state = State::kKilled, .error = "killed"};
  if (end.state == State::kSuccess) end.state = success_state;
  if (end.state == State::kFailed && !killed() && spec.retry && spec.retry->new_execution) {
    // Kestra's CREATE_NEW_EXECUTION: this execution stops RETRIED and the
    // executor runs the flow again as a new one, while the chain has attempts left.
    std::optional<Duration> delay;
    {
      std::lock_guard lock(mu_);
      Timestamp since = chain_start_.value_or(start_);
      delay = spec.retry->NextDelay(execution_attempt_, std::chrono::duration_cast<Duration>(Now() - since), rng_);
      if (delay && !new_execution_retry_) new_execution_retry_ = delay;
    }
    if (delay) {
      Log(run.id, spec.id, LogLevel::kError, end.error);
      Log(run.id, spec.id, LogLevel::kWarn,
          "task '" + spec.id + "' failed; its retry (CREATE_NEW_EXECUTION) runs the flow again as a new execution in " +
              FormatDuration(*delay));
      RETURN_IF_ERROR(Transition(run, State::kRetried, {.error = end.error}));
      return State::kRetried;
    }
  }
  if (end.state == State::kFailed && spec.allow_failure && !retries()) {
    // Kestra: an allowed failure ends the task run WARNING; the error stays in its log.
    Log(run.id, spec.id, LogLevel::kError, end.error);
    Log(run.id, spec.id, LogLevel::kWarn, "task '" + spec.id + "' failed; allowed by its allowFailure");
    RETURN_IF_ERROR(Transition(run, spec.allow_warning ? State::kSuccess : State::kWarning, {.error = end.error}));
    return spec.allow_warning ? State::kSuccess : State::kWarning;
  }
  if (end.state == State::kWarning && spec.allow_warning) end.state = State::kSuccess;
  switch (end.state) {
    case State::kSuccess:
    case State::kWarning: {
      tmpl::Value result = end.outputs.is_map() ? std::move(end.outputs) : tmpl::Value(tmpl::ValueMap{});
      RETURN_IF_ERROR(Transition(run, end.state, {.outputs_json = tmpl::ToJson(result)}));
      SetOutputs(spec.id, scope.output_keys, std::move(result));
      ForgetAttempts(key);
      return end.state;
    }
    case State::kPaused:
      RETURN_IF_ERROR(Transition(run, State::kPaused));
      return State::kPaused;
    default: {
      if (!end.error.empty())
        Log(run.id, spec.id, end.state == State::kKilled ? LogLevel::kWarn : LogLevel::kError, end.error);
      // A failed task may still have outputs (a Subflow's executionId and
      // state): an errors branch reads them, as in Kestra.
      bool has_outputs = end.outputs.is_map() && !end.outputs.AsMap().empty();
      state::TransitionDetails details{.error = end.error};
      if (has_outputs) details.outputs_json = tmpl::ToJson(end.outputs);
      RETURN_IF_ERROR(Transition(run, end.state, details));
      if (has_outputs) SetOutputs(spec.id, scope.output_keys, std::move(end.outputs));
      return end.state;
    }
  }
}

RunningExecution::ActiveContext::ActiveContext(RunningExecution& e, RunTaskContext& ctx) : e_(e), ctx_(ctx) {
  {
    std::lock_guard lock(e_.mu_);
    e_.active_.insert(&ctx_);
  }
  if (e_.killed()) ctx_.Cancel();  // a kill that came before the registration
}

RunningExecution::ActiveContext::~ActiveContext() {
  std::lock_guard lock(e_.mu_);
  e_.active_.erase(&ctx_);
}

RunningExecution::FlowableEnd RunningExecution::RunRunnableToEnd(const flow::TaskSpec& spec, RunTaskContext& ctx) {
  Result<tmpl::Value> outputs = RunRunnable(spec, ctx);
  if (outputs.ok()) {
    if (Status committed = ctx.CommitStorageFiles(); !committed.ok()) outputs = committed;
  }
  if (!outputs.ok()) return {.state = State::kFailed, .error = outputs.status().ToString()};
  return {.state = State::kSuccess, .outputs = std::move(*outputs)};
}

Result<tmpl::Value> RunningExecution::RunRunnable(const flow::TaskSpec& spec, RunTaskContext& ctx) {
  // A worker slot bounds how many tasks do work at once in this process.
  WorkerSlots::Slot slot(env_.slots);
  std::unique_ptr<flow::Task> task = spec.task_type->factory();
  if (!spec.timeout) return RunGuarded(*task, ctx, spec.id);
  // The task runs on its own thread so this one can stop it in time (on the
  // executor's clock): on timeout the context is cancelled (interrupting a
  // query, a shell, a sleep) and the task's thread is joined before going on.
  struct Finish {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  } finish;
  Result<tmpl::Value> result = tmpl::Value();
  std::thread worker([&] {
    Result<tmpl::Value> r = RunGuarded(*task, ctx, spec.id);
    std::lock_guard lock(finish.mu);
    result = std::move(r);
    finish.done = true;
    finish.cv.notify_all();
  });
  const Clock& clock = env_.clock();
  Timestamp due = clock.Now() + *spec.timeout;
  bool timed_out = false;
  {
    std::unique_lock lock(finish.mu);
    while (!finish.done && clock.Now() < due) clock.WaitUntil(lock, finish.cv, due);
    timed_out = !finish.done;
  }
  if (timed_out) ctx.Cancel();
  worker.join();
  if (timed_out)
    return Status(StatusCode::kDeadlineExceeded,
                  "task '" + spec.id + "' timed out after " + FormatDuration(*spec.timeout) + " (its timeout)");
  return result;
}

}  // namespace floe::exec
