#include "exec/executor.h"

#include <unistd.h>

#include <cctype>
#include <future>
#include <optional>
#include <random>
#include <thread>

#include "core/id.h"
#include "exec/execution_lock.h"
#include "exec/task_context.h"
#include "tmpl/json.h"

extern char** environ;

namespace floe::exec {

using state::State;

// One execution in flight: the template context, the store calls, the
// observer notifications.
class RunningExecution {
 public:
  RunningExecution(Executor& executor, const flow::Flow& flow) : ex_(executor), flow_(flow) {}

  Result<std::string> Start(const std::map<std::string, tmpl::Value>& given) {
    ASSIGN_OR_RETURN(tmpl::Value inputs, flow::ResolveInputs(flow_, given));
    execution_.id = NewId();
    // Held until the execution ends (or the process dies): recovery skips it.
    ASSIGN_OR_RETURN(ExecutionLock lock, ExecutionLock::Acquire(ex_.settings_.locks, execution_.id));
    lock_.emplace(std::move(lock));
    execution_.namespace_ = flow_.namespace_;
    execution_.flow_id = flow_.id;
    execution_.flow_source = flow_.source;
    execution_.flow_path = flow_.source_path;
    ASSIGN_OR_RETURN(inputs, StoreFileInputs(inputs));
    execution_.inputs_json = tmpl::ToJson(inputs);
    tmpl::ValueMap labels;
    for (const auto& [k, v] : flow_.labels) labels.Set(k, tmpl::Value(v));
    execution_.labels_json = tmpl::ToJson(tmpl::Value(labels));
    execution_.state = State::kCreated;
    start_ = Now();
    execution_.history.push_back({State::kCreated, start_});
    RETURN_IF_ERROR(ex_.store_.CreateExecution(execution_));
    if (ex_.observer_) ex_.observer_->OnExecutionCreated(execution_);
    BuildContext(inputs, tmpl::Value(std::move(labels)));
    return execution_.id;
  }

  // Picks up a stored, unfinished execution: the context is rebuilt from its
  // inputs and finished task runs; interrupted runs become FAILED attempts.
  Status Restore(const state::Execution& stored) {
    execution_ = stored;
    start_ = stored.created();
    ASSIGN_OR_RETURN(tmpl::Value inputs, tmpl::ParseJson(stored.inputs_json));
    ASSIGN_OR_RETURN(tmpl::Value labels, tmpl::ParseJson(stored.labels_json));
    BuildContext(inputs, labels);
    for (const auto& run : stored.task_runs) {
      attempts_[run.task_id] = std::max(attempts_[run.task_id], run.attempt);
      if (state::IsTerminal(run.state)) {
        finished_[run.task_id] = run.state;  // the latest attempt decides
        if (run.state == State::kSuccess || run.state == State::kWarning) {
          ASSIGN_OR_RETURN(tmpl::Value outputs, tmpl::ParseJson(run.outputs_json));
          context_.Get("outputs")->MutableMap().Set(run.task_id, outputs);
        }
        continue;
      }
      finished_.erase(run.task_id);
      std::string why = "interrupted: the floe process running this task stopped; it runs again on recovery";
      state::TaskRun interrupted = run;
      RETURN_IF_ERROR(Transition(interrupted, State::kFailed, {.error = why}));
      Log(run.id, run.task_id, LogLevel::kWarn, why);
    }
    Log("", "", LogLevel::kInfo, "resuming execution " + execution_.id + " after an interruption");
    return Status::Ok();
  }

