#include "exec/running_execution.h"

#include <cctype>
#include <thread>

#include "core/id.h"
#include "tmpl/json.h"

namespace floe::exec {

using state::State;

void Outcome::Merge(const Outcome& o) {
  if (o.failed && !failed) failed_task = o.failed_task;
  failed = failed || o.failed;
  warning = warning || o.warning;
  paused = paused || o.paused;
  killed = killed || o.killed;
  if (o.cancelled && !cancelled) cancelled_by = o.cancelled_by;
  cancelled = cancelled || o.cancelled;
  if (o.retried && !retried) retried_task = o.retried_task;
  retried = retried || o.retried;
}

std::optional<Duration> RunningExecution::NewExecutionRetry() {
  std::lock_guard lock(mu_);
  return new_execution_retry_;
}

RunningExecution::RunningExecution(ExecutionEnv& env, const flow::Flow& flow) : env_(env), flow_(flow) {}

RunningExecution::~RunningExecution() {
  // The task runs' folders are gone; their parent goes too once empty.
  std::error_code ec;
  if (!execution_.id.empty()) std::filesystem::remove(env_.settings.scratch / execution_.id, ec);
}

Timestamp RunningExecution::Now() const { return env_.settings.clock->Now(); }

std::filesystem::path RunningExecution::NamespaceFiles() const {
  if (env_.settings.namespace_files.empty()) return {};
  return env_.settings.namespace_files / flow_.namespace_;
}

std::string RunningExecution::StoragePrefix() const {
  return flow_.namespace_ + "/" + flow_.id + "/executions/" + execution_.id;
}

Result<std::string> RunningExecution::Start(const std::map<std::string, tmpl::Value>& given,
                                            const std::vector<std::pair<std::string, std::string>>& extra_labels,
                                            const std::string& id, const tmpl::Value& trigger) {
  if (flow_.disabled)
    return FailedPrecondition("flow " + flow_.namespace_ + "." + flow_.id + " is disabled: it does not run")
        .WithHint("set disabled: false in the flow to run it");
  // Inputs' templates (SELECT expressions, dependsOn) may read kv() and secret().
  FlowRenderHost inputs_host({.storage = &env_.storage,
                              .object_stores = &env_.object_stores,
                              .store = &env_.store,
                              .secrets_file = env_.settings.secrets_file,
                              .files = LocalFileAccess(NamespaceFiles(), env_.settings.allowed_paths),
                              .mask = &mask_,
                              .namespace_ = flow_.namespace_,
                              .clock = env_.settings.clock});
  ASSIGN_OR_RETURN(tmpl::Value inputs, flow::ResolveInputs(flow_, given, &inputs_host));
  execution_.id = id.empty() ? NewId() : id;
  trigger_ = trigger;
  execution_.storage = env_.storage.Location();
  // Held until the execution ends (or the process dies): recovery skips it.
  ASSIGN_OR_RETURN(ExecutionLock lock, ExecutionLock::Acquire(env_.settings.locks, execution_.id));
  lock_.emplace(std::move(lock));
  execution_.namespace_ = flow_.namespace_;
  execution_.flow_id = flow_.id;
  execution_.flow_source = flow_.source;
  execution_.flow_path = flow_.source_path;
  ASSIGN_OR_RETURN(inputs, StoreFileInputs(inputs));
  // Known before anything is stored: what the execution's record holds is
  // masked (labels, trigger) or encrypted (inputs).
  for (const auto& in : flow_.inputs) {
    const tmpl::Value* v = inputs.Get(in.id);
    if (in.type == flow::InputType::kSecret && v && v->is_string()) mask_.Add(v->AsString());
  }
  ASSIGN_OR_RETURN(tmpl::Value sealed, SealInputs(inputs));
  execution_.inputs_json = tmpl::ToJson(sealed);
  execution_.trigger_json = trigger.is_null() ? "" : mask_.Mask(tmpl::ToJson(trigger));
  tmpl::ValueMap given_labels;
  for (const auto& [k, v] : flow_.labels) given_labels.Set(k, tmpl::Value(v));
  for (const auto& [k, v] : extra_labels) given_labels.Set(k, tmpl::Value(v));
  // Kestra gives every execution a correlation id; subflows carry their caller's.
  if (!given_labels.Find(kCorrelationLabel)) given_labels.Set(kCorrelationLabel, tmpl::Value(execution_.id));
  tmpl::Value labels = MaskValues(tmpl::Value(std::move(given_labels)));
  execution_.labels_json = tmpl::ToJson(labels);
  execution_.state = State::kCreated;
  start_ = Now();
  execution_.history.push_back({State::kCreated, start_});
  RETURN_IF_ERROR(env_.store.CreateExecution(execution_));
  env_.events.Publish({.kind = ExecutionEvent::Kind::kExecutionCreated, .execution = execution_});
  BuildContext(inputs, std::move(labels));
  return execution_.id;
}

Status RunningExecution::Run() {
  struct ReleaseLock {
    std::optional<ExecutionLock>& lock;
    ~ReleaseLock() { lock.reset(); }
  } release{lock_};
  if (!admitted_) {
    ASSIGN_OR_RETURN(bool admitted, Admit());
    if (!admitted) return Status::Ok();  // cancelled or failed by the concurrency limit
  } else {
    // Restarted, resumed or recovered: the error it ended with before is
    // no longer its outcome.
    RETURN_IF_ERROR(env_.TransitionExecution(execution_, State::kRunning, {.error = ""}));
  }
  std::thread watcher([this] { WatchForKill(); });
  struct StopWatcher {
    RunningExecution* self;
    std::thread& t;
    ~StopWatcher() {
      {
        std::lock_guard lock(self->watch_mu_);
        self->done_ = true;
      }
      self->watch_cv_.notify_all();
      t.join();
    }
  } stop_watcher{this, watcher};

  ASSIGN_OR_RETURN(State end, RunToEnd());
  // Its state is final: SLAs no longer apply, and a stop an SLA asked for
  // (not a kill) does not reach the afterExecution tasks.
  ended_ = true;
  if (SlaStop() && !kill_requested_) killed_ = false;
  if (end == State::kPaused || flow_.after_execution.empty()) return Status::Ok();
  // afterExecution tasks see the final state; the execution has ended, so
  // their failures are logged, not turned into its state.
  {
    std::unique_lock lock(context_mu_);
    context_.Get("execution")->MutableMap().Set("state", tmpl::Value(std::string(state::StateName(end))));
  }
  Scope after;
  after.path = "!afterExecution/";
  ASSIGN_OR_RETURN(Outcome o, RunList(flow_.after_execution, after, /*stop_at_failure=*/false));
  if (o.failed) Log("", "", LogLevel::kWarn, "afterExecution task '" + o.failed_task + "' failed");
  return store_error_;
}

// The flow's concurrency limit: runs now (RUNNING), waits in QUEUED, or
// ends CANCELLED / FAILED, as its behavior says. Returns whether it runs.
Result<bool> RunningExecution::Admit() {
  if (!flow_.concurrency) {
    RETURN_IF_ERROR(env_.TransitionExecution(execution_, State::kRunning));
    return true;
  }
  const flow::Concurrency& c = *flow_.concurrency;
  bool queued = false;
  while (true) {
    Timestamp at = Now();
    ASSIGN_OR_RETURN(bool started, env_.store.StartIfBelowLimit(execution_.id, c.limit, at));
    if (started) {
      ExecutionEvent event{.kind = ExecutionEvent::Kind::kExecutionState, .execution = execution_};
      event.execution.state = State::kRunning;
      event.execution.history = {{State::kRunning, at}};
      env_.events.Publish(event);
      return true;
    }
    std::string why = "flow " + flow_.namespace_ + "." + flow_.id + " already has " + std::to_string(c.limit) +
                      " running execution" + (c.limit == 1 ? "" : "s") + " (its concurrency limit)";
    switch (c.behavior) {
      case flow::Concurrency::Behavior::kFail:
        RETURN_IF_ERROR(EndExecution(State::kFailed, why));
        return false;
      case flow::Concurrency::Behavior::kCancel:
        RETURN_IF_ERROR(EndExecution(State::kCancelled, why));
        return false;
      case flow::Concurrency::Behavior::kQueue:
        if (!queued) {
          RETURN_IF_ERROR(env_.TransitionExecution(execution_, State::kQueued));
          Log("", "", LogLevel::kInfo, why + "; queued");
          queued = true;
        }
        std::this_thread::sleep_for(env_.settings.kill_poll_interval);
        ASSIGN_OR_RETURN(State now, env_.store.GetExecutionState(execution_.id));
        if (now == State::kKilling) {
          RETURN_IF_ERROR(EndExecution(State::kKilled, "killed while queued"));
          return false;
        }
    }
  }
}

// Runs the tasks, handlers and outputs; returns the state it ended in.
Result<State> RunningExecution::RunToEnd() {
  {
    // As in Kestra, variables are not rendered: an expression in one is text
    // until a task renders it with {{ render(vars.name) }}.
    tmpl::Value vars = flow_.variables.ToValue();
    std::unique_lock lock(context_mu_);
    context_.MutableMap().Set("vars", vars.is_map() ? vars : tmpl::Value(tmpl::ValueMap{}));
  }

  // Kestra's order: the tasks until one fails; then the `errors` tasks;
  // then, whatever happened, the `finally` tasks.
  ASSIGN_OR_RETURN(Outcome outcome, RunWithHandlers(flow_.tasks, &flow_.errors, &flow_.finally_tasks, Scope{}));
  RETURN_IF_ERROR(store_error_);
  // A kill that came while a pause was asked (or a Pause task waited) wins.
  if (outcome.paused && kill_requested_) outcome.killed = true;
  if (outcome.paused && !outcome.killed) {
    Log("", "", LogLevel::kInfo,
        std::string(pause_requested() ? "execution paused as asked; its running tasks finished" : "execution paused") +
            "; continue it with 'floe executions resume " + execution_.id + "'");
    // A pause asked through the API or the CLI recorded PAUSED already.
    ASSIGN_OR_RETURN(State recorded, env_.store.GetExecutionState(execution_.id));
    if (recorded != State::kPaused) RETURN_IF_ERROR(env_.TransitionExecution(execution_, State::kPaused));
    return State::kPaused;
  }
  if (std::optional<SlaEnd> sla = SlaStop(); sla && !outcome.paused) {
    RETURN_IF_ERROR(EndExecution(sla->state, sla->why));
    return sla->state;
  }
  if (outcome.retried && !outcome.killed) {
    RETURN_IF_ERROR(EndExecution(State::kRetried, "task '" + outcome.retried_task +
                                                      "' failed; its retry runs the flow again as a new execution"));
    return State::kRetried;
  }
  State end = outcome.killed      ? State::kKilled
              : outcome.cancelled ? State::kCancelled
              : outcome.failed    ? State::kFailed
                                  : State::kSuccess;
  if (end != State::kSuccess) {
    std::string why = outcome.killed      ? "killed"
                      : outcome.cancelled ? "cancelled by task '" + outcome.cancelled_by + "'"
                                          : "task '" + outcome.failed_task + "' failed";
    RETURN_IF_ERROR(EndExecution(end, why));
    return end;
  }
  tmpl::ValueMap outputs;
  for (const auto& out : flow_.outputs) {
    auto v = Render(out.value, context_);
    if (v.ok()) v = flow::ConvertOutput(out, *v);
    if (!v.ok()) {
      RETURN_IF_ERROR(
          EndExecution(State::kFailed, Status(v.status()).WithContext("flow output '" + out.id + "'").ToString()));
      return State::kFailed;
    }
    outputs.Set(out.id, *v);
  }
  end = outcome.warning ? State::kWarning : State::kSuccess;
  RETURN_IF_ERROR(EndExecution(end, "", tmpl::ToJson(tmpl::Value(std::move(outputs)))));
  return end;
}

Status RunningExecution::EndExecution(State state, std::string error, std::string outputs_json) {
  if (!error.empty()) Log("", "", state == State::kKilled ? LogLevel::kWarn : LogLevel::kError, error);
  state::TransitionDetails details;
  details.error = error.empty() ? error : mask_.Mask(error);  // an end without an error clears an earlier one
  if (!outputs_json.empty()) details.outputs_json = mask_.Mask(outputs_json);
  return env_.TransitionExecution(execution_, state, details);
}

void RunningExecution::WatchForKill() {
  std::unique_lock lock(watch_mu_);
  while (!done_) {
    watch_cv_.wait_for(lock, env_.settings.kill_poll_interval, [this] { return done_.load(); });
    if (done_) return;
    if (!flow_.slas.empty()) {
      lock.unlock();
      CheckSlas(/*assertions=*/false);
      lock.lock();
      if (killed_) return;
    }
    auto state = env_.store.GetExecutionState(execution_.id);
    if (state.ok() && *state == State::kPaused) pause_requested_ = true;
    if (!state.ok() || *state != State::kKilling) continue;
    kill_requested_ = true;
    killed_ = true;
    {
      std::lock_guard active_lock(mu_);
      for (RunTaskContext* ctx : active_) ctx->Cancel();
    }
    watch_cv_.notify_all();  // wakes retry waits
    return;
  }
}

Result<std::optional<tmpl::Value>> RunningExecution::PollTrigger(const flow::TriggerSpec& trigger,
                                                                 const std::string& id, tmpl::Value& state) {
  execution_.id = id;
  start_ = Now();
  BuildContext(tmpl::Value(tmpl::ValueMap{}), tmpl::Value(tmpl::ValueMap{}));
  // No execution exists yet to keep its log lines: they go to the process log.
  std::string who = flow_.namespace_ + "." + flow_.id + " trigger " + trigger.spec.id;
  RunTaskContext ctx(
      trigger.spec, context_, services_, StoragePrefix() + "/trigger/" + trigger.spec.id,
      env_.settings.scratch / id / ("trigger-" + trigger.spec.id), std::nullopt,
      [&](LogLevel level, std::string_view message) { Logger().Write(level, who + ": " + mask_.Mask(message)); });
  std::unique_ptr<flow::PollingTrigger> poller = trigger.spec.task_type->trigger_factory();
  Result<std::optional<tmpl::Value>> fired = poller->Poll(ctx, state);
  if (!fired.ok()) return Status(fired.status()).WithContext(who);
  if (*fired) RETURN_IF_ERROR(ctx.CommitStorageFiles());
  return fired;
}

void RunningExecution::Log(const std::string& task_run_id, const std::string& task_id, LogLevel level,
                           std::string_view message) {
  state::LogEntry entry{.execution_id = execution_.id,
                        .task_run_id = task_run_id,
                        .task_id = task_id,
                        .at = Now(),
                        .level = level,
                        .message = mask_.Mask(message)};
  Status s = env_.store.AppendLogs({&entry, 1});
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    store_error_ = s;
  }
  if (env_.events.has_subscribers()) env_.events.Publish({.kind = ExecutionEvent::Kind::kLog, .log = entry});
}

