#include "exec/running_execution.h"

#include <cctype>
#include <thread>

#include "core/id.h"
#include "tmpl/json.h"

extern char** environ;

namespace floe::exec {

using state::State;

namespace {
// The error of a task run a dead process left running. Such a run is never
// the task's outcome: recovery runs the task again, however often the
// recovery itself is interrupted.
constexpr std::string_view kInterrupted =
    "interrupted: the floe process running this task stopped; it runs again on recovery";
}  // namespace

void Outcome::Merge(const Outcome& o) {
  if (o.failed && !failed) failed_task = o.failed_task;
  failed = failed || o.failed;
  warning = warning || o.warning;
  paused = paused || o.paused;
  killed = killed || o.killed;
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
  ASSIGN_OR_RETURN(tmpl::Value inputs, flow::ResolveInputs(flow_, given));
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
      if (mode == RestoreMode::kResume) {
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
  if (mode == RestoreMode::kResume) RETURN_IF_ERROR(CheckResumeInputs());
  switch (mode) {
    case RestoreMode::kRecover:
      Log("", "", LogLevel::kInfo, "resuming execution " + execution_.id + " after an interruption");
      break;
    case RestoreMode::kResume:
      Log("", "", LogLevel::kInfo, "resuming paused execution " + execution_.id);
      break;
    case RestoreMode::kRestart:
      Log("", "", LogLevel::kInfo, "restarting execution " + execution_.id + " from its failed tasks");
      break;
    case RestoreMode::kReplay:
      break;
  }
  return Status::Ok();
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
  auto vars = Render(flow_.variables, context_);
  if (!vars.ok()) {
    RETURN_IF_ERROR(EndExecution(State::kFailed, Status(vars.status()).WithContext("flow variables").ToString()));
    return State::kFailed;
  }
  {
    std::unique_lock lock(context_mu_);
    context_.MutableMap().Set("vars", vars->is_map() ? *vars : tmpl::Value(tmpl::ValueMap{}));
  }

  // Kestra's order: the tasks until one fails; then the `errors` tasks;
  // then, whatever happened, the `finally` tasks.
  ASSIGN_OR_RETURN(Outcome outcome, RunWithHandlers(flow_.tasks, &flow_.errors, &flow_.finally_tasks, Scope{}));
  RETURN_IF_ERROR(store_error_);
  if (outcome.paused) {
    Log("", "", LogLevel::kInfo, "execution paused; continue it with 'floe executions resume " + execution_.id + "'");
    RETURN_IF_ERROR(env_.TransitionExecution(execution_, State::kPaused));
    return State::kPaused;
  }
  State end = outcome.killed ? State::kKilled : outcome.failed ? State::kFailed : State::kSuccess;
  if (end != State::kSuccess) {
    RETURN_IF_ERROR(EndExecution(end, outcome.killed ? "killed" : "task '" + outcome.failed_task + "' failed"));
    return end;
  }
  tmpl::ValueMap outputs;
  for (const auto& out : flow_.outputs) {
    auto v = Render(out.value, context_);
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
    auto state = env_.store.GetExecutionState(execution_.id);
    if (!state.ok() || *state != State::kKilling) continue;
    killed_ = true;
    {
      std::lock_guard active_lock(mu_);
      for (RunTaskContext* ctx : active_) ctx->Cancel();
    }
    watch_cv_.notify_all();  // wakes retry waits
    return;
  }
}

// FILE inputs are copied into the execution's storage, so the execution does
// not depend on the original file staying put.
Result<tmpl::Value> RunningExecution::StoreFileInputs(const tmpl::Value& inputs) {
  tmpl::ValueMap out;
  for (const auto& [name, value] : inputs.AsMap()) {
    const flow::Input* decl = nullptr;
    for (const auto& in : flow_.inputs)
      if (in.id == name) decl = &in;
    if (!decl || decl->type != flow::InputType::kFile || !value.is_string() ||
        storage::InternalStorage::IsStorageUri(value.AsString())) {
      out.Set(name, value);
      continue;
    }
    std::string given = value.AsString();
    if (given.starts_with("file://")) given = given.substr(7);
    std::filesystem::path path(given);
    // A default written in the flow is relative to the flow file.
    bool from_default = decl->defaults && decl->defaults->is_string() && decl->defaults->AsString() == value.AsString();
    if (path.is_relative() && from_default && !flow_.source_path.empty())
      path = std::filesystem::path(flow_.source_path).parent_path() / path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      return NotFound("input '" + name + "' (FILE): no file at '" + path.string() + "'");
    ASSIGN_OR_RETURN(std::string uri,
                     env_.storage.Put(path, StoragePrefix() + "/inputs/" + name + "/" + path.filename().string()));
    out.Set(name, tmpl::Value(uri));
  }
  return tmpl::Value(std::move(out));
}

Result<tmpl::Value> RunningExecution::SealInputs(const tmpl::Value& inputs) const {
  tmpl::ValueMap out;
  for (const auto& [name, value] : inputs.AsMap()) {
    const flow::Input* decl = nullptr;
    for (const auto& in : flow_.inputs)
      if (in.id == name) decl = &in;
    bool secret = decl && decl->type == flow::InputType::kSecret;
    // A text that merely looks sealed is sealed too, so it reads back as given.
    if (!value.is_string() || !(secret || mask_.Holds(value.AsString()) || SecretCipher::IsSealed(value.AsString()))) {
      out.Set(name, value);
      continue;
    }
    auto sealed = env_.cipher.Seal(value.AsString(), "input:" + name);
    if (!sealed.ok()) return Status(sealed.status()).WithContext("input '" + name + "': cannot store it encrypted");
    out.Set(name, tmpl::Value(*sealed));
  }
  return tmpl::Value(std::move(out));
}

Result<tmpl::Value> RunningExecution::OpenInputs(const tmpl::Value& stored) const {
  if (!stored.is_map()) return stored;
  tmpl::ValueMap out;
  for (const auto& [name, value] : stored.AsMap()) {
    if (!value.is_string() || !SecretCipher::IsSealed(value.AsString())) {
      out.Set(name, value);
      continue;
    }
    auto opened = env_.cipher.Open(value.AsString(), "input:" + name);
    if (!opened.ok())
      return Status(opened.status()).WithContext("execution " + execution_.id + " input '" + name + "'");
    out.Set(name, tmpl::Value(*opened));
  }
  return tmpl::Value(std::move(out));
}

tmpl::Value RunningExecution::MaskValues(const tmpl::Value& map) const {
  if (!map.is_map()) return map;
  tmpl::ValueMap out;
  for (const auto& [k, v] : map.AsMap()) out.Set(k, v.is_string() ? tmpl::Value(mask_.Mask(v.AsString())) : v);
  return tmpl::Value(std::move(out));
}

void RunningExecution::BuildContext(const tmpl::Value& inputs, tmpl::Value labels) {
  // SECRET inputs are masked like secret() values.
  for (const auto& in : flow_.inputs) {
    const tmpl::Value* v = inputs.Get(in.id);
    if (in.type == flow::InputType::kSecret && v && v->is_string()) mask_.Add(v->AsString());
  }
  tmpl::ValueMap ctx;
  ctx.Set("flow", tmpl::Value::MakeMap({{"id", tmpl::Value(flow_.id)},
                                        {"namespace", tmpl::Value(flow_.namespace_)},
                                        {"revision", tmpl::Value(static_cast<int64_t>(std::max(flow_.revision, 1)))}}));
  ctx.Set("execution", tmpl::Value::MakeMap(
                           {{"id", tmpl::Value(execution_.id)}, {"startDate", tmpl::Value(FormatTimestamp(start_))}}));
  ctx.Set("inputs", inputs);
  ctx.Set("labels", std::move(labels));
  ctx.Set("outputs", tmpl::Value(tmpl::ValueMap{}));
  if (!trigger_.is_null()) ctx.Set("trigger", trigger_);
  ctx.Set("globals", tmpl::Value::MakeMap({{"lake", tmpl::Value(env_.settings.lake.string())}}));
  // Kestra exposes ENV_FOO as {{ envs.foo }}.
  tmpl::ValueMap envs;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (!kv.starts_with("ENV_")) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(kv.substr(4, eq - 4));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    envs.Set(key, tmpl::Value(std::string(kv.substr(eq + 1))));
  }
  ctx.Set("envs", tmpl::Value(std::move(envs)));
  context_ = tmpl::Value(std::move(ctx));
  files_ = LocalFileAccess(NamespaceFiles(), env_.settings.allowed_paths);
  host_.emplace(FlowRenderHost::Services{.storage = &env_.storage,
                                         .object_stores = &env_.object_stores,
                                         .store = &env_.store,
                                         .secrets_file = env_.settings.secrets_file,
                                         .files = files_,
                                         .mask = &mask_,
                                         .namespace_ = flow_.namespace_,
                                         .clock = env_.settings.clock});
  kv_.emplace(env_.store, *env_.settings.clock);
  services_ = ExecutionServices{
      .storage = &env_.storage,
      .object_stores = &env_.object_stores,
      .host = &*host_,
      .context_mu = &context_mu_,
      .kv = &*kv_,
      .namespace_ = flow_.namespace_,
      .namespace_files = NamespaceFiles(),
      .files = &files_,
      .set_labels = [this](const std::vector<std::pair<std::string, std::string>>& added) { return SetLabels(added); },
      .logs = [this](const std::string& id) -> Result<tmpl::Value> {
        tmpl::ValueList lines;
        int64_t after = 0;
        while (true) {
          ASSIGN_OR_RETURN(std::vector<state::LogEntry> page, env_.store.GetLogs(id, after));
          if (page.empty()) break;
          for (const auto& l : page) {
            lines.push_back(tmpl::Value::MakeMap({{"timestamp", tmpl::Value(FormatTimestamp(l.at))},
                                                  {"level", tmpl::Value(std::string(LogLevelName(l.level)))},
                                                  {"taskId", tmpl::Value(l.task_id)},
                                                  {"message", tmpl::Value(l.message)}}));
            after = l.seq;
          }
        }
        return tmpl::Value(std::move(lines));
      },
      .execution_id = execution_.id,
      .clock = env_.settings.clock,
      .process_group_started = [this](const std::string& run_id, const ProcessGroup& g) -> Status {
        return env_.store.AddProcessGroup(run_id, g);
      },
      .process_group_ended =
          [this](const std::string& run_id, const ProcessGroup& g) {
            // A record left behind is harmless: a later kill or recovery
            // finds no live process in the group.
            Status s = env_.store.RemoveProcessGroup(run_id, g.pgid);
            if (!s.ok()) Logger().Warn("process group " + std::to_string(g.pgid) + ": " + s.ToString());
          },
  };
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

Status RunningExecution::SetLabels(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::unique_lock lock(context_mu_);
  tmpl::Value* current = context_.MutableMap().Find("labels");
  tmpl::ValueMap updated = current && current->is_map() ? current->AsMap() : tmpl::ValueMap{};
  // Stored and seen masked: a label shows in every listing.
  for (const auto& [k, v] : labels) updated.Set(k, tmpl::Value(mask_.Mask(v)));
  tmpl::Value value(std::move(updated));
  RETURN_IF_ERROR(env_.store.SetExecutionLabels(execution_.id, tmpl::ToJson(value)));
  context_.MutableMap().Set("labels", std::move(value));
  return Status::Ok();
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
  // A ForEach over secret values: the stored (and shown) loop values are
  // masked; this run keeps them to place its outputs.
  state::TaskRun shown = run;
  shown.loop_values_json = mask_.Mask(run.loop_values_json);
  RETURN_IF_ERROR(env_.store.CreateTaskRun(shown));
  if (env_.events.has_subscribers())
    env_.events.Publish({.kind = ExecutionEvent::Kind::kTaskRunState, .task_run = shown});
  return Status::Ok();
}

Status RunningExecution::Transition(state::TaskRun& run, State state, state::TransitionDetails details) {
  run.state = state;
  if (details.outputs_json) details.outputs_json = mask_.Mask(*details.outputs_json);
  if (details.error) details.error = mask_.Mask(*details.error);
  if (details.outputs_json) run.outputs_json = *details.outputs_json;
  if (details.error) run.error = *details.error;
  run.history.push_back({state, Now()});
  RETURN_IF_ERROR(env_.store.TransitionTaskRun(run.id, state, run.history.back().at, details));
  if (env_.events.has_subscribers())
    env_.events.Publish({.kind = ExecutionEvent::Kind::kTaskRunState, .task_run = run});
  return Status::Ok();
}

tmpl::Value RunningExecution::VariablesFor(const flow::TaskSpec& spec, const Scope& scope, const state::TaskRun& run) {
  tmpl::ValueMap vars;
  {
    std::shared_lock lock(context_mu_);
    for (const auto& [k, v] : context_.AsMap()) vars.Set(k, v);
  }
  vars.Set("task", tmpl::Value::MakeMap({{"id", tmpl::Value(spec.id)}, {"type", tmpl::Value(spec.task_type->name)}}));
  tmpl::ValueMap taskrun;
  taskrun.Set("id", tmpl::Value(run.id));
  taskrun.Set("attemptsCount", tmpl::Value(run.attempt - 1));
  if (!run.parent_id.empty()) taskrun.Set("parentId", tmpl::Value(run.parent_id));
  if (!scope.iterations.empty()) {
    for (const auto& [k, v] : scope.iterations.back().AsMap()) taskrun.Set(k, v);
    // Kestra's parent (the next iteration out) and parents (all, innermost first).
    tmpl::ValueList parents;
    for (size_t i = scope.iterations.size() - 1; i-- > 0;)
      parents.push_back(tmpl::Value::MakeMap({{"taskrun", scope.iterations[i]}}));
    if (!parents.empty()) vars.Set("parent", parents.front());
    vars.Set("parents", tmpl::Value(std::move(parents)));
  }
  vars.Set("taskrun", tmpl::Value(std::move(taskrun)));
  return tmpl::Value(std::move(vars));
}

Result<tmpl::Value> RunningExecution::Render(const flow::YamlNode& node, const tmpl::Value& variables) {
  std::shared_lock lock(context_mu_);
  return RenderNode(node, variables, &*host_);
}

void RunningExecution::SetOutputs(const std::string& task_id, const std::vector<std::string>& keys,
                                  tmpl::Value outputs) {
  std::unique_lock lock(context_mu_);
  tmpl::ValueMap& all = context_.Get("outputs")->MutableMap();
  if (keys.empty()) {
    all.Set(task_id, std::move(outputs));
    return;
  }
  // Inside iterations: outputs.<task>[v1][v2]... = outputs.
  tmpl::Value* level = all.Find(task_id);
  if (!level || !level->is_map()) {
    all.Set(task_id, tmpl::Value(tmpl::ValueMap{}));
    level = all.Find(task_id);
  }
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    tmpl::Value* next = level->MutableMap().Find(keys[i]);
    if (!next || !next->is_map()) {
      level->MutableMap().Set(keys[i], tmpl::Value(tmpl::ValueMap{}));
      next = level->MutableMap().Find(keys[i]);
    }
    level = next;
  }
  level->MutableMap().Set(keys.back(), std::move(outputs));
}

Result<Outcome> RunningExecution::RunList(const std::vector<flow::TaskSpec>& tasks, const Scope& scope,
                                          bool stop_at_failure) {
  Outcome out;
  for (const auto& task : tasks) {
    if (task.disabled) continue;
    if (killed()) {
      out.killed = true;
      break;
    }
    ASSIGN_OR_RETURN(State end, RunTask(task, scope));
    out.Merge(OutcomeOf(task, end));
    if (out.paused || out.killed || (out.failed && stop_at_failure)) break;
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
    case State::kPaused:
      out.paused = true;
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
    ASSIGN_OR_RETURN(State end, RunAttempt(spec, scope, success));
    if (end != State::kFailed || !spec.retry || killed()) return end;
    auto elapsed = std::chrono::duration_cast<Duration>(Now() - first_start);
    std::optional<Duration> delay;
    {
      std::lock_guard lock(mu_);
      delay = spec.retry->NextDelay(retries + 1, elapsed, rng_);
    }
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

Result<State> RunningExecution::RunAttempt(const flow::TaskSpec& spec, const Scope& scope, State success_state) {
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
    run.id = NewId();
    run.execution_id = execution_.id;
    run.task_id = spec.id;
    run.task_type = spec.task_type->name;
    run.parent_id = scope.parent_run_id;
    run.scope = scope.path;
    tmpl::ValueList loop;
    for (const auto& k : scope.output_keys) loop.push_back(tmpl::Value(k));
    run.loop_values_json = tmpl::ToJson(tmpl::Value(std::move(loop)));
    RETURN_IF_ERROR(CreateRun(run));
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
  RunTaskContext ctx(spec, variables, services_, prefix, env_.settings.scratch / execution_.id / run.id,
                     scope.shared_workdir, [&](LogLevel level, std::string_view message) {
                       if (!spec.log_level || level >= *spec.log_level) Log(run.id, spec.id, level, message);
                     });
  ctx.set_task_run_id(run.id);
  {
    std::lock_guard lock(mu_);
    active_.insert(&ctx);
  }
  if (killed()) ctx.Cancel();  // a kill that came before the registration
  FlowableEnd end;
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
    Result<tmpl::Value> outputs = RunRunnable(spec, ctx);
    if (outputs.ok()) {
      if (Status committed = ctx.CommitStorageFiles(); !committed.ok()) outputs = committed;
    }
    if (outputs.ok()) {
      end = {.state = State::kSuccess, .outputs = std::move(*outputs)};
    } else {
      end = {.state = State::kFailed, .error = outputs.status().ToString()};
    }
  }
  {
    std::lock_guard lock(mu_);
    active_.erase(&ctx);
  }
  RETURN_IF_ERROR(store_error_);
  if (end.state == State::kFailed && killed()) end = {.state = State::kKilled, .error = "killed"};
  if (end.state == State::kSuccess) end.state = success_state;
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
    default:
      if (!end.error.empty())
        Log(run.id, spec.id, end.state == State::kKilled ? LogLevel::kWarn : LogLevel::kError, end.error);
      RETURN_IF_ERROR(Transition(run, end.state, {.error = end.error}));
      return end.state;
  }
}

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