  // Runs to a terminal state. Errors are store failures only.
  Status Run() {
    RETURN_IF_ERROR(ex_.store_.TransitionExecution(execution_.id, State::kRunning, Now()));
    FlowRenderHost host(ex_.storage_);
    auto vars = RenderNode(flow_.variables, context_, &host);
    if (!vars.ok()) return Fail(Status(vars.status()).WithContext("flow variables").ToString());
    context_.MutableMap().Set("vars", vars->is_map() ? *vars : tmpl::Value(tmpl::ValueMap{}));

    // Kestra's order: the tasks until one fails; then the `errors` tasks;
    // then, whatever happened, the `finally` tasks.
    Outcome outcome;
    RETURN_IF_ERROR(RunList(flow_.tasks, /*stop_at_failure=*/true, outcome));
    if (!outcome.failed_task.empty()) RETURN_IF_ERROR(RunList(flow_.errors, /*stop_at_failure=*/false, outcome));
    RETURN_IF_ERROR(RunList(flow_.finally_tasks, /*stop_at_failure=*/false, outcome));
    if (!outcome.failed_task.empty()) return Fail("task '" + outcome.failed_task + "' failed");
    tmpl::ValueMap outputs;
    for (const auto& out : flow_.outputs) {
      auto v = RenderNode(out.value, context_, &host);
      if (!v.ok()) return Fail(Status(v.status()).WithContext("flow output '" + out.id + "'").ToString());
      outputs.Set(out.id, *v);
    }
    return ex_.store_.TransitionExecution(execution_.id, outcome.warning ? State::kWarning : State::kSuccess, Now(),
                                          {.outputs_json = tmpl::ToJson(tmpl::Value(std::move(outputs)))});
  }

 private:
  Timestamp Now() const { return ex_.settings_.clock->Now(); }

  Status Fail(std::string error) {
    Log("", "", LogLevel::kError, error);
    return ex_.store_.TransitionExecution(execution_.id, State::kFailed, Now(), {.error = error});
  }

  std::string StoragePrefix() const { return flow_.namespace_ + "/" + flow_.id + "/executions/" + execution_.id; }