Status RunningExecution::CreateRun(state::TaskRun& run) {
  run.history.push_back({run.state, Now()});
  SetTaskState(run);
  // A ForEach over secret values: the stored (and shown) loop values are
  // masked; this run keeps them to place its outputs.
  state::TaskRun shown = run;
  shown.loop_values_json = mask_.Mask(run.loop_values_json);
  RETURN_IF_ERROR(env_.store.CreateTaskRun(shown));
  if (env_.events.has_subscribers())
    env_.events.Publish({.kind = ExecutionEvent::Kind::kTaskRunState, .task_run = shown});
  return Status::Ok();
}

Status RunningExecution::CreateRunIn(state::TaskRun& run, const std::string& task_id, const std::string& task_type,
                                     const Scope& scope) {
  run.id = NewId();
  run.execution_id = execution_.id;
  run.task_id = task_id;
  run.task_type = task_type;
  run.parent_id = scope.parent_run_id;
  run.scope = scope.path;
  tmpl::ValueList loop;
  for (const auto& k : scope.output_keys) loop.push_back(tmpl::Value(k));
  run.loop_values_json = tmpl::ToJson(tmpl::Value(std::move(loop)));
  return CreateRun(run);
}

Status RunningExecution::Transition(state::TaskRun& run, State state, state::TransitionDetails details) {
  run.state = state;
  if (details.outputs_json) details.outputs_json = mask_.Mask(*details.outputs_json);
  if (details.error) details.error = mask_.Mask(*details.error);
  if (details.outputs_json) run.outputs_json = *details.outputs_json;
  if (details.error) run.error = *details.error;
  run.history.push_back({state, Now()});
  SetTaskState(run);
  RETURN_IF_ERROR(env_.store.TransitionTaskRun(run.id, state, run.history.back().at, details));
  if (env_.events.has_subscribers())
    env_.events.Publish({.kind = ExecutionEvent::Kind::kTaskRunState, .task_run = run});
  return Status::Ok();
}

}  // namespace floe::exec