  // FILE inputs are copied into the execution's storage, so the execution
  // does not depend on the original file staying put.
  Result<tmpl::Value> StoreFileInputs(const tmpl::Value& inputs) {
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
      bool from_default =
          decl->defaults && decl->defaults->is_string() && decl->defaults->AsString() == value.AsString();
      if (path.is_relative() && from_default && !flow_.source_path.empty())
        path = std::filesystem::path(flow_.source_path).parent_path() / path;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec))
        return NotFound("input '" + name + "' (FILE): no file at '" + path.string() + "'");
      ASSIGN_OR_RETURN(std::string uri,
                       ex_.storage_.Put(path, StoragePrefix() + "/inputs/" + name + "/" + path.filename().string()));
      out.Set(name, tmpl::Value(uri));
    }
    return tmpl::Value(std::move(out));
  }

  void BuildContext(const tmpl::Value& inputs, tmpl::Value labels) {
    tmpl::ValueMap ctx;
    ctx.Set("flow",
            tmpl::Value::MakeMap({{"id", tmpl::Value(flow_.id)}, {"namespace", tmpl::Value(flow_.namespace_)}}));
    ctx.Set("execution", tmpl::Value::MakeMap({{"id", tmpl::Value(execution_.id)},
                                               {"startDate", tmpl::Value(FormatTimestamp(start_))}}));
    ctx.Set("inputs", inputs);
    ctx.Set("labels", std::move(labels));
    ctx.Set("outputs", tmpl::Value(tmpl::ValueMap{}));
    ctx.Set("globals", tmpl::Value::MakeMap({{"lake", tmpl::Value(ex_.settings_.lake.string())}}));
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
  }

  void Log(const std::string& task_run_id, const std::string& task_id, LogLevel level, std::string_view message) {
    state::LogEntry entry{.execution_id = execution_.id,
                          .task_run_id = task_run_id,
                          .task_id = task_id,
                          .at = Now(),
                          .level = level,
                          .message = std::string(message)};
    Status s = ex_.store_.AppendLogs({&entry, 1});
    if (!s.ok()) store_error_ = s;
    if (ex_.observer_) ex_.observer_->OnLog(entry);
  }

  Status Transition(state::TaskRun& run, State state, state::TransitionDetails details = {}) {
    run.state = state;
    if (details.outputs_json) run.outputs_json = *details.outputs_json;
    if (details.error) run.error = *details.error;
    run.history.push_back({state, Now()});
    RETURN_IF_ERROR(ex_.store_.TransitionTaskRun(run.id, state, run.history.back().at, details));
    if (ex_.observer_) ex_.observer_->OnTaskRunState(run);
    return Status::Ok();
  }

  struct Outcome {
    std::string failed_task;  // the first task whose failure fails the execution
    bool warning = false;     // a task ended WARNING, or one with allowFailure failed
  };

  Status RunList(const std::vector<flow::TaskSpec>& tasks, bool stop_at_failure, Outcome& outcome) {
    for (const auto& task : tasks) {
      if (task.disabled) continue;
      bool ok = false;
      RETURN_IF_ERROR(RunTask(task, &ok, &outcome.warning));
      if (ok) continue;
      if (task.allow_failure) {
        outcome.warning = true;
        continue;
      }
      if (outcome.failed_task.empty()) outcome.failed_task = task.id;
      if (stop_at_failure) break;
    }
    return Status::Ok();
  }

  // runIf, rendered: true (or absent) runs the task.
  Result<bool> ShouldRun(const flow::TaskSpec& spec) {
    if (!spec.run_if) return true;
    FlowRenderHost host(ex_.storage_);
    ASSIGN_OR_RETURN(tmpl::Value v, RenderNode(*spec.run_if, context_, &host));
    return flow::ConditionHolds(v);
  }

  // Runs a task's attempts: the first, then as many retries as its policy
  // allows, each a new task run.
  Status RunTask(const flow::TaskSpec& spec, bool* ok, bool* warning) {
    // On resume, a task that finished before the interruption is not run
    // again: its recorded outcome counts.
    if (auto it = finished_.find(spec.id); it != finished_.end()) {
      *ok = it->second != State::kFailed;
      *warning = *warning || it->second == State::kWarning;
      return Status::Ok();
    }
    Timestamp first_start = Now();
    int retries = 0;
    while (true) {
      State success = retries > 0 && spec.retry && spec.retry->warning_on_retry ? State::kWarning : State::kSuccess;
      RETURN_IF_ERROR(RunAttempt(spec, success, ok));
      if (*ok) {
        *warning = *warning || success == State::kWarning;
        return Status::Ok();
      }
      if (!spec.retry) return Status::Ok();
      auto elapsed = std::chrono::duration_cast<Duration>(Now() - first_start);
      std::optional<Duration> delay = spec.retry->NextDelay(retries + 1, elapsed, rng_);
      if (!delay) return Status::Ok();
      ++retries;
      Log("", spec.id, LogLevel::kWarn,
          "task '" + spec.id + "' failed; retry " + std::to_string(retries) + " in " + FormatDuration(*delay));
      std::this_thread::sleep_for(*delay);
    }
  }

  // One attempt: a new task run, ending in `success_state` or FAILED.
  Status RunAttempt(const flow::TaskSpec& spec, State success_state, bool* ok) {
    state::TaskRun run{
        .id = NewId(), .execution_id = execution_.id, .task_id = spec.id, .task_type = spec.task_type->name};
    run.attempt = ++attempts_[spec.id];
    run.history.push_back({State::kCreated, Now()});
    RETURN_IF_ERROR(ex_.store_.CreateTaskRun(run));
    if (ex_.observer_) ex_.observer_->OnTaskRunState(run);
    auto should_run = ShouldRun(spec);
    if (!should_run.ok()) {
      std::string error = Status(should_run.status()).WithContext("task '" + spec.id + "' runIf").ToString();
      Log(run.id, spec.id, LogLevel::kError, error);
      RETURN_IF_ERROR(Transition(run, State::kFailed, {.error = error}));
      *ok = false;
      return Status::Ok();
    }
    if (!*should_run) {
      RETURN_IF_ERROR(Transition(run, State::kSkipped));
      *ok = true;
      return Status::Ok();
    }
    RETURN_IF_ERROR(Transition(run, State::kRunning));

    std::string prefix = StoragePrefix() + "/tasks/" + spec.id + "/" + run.id;
    Result<tmpl::Value> outputs = Status(StatusCode::kInternal, "not run");
    {
      RunTaskContext ctx(spec, context_, ex_.storage_, prefix, ex_.settings_.scratch / execution_.id / run.id,
                         [&](LogLevel level, std::string_view message) { Log(run.id, spec.id, level, message); });
      ctx.AddVariable(
          "task", tmpl::Value::MakeMap({{"id", tmpl::Value(spec.id)}, {"type", tmpl::Value(spec.task_type->name)}}));
      ctx.AddVariable("taskrun", tmpl::Value::MakeMap(
                                     {{"id", tmpl::Value(run.id)}, {"attemptsCount", tmpl::Value(run.attempt - 1)}}));
      std::unique_ptr<flow::Task> task = spec.task_type->factory();
      if (!spec.timeout) {
        outputs = task->Run(ctx);
      } else {
        // The task runs on its own thread so this one can stop it in time:
        // on timeout the context is cancelled (interrupting a query, waking
        // a sleep) and the task's thread is joined before going on.
        std::packaged_task<Result<tmpl::Value>()> job([&] { return task->Run(ctx); });
        std::future<Result<tmpl::Value>> result = job.get_future();
        std::thread worker(std::move(job));
        if (result.wait_for(*spec.timeout) == std::future_status::timeout) {
          ctx.Cancel();
          worker.join();
          outputs = Status(StatusCode::kDeadlineExceeded, "task '" + spec.id + "' timed out after " +
                                                              FormatDuration(*spec.timeout) + " (its timeout)");
        } else {
          worker.join();
          outputs = result.get();
        }
      }
    }
    RETURN_IF_ERROR(store_error_);
    if (!outputs.ok()) {
      std::string error = outputs.status().ToString();
      Log(run.id, spec.id, LogLevel::kError, error);
      RETURN_IF_ERROR(Transition(run, State::kFailed, {.error = error}));
      *ok = false;
      return Status::Ok();
    }
    tmpl::Value result = outputs->is_map() ? std::move(*outputs) : tmpl::Value(tmpl::ValueMap{});
    RETURN_IF_ERROR(Transition(run, success_state, {.outputs_json = tmpl::ToJson(result)}));
    context_.Get("outputs")->MutableMap().Set(spec.id, std::move(result));
    *ok = true;
    return Status::Ok();
  }

  Executor& ex_;
  const flow::Flow& flow_;
  state::Execution execution_;
  Timestamp start_;
  tmpl::Value context_;
  Status store_error_;
  std::map<std::string, State> finished_;  // task id -> final state, when resuming
  std::map<std::string, int> attempts_;    // task id -> attempts already made
  std::optional<ExecutionLock> lock_;
  std::mt19937_64 rng_{std::random_device{}()};  // random retry delays
};

Executor::Executor(state::Store& store, const flow::TaskRegistry& registry, const storage::InternalStorage& storage,
                   ExecutorSettings settings)
    : store_(store), registry_(registry), storage_(storage), settings_(std::move(settings)) {}

Result<std::string> Executor::Run(const flow::Flow& flow, const std::map<std::string, tmpl::Value>& inputs) {
  RunningExecution running(*this, flow);
  ASSIGN_OR_RETURN(std::string id, running.Start(inputs));
  RETURN_IF_ERROR(running.Run());
  return id;
}

Status Executor::Resume(const std::string& execution_id) {
  ASSIGN_OR_RETURN(ExecutionLock lock, ExecutionLock::Acquire(settings_.locks, execution_id));
  ASSIGN_OR_RETURN(state::Execution stored, store_.GetExecution(execution_id));
  if (state::IsTerminal(stored.state)) {
    return FailedPrecondition("execution " + execution_id + " already ended in " +
                              std::string(state::StateName(stored.state)));
  }
  flow::FlowParse parse = flow::ParseFlow(stored.flow_source, stored.flow_path, registry_);
  if (!parse.errors.empty()) {
    std::string error =
        "cannot resume: the flow it ran no longer loads: " + flow::CombineErrors(parse.errors).ToString();
    return store_.TransitionExecution(execution_id, state::State::kFailed, settings_.clock->Now(), {.error = error});
  }
  RunningExecution running(*this, *parse.flow);
  RETURN_IF_ERROR(running.Restore(stored));
  return running.Run();
}

Result<std::vector<std::string>> Executor::RecoverAll() {
  std::vector<std::string> recovered;
  for (state::State s : {state::State::kRunning, state::State::kCreated}) {
    ASSIGN_OR_RETURN(auto executions, store_.ListExecutions({.state = s, .limit = 100000}));
    // Oldest first, as they were started.
    for (auto it = executions.rbegin(); it != executions.rend(); ++it) {
      Status status = Resume(it->id);
      if (status.code() == StatusCode::kFailedPrecondition) continue;  // live elsewhere, or ended meanwhile
      RETURN_IF_ERROR(status);
      recovered.push_back(it->id);
    }
  }
  return recovered;
}

}  // namespace floe::exec
