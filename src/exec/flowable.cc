// The flowable tasks: they run child tasks (in order, concurrently, per
// value, by condition, by dependency) inside the execution that runs them.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <regex>

#include "core/strings.h"
#include "exec/running_execution.h"
#include "flow/task_files.h"
#include "storage/digest.h"
#include "tmpl/json.h"

namespace floe::exec {

using state::State;

namespace {

// Orchestration threads per flowable: most of their time is spent waiting on
// children, and the worker slots bound the real work.
constexpr size_t kMaxBranchThreads = 32;

const std::vector<flow::TaskSpec> kNoTasks;

const std::vector<flow::TaskSpec>& BranchOr(const flow::TaskSpec& spec, std::string_view name) {
  const auto* b = spec.Branch(name);
  return b ? *b : kNoTasks;
}

// The end of a flowable from its children's outcome.
State StateOf(const Outcome& o) {
  if (o.killed) return State::kKilled;
  if (o.cancelled) return State::kCancelled;
  if (o.paused) return State::kPaused;
  if (o.retried) return State::kRetried;
  if (o.failed) return State::kFailed;
  return o.warning ? State::kWarning : State::kSuccess;
}

Result<int64_t> IntProperty(flow::TaskContext& ctx, std::string_view name, int64_t fallback) {
  ASSIGN_OR_RETURN(int64_t n, ctx.IntOr(name, fallback));
  if (n < 0) return ctx.PropertyError(name, "must be a whole number, 0 or more");
  return n;
}

// ForEach values: a list, a map (each entry as {"key", "value"}), or JSON
// text of either. Non-text values reach {{ taskrun.value }} as JSON text, as
// in Kestra.
Result<std::vector<std::string>> IterationValues(flow::TaskContext& ctx, std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> v, ctx.Property(name));
  if (!v) return ctx.PropertyError(name, "required property '" + std::string(name) + "' is missing");
  tmpl::Value values = *v;
  if (values.is_string()) {
    auto parsed = tmpl::ParseJson(values.AsString());
    if (!parsed.ok() || !(parsed->is_list() || parsed->is_map()))
      return ctx.PropertyError(name, "must be a list, a map, or JSON text of one; got '" + values.AsString() + "'");
    values = *parsed;
  }
  std::vector<std::string> out;
  auto text = [](const tmpl::Value& x) { return x.is_string() ? x.AsString() : tmpl::ToJson(x); };
  if (values.is_list()) {
    for (const auto& x : values.AsList()) out.push_back(text(x));
  } else if (values.is_map()) {
    for (const auto& [k, x] : values.AsMap())
      out.push_back(tmpl::ToJson(tmpl::Value::MakeMap({{"key", tmpl::Value(k)}, {"value", x}})));
  } else {
    return ctx.PropertyError(name, "must be a list or a map, not " + std::string(values.TypeName()));
  }
  return out;
}

}  // namespace

Result<Outcome> RunningExecution::RunConcurrently(size_t count, size_t limit,
                                                  const std::vector<std::vector<size_t>>& deps,
                                                  const std::function<Result<Outcome>(size_t)>& run_one) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<size_t> waiting_on(count, 0);
  std::vector<std::vector<size_t>> dependents(count);
  std::deque<size_t> ready;
  for (size_t i = 0; i < count; ++i) {
    waiting_on[i] = i < deps.size() ? deps[i].size() : 0;
    if (i < deps.size())
      for (size_t d : deps[i]) dependents[d].push_back(i);
    if (waiting_on[i] == 0) ready.push_back(i);
  }
  size_t running = 0;
  bool stop = false;
  Outcome merged;
  Status error;

  auto worker = [&] {
    std::unique_lock lock(mu);
    while (true) {
      cv.wait(lock, [&] { return (!stop && !ready.empty()) || running == 0; });
      if (stop || ready.empty()) break;  // nothing more will become ready
      size_t i = ready.front();
      ready.pop_front();
      ++running;
      lock.unlock();
      Result<Outcome> one = killed()            ? Result<Outcome>(Outcome{.killed = true})
                            : pause_requested() ? Result<Outcome>(Outcome{.paused = true})
                                                : run_one(i);
      lock.lock();
      --running;
      if (!one.ok()) {
        if (error.ok()) error = one.status();
        stop = true;
      } else {
        merged.Merge(*one);
        if (one->stopped()) {
          stop = true;
        } else {
          for (size_t d : dependents[i])
            if (--waiting_on[d] == 0) ready.push_back(d);
        }
      }
      cv.notify_all();
    }
    cv.notify_all();
  };

  size_t threads = std::min(count, limit == 0 ? kMaxBranchThreads : std::min(limit, kMaxBranchThreads));
  std::vector<std::thread> extra;
  for (size_t t = 1; t < threads; ++t) extra.emplace_back(worker);
  if (threads > 0) worker();
  for (auto& t : extra) t.join();
  RETURN_IF_ERROR(error);
  return merged;
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunFlowable(const flow::TaskSpec& spec, const Scope& scope,
                                                                    state::TaskRun& run, RunTaskContext& ctx) {
  Scope inner = scope;
  inner.parent_run_id = run.id;
  // Kestra's {{ parents }} entry for this run: a value only when it is a
  // ForEach iteration's direct child (Kestra gives other children none).
  tmpl::Value entry = tmpl::Value(tmpl::ValueMap{});
  if (scope.iteration_child && !scope.iterations.empty())
    if (const tmpl::Value* value = scope.iterations.back().Get("value"))
      entry = tmpl::Value::MakeMap({{"taskrun", tmpl::Value::MakeMap({{"value", *value}})}});
  inner.ancestors.push_back(std::move(entry));
  inner.iteration_child = false;
  const auto* errors = spec.Branch("errors");
  const auto* finally_tasks = spec.Branch("finally");
  auto ended = [](const Outcome& o, tmpl::Value outputs = tmpl::Value(tmpl::ValueMap{})) {
    return FlowableEnd{.state = StateOf(o), .outputs = std::move(outputs)};
  };
  switch (spec.task_type->flowable) {
    case flow::Flowable::kSequential: {
      ASSIGN_OR_RETURN(Outcome o, RunWithHandlers(BranchOr(spec, "tasks"), errors, finally_tasks, inner));
      return ended(o);
    }
    case flow::Flowable::kAllowFailure: {
      ASSIGN_OR_RETURN(Outcome o, RunWithHandlers(BranchOr(spec, "tasks"), errors, finally_tasks, inner));
      if (o.failed) {
        ctx.Log(LogLevel::kWarn, "task '" + o.failed_task + "' failed; allowed by '" + spec.id + "'");
        o.failed = false;
        o.warning = true;
      }
      return ended(o);
    }
    case flow::Flowable::kParallel: {
      ASSIGN_OR_RETURN(int64_t limit, IntProperty(ctx, "concurrent", 0));
      const auto& branches = BranchOr(spec, "tasks");
      std::vector<const flow::TaskSpec*> enabled;
      for (const auto& t : branches)
        if (!t.disabled) enabled.push_back(&t);
      ASSIGN_OR_RETURN(
          Outcome o, RunConcurrently(enabled.size(), static_cast<size_t>(limit), {}, [&](size_t i) -> Result<Outcome> {
            ASSIGN_OR_RETURN(State end, RunTask(*enabled[i], inner));
            return OutcomeOf(*enabled[i], end);
          }));
      ASSIGN_OR_RETURN(o, FinishWithHandlers(o, errors, finally_tasks, inner));
      return ended(o);
    }
    case flow::Flowable::kIf: {
      ASSIGN_OR_RETURN(std::optional<tmpl::Value> condition, ctx.Property("condition"));
      bool holds = condition && flow::ConditionHolds(*condition);
      const auto& branch = BranchOr(spec, holds ? "then" : "else");
      ASSIGN_OR_RETURN(Outcome o, RunWithHandlers(branch, errors, finally_tasks, inner));
      return ended(o);
    }
    case flow::Flowable::kSwitch: {
      ASSIGN_OR_RETURN(std::optional<tmpl::Value> v, ctx.Property("value"));
      std::string value = v ? tmpl::ToDisplayString(*v, tmpl::Dialect::kPebble) : "";
      const auto* branch = spec.Branch("case:" + value);
      bool defaults = branch == nullptr;
      if (!branch) branch = spec.Branch("defaults");
      if (!branch)
        ctx.Log(LogLevel::kInfo, "no case matches '" + value + "' and there are no defaults: nothing to run");
      ASSIGN_OR_RETURN(Outcome o, RunWithHandlers(branch ? *branch : kNoTasks, errors, finally_tasks, inner));
      return ended(o, tmpl::Value::MakeMap({{"value", tmpl::Value(value)}, {"defaults", tmpl::Value(defaults)}}));
    }
    case flow::Flowable::kForEach:
      return RunForEach(spec, inner, run, ctx);
    case flow::Flowable::kDag:
      return RunDag(spec, inner, run, ctx);
    case flow::Flowable::kLoopUntil:
      return RunLoopUntil(spec, inner, run, ctx);
    case flow::Flowable::kWorkingDirectory:
      return RunWorkingDirectory(spec, inner, run, ctx);
    case flow::Flowable::kSubflow:
      return RunSubflow(spec, ctx);
    case flow::Flowable::kForEachItem: {
      ASSIGN_OR_RETURN(FlowableEnd end, RunForEachItem(spec, inner, ctx));
      if (!errors && !finally_tasks) return end;
      Outcome o{.failed = end.state == State::kFailed, .warning = end.state == State::kWarning};
      if (o.failed) o.failed_task = spec.id;
      ASSIGN_OR_RETURN(o, FinishWithHandlers(o, errors, finally_tasks, inner));
      end.state = StateOf(o);
      return end;
    }
    case flow::Flowable::kPause:
      return RunPause(spec, scope, run, ctx);
    case flow::Flowable::kTemplated:
      return RunTemplated(spec, scope, run, ctx);
    case flow::Flowable::kNone:
      break;
  }
  return Internal("task '" + spec.id + "' is not flowable");
}

Result<Outcome> RunningExecution::FinishWithHandlers(Outcome outcome, const std::vector<flow::TaskSpec>* errors,
                                                     const std::vector<flow::TaskSpec>* finally_tasks,
                                                     const Scope& scope) {
  // A cancelled execution ends at once, as a killed one: no handlers; so
  // does one a new execution retries.
  if (outcome.paused || outcome.killed || outcome.cancelled || outcome.retried) return outcome;
  if (outcome.failed && errors && !errors->empty()) {
    Scope handler = scope;
    handler.path += "!errors/";
    ASSIGN_OR_RETURN(Outcome handled, RunList(*errors, handler, /*stop_at_failure=*/false));
    outcome.Merge(handled);
  }
  if (finally_tasks && !finally_tasks->empty() && !outcome.paused && !outcome.killed && !outcome.cancelled) {
    Scope handler = scope;
    handler.path += "!finally/";
    ASSIGN_OR_RETURN(Outcome after, RunList(*finally_tasks, handler, /*stop_at_failure=*/false));
    outcome.Merge(after);
  }
  return outcome;
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunForEach(const flow::TaskSpec& spec, const Scope& scope,
                                                                   state::TaskRun& run, RunTaskContext& ctx) {
  (void)run;
  bool kestra_each = spec.task_type->FindProperty("value") != nullptr;  // EachSequential / EachParallel
  ASSIGN_OR_RETURN(std::vector<std::string> values, IterationValues(ctx, kestra_each ? "value" : "values"));
  int64_t limit = 1;
  if (spec.task_type->FindProperty("concurrencyLimit")) {
    ASSIGN_OR_RETURN(limit, IntProperty(ctx, "concurrencyLimit", 1));
  } else if (spec.task_type->FindProperty("concurrent")) {
    ASSIGN_OR_RETURN(limit, IntProperty(ctx, "concurrent", 0));
  }
  const auto& tasks = BranchOr(spec, "tasks");
  ASSIGN_OR_RETURN(Outcome o,
                   RunConcurrently(values.size(), static_cast<size_t>(limit), {}, [&](size_t i) -> Result<Outcome> {
                     Scope it = scope;
                     it.path += spec.id + "[" + std::to_string(i) + "]/";
                     it.iterations.push_back(tmpl::Value::MakeMap(
                         {{"value", tmpl::Value(values[i])}, {"iteration", tmpl::Value(static_cast<int64_t>(i))}}));
                     it.output_keys.push_back(values[i]);
                     it.iteration_child = true;
                     return RunList(tasks, it, /*stop_at_failure=*/true);
                   }));
  ASSIGN_OR_RETURN(o, FinishWithHandlers(o, spec.Branch("errors"), spec.Branch("finally"), scope));
  return FlowableEnd{.state = StateOf(o), .outputs = tmpl::Value(tmpl::ValueMap{})};
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunDag(const flow::TaskSpec& spec, const Scope& scope,
                                                               state::TaskRun& run, RunTaskContext& ctx) {
  (void)run;
  ASSIGN_OR_RETURN(int64_t limit, IntProperty(ctx, "concurrent", 0));
  const auto& tasks = BranchOr(spec, "tasks");
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < tasks.size(); ++i) index[tasks[i].id] = i;
  std::vector<std::vector<size_t>> deps(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i)
    for (const auto& d : tasks[i].depends_on) deps[i].push_back(index.at(d));  // checked when the flow loaded
  ASSIGN_OR_RETURN(Outcome o,
                   RunConcurrently(tasks.size(), static_cast<size_t>(limit), deps, [&](size_t i) -> Result<Outcome> {
                     if (tasks[i].disabled) return Outcome{};
                     ASSIGN_OR_RETURN(State end, RunTask(tasks[i], scope));
                     return OutcomeOf(tasks[i], end);
                   }));
  ASSIGN_OR_RETURN(o, FinishWithHandlers(o, spec.Branch("errors"), spec.Branch("finally"), scope));
  return FlowableEnd{.state = StateOf(o), .outputs = tmpl::Value(tmpl::ValueMap{})};
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunLoopUntil(const flow::TaskSpec& spec, const Scope& scope,
                                                                     state::TaskRun& run, RunTaskContext& ctx) {
  int64_t max_iterations = 100;
  Duration max_duration = std::chrono::hours(1);
  Duration interval = std::chrono::seconds(1);
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> freq, ctx.Property("checkFrequency"));
  if (freq) {
    if (!freq->is_map()) return ctx.PropertyError("checkFrequency", "must be a map");
    for (const auto& [k, v] : freq->AsMap()) {
      if (k == "maxIterations") {
        if (!v.is_int() || v.AsInt() < 1) return ctx.PropertyError("checkFrequency", "maxIterations must be 1 or more");
        max_iterations = v.AsInt();
      } else if (k == "maxDuration" || k == "interval") {
        auto d = v.is_string() ? ParseDuration(v.AsString()) : Result<Duration>(InvalidArgument("not text"));
        if (!d.ok() || d->count() < 0) return ctx.PropertyError("checkFrequency", k + " must be a duration like PT1S");
        (k == "interval" ? interval : max_duration) = *d;
      } else {
        return ctx.PropertyError("checkFrequency", "unknown key '" + k + "' (maxIterations, maxDuration, interval)");
      }
    }
  }
  ASSIGN_OR_RETURN(bool fail_on_max, ctx.BoolOr("failOnMaxReached", false));
  const auto& tasks = BranchOr(spec, "tasks");
  Timestamp started = Now();
  for (int64_t i = 0;; ++i) {
    Scope round = scope;
    round.path += spec.id + "[" + std::to_string(i) + "]/";
    // Kestra: the loop's children read {{ outputs.<loop>.iterationCount }}, from 1.
    SetOutputs(spec.id, scope.output_keys, tmpl::Value::MakeMap({{"iterationCount", tmpl::Value(i + 1)}}));
    ASSIGN_OR_RETURN(Outcome o, RunList(tasks, round, /*stop_at_failure=*/true));
    if (o.stopped()) {
      ASSIGN_OR_RETURN(o, FinishWithHandlers(o, spec.Branch("errors"), spec.Branch("finally"), scope));
      return FlowableEnd{.state = StateOf(o),
                         .outputs = tmpl::Value::MakeMap({{"iterationCount", tmpl::Value(i + 1)}})};
    }
    // The condition sees this round's outputs.
    ctx.ResetVariables(VariablesFor(spec, scope, run));
    ASSIGN_OR_RETURN(std::optional<tmpl::Value> condition, ctx.Property("condition"));
    if (condition && flow::ConditionHolds(*condition)) {
      ASSIGN_OR_RETURN(o, FinishWithHandlers(o, spec.Branch("errors"), spec.Branch("finally"), scope));
      return FlowableEnd{.state = StateOf(o),
                         .outputs = tmpl::Value::MakeMap({{"iterationCount", tmpl::Value(i + 1)}})};
    }
    bool out_of_rounds = i + 1 >= max_iterations;
    bool out_of_time = Now() - started >= max_duration;
    if (out_of_rounds || out_of_time) {
      std::string why = "'" + spec.id + "' reached its " +
                        (out_of_rounds ? "maxIterations (" + std::to_string(max_iterations) + ")"
                                       : "maxDuration (" + FormatDuration(max_duration) + ")") +
                        " before its condition held";
      tmpl::Value outputs = tmpl::Value::MakeMap({{"iterationCount", tmpl::Value(i + 1)}});
      if (fail_on_max) return FlowableEnd{.state = State::kFailed, .outputs = outputs, .error = why};
      ctx.Log(LogLevel::kWarn, why);
      return FlowableEnd{.state = State::kSuccess, .outputs = outputs};
    }
    if (!ctx.WaitFor(std::chrono::duration_cast<std::chrono::milliseconds>(interval)))
      return FlowableEnd{.state = State::kKilled, .error = "killed"};
  }
}

// A WorkingDirectory's `cache: {patterns, ttl}`, kept per flow and task
// (and per ForEach value inside an iteration, as Kestra keys it).
Result<std::optional<WorkdirCache>> RunningExecution::ReadWorkdirCache(const flow::TaskSpec& spec, const Scope& scope,
                                                                       RunTaskContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> given, ctx.OptionalMap("cache"));
  if (!given) return std::optional<WorkdirCache>();
  WorkdirCache cache;
  for (const auto& [k, v] : given->AsMap()) {
    if (k == "patterns") {
      if (!v.is_list() || v.AsList().empty())
        return ctx.PropertyError("cache", "'patterns' must be a list of globs, like [node_modules/**]");
      for (const auto& p : v.AsList()) {
        if (!p.is_string() || p.AsString().empty())
          return ctx.PropertyError("cache", "each of 'patterns' must be a glob");
        cache.patterns.push_back(p.AsString());
      }
    } else if (k == "ttl") {
      auto ttl = v.is_string() ? ParseDuration(v.AsString()) : Result<Duration>(InvalidArgument(""));
      if (!ttl.ok() || ttl->count() <= 0)
        return ctx.PropertyError("cache", "'ttl' must be a positive duration like PT1H");
      cache.ttl = *ttl;
    } else {
      return ctx.PropertyError("cache", "unknown key '" + k + "' (patterns, ttl)");
    }
  }
  if (cache.patterns.empty()) return ctx.PropertyError("cache", "'patterns' is required");
  cache.key = flow_.namespace_ + "/" + flow_.id + "/" + spec.id + "/cache/";
  if (!scope.iterations.empty())
    if (const tmpl::Value* value = scope.iterations.back().Get("value"))
      cache.key += storage::Md5Hex(tmpl::ToDisplayString(*value, tmpl::Dialect::kPebble)) + "/";
  cache.key += "cache.bin";
  return std::optional<WorkdirCache>(std::move(cache));
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunWorkingDirectory(const flow::TaskSpec& spec,
                                                                            const Scope& scope, state::TaskRun& run,
                                                                            RunTaskContext& ctx) {
  ASSIGN_OR_RETURN(std::filesystem::path dir, ctx.WorkingDirectory());
  ASSIGN_OR_RETURN(std::optional<WorkdirCache> cache, ReadWorkdirCache(spec, scope, ctx));
  std::optional<Timestamp> restored;
  auto cache_log = [&](LogLevel level, const std::string& message) { ctx.Log(level, "cache: " + message); };
  std::filesystem::path cache_scratch = env_.settings.scratch / execution_.id / (run.id + "-cache");
  if (cache) {
    auto r = RestoreWorkdirCache(env_.storage, *cache, dir, cache_scratch, Now(), cache_log);
    if (!r.ok()) return ctx.PropertyError("cache", r.status().ToString());
    restored = *r;
  }
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> inputs, ctx.Property("inputFiles"));
  if (inputs) RETURN_IF_ERROR(flow::WriteInputFiles(ctx, "inputFiles", *inputs, dir));
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> ns_files, ctx.Property("namespaceFiles"));
  if (ns_files) RETURN_IF_ERROR(flow::CopyNamespaceFiles(ctx, "namespaceFiles", *ns_files, dir));
  Scope inner = scope;
  inner.shared_workdir = dir;
  // Kestra's {{ workerTaskrun }}: the WorkingDirectory's own task run.
  tmpl::Value worker = tmpl::Value::MakeMap(
      {{"id", tmpl::Value(run.id)}, {"taskId", tmpl::Value(spec.id)}, {"attemptsCount", tmpl::Value(run.attempt - 1)}});
  if (!scope.iterations.empty())
    if (const tmpl::Value* value = scope.iterations.back().Get("value")) worker.MutableMap().Set("value", *value);
  inner.worker_taskrun = std::move(worker);
  ASSIGN_OR_RETURN(Outcome o,
                   RunWithHandlers(BranchOr(spec, "tasks"), spec.Branch("errors"), spec.Branch("finally"), inner));
  if (cache && !o.killed) {
    // Kept whether the tasks succeeded or not, as Kestra does.
    Status kept = SaveWorkdirCache(env_.storage, *cache, dir, cache_scratch, restored, Now(), cache_log);
    std::error_code ec;
    std::filesystem::remove_all(cache_scratch, ec);
    if (!kept.ok()) ctx.Log(LogLevel::kWarn, "cache: not kept: " + kept.ToString());
  }
  tmpl::ValueMap outputs;
  if (o.failed || o.stopped()) return FlowableEnd{.state = StateOf(o), .outputs = tmpl::Value(std::move(outputs))};
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> patterns, ctx.Property("outputFiles"));
  if (patterns) {
    ASSIGN_OR_RETURN(tmpl::Value files, flow::CollectOutputFiles(ctx, "outputFiles", *patterns, dir));
    outputs.Set("outputFiles", files);
  }
  return FlowableEnd{.state = StateOf(o), .outputs = tmpl::Value(std::move(outputs))};
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunPause(const flow::TaskSpec& spec, const Scope& scope,
                                                                 state::TaskRun& run, RunTaskContext& ctx) {
  std::optional<tmpl::Value> resumed;
  {
    std::lock_guard lock(mu_);
    if (auto it = resume_outputs_.find(RunKey(scope, spec.id)); it != resume_outputs_.end()) resumed = it->second;
  }
  // Kestra's deprecated Pause with child tasks: they run once the pause ends.
  auto then_children = [&](FlowableEnd end) -> Result<FlowableEnd> {
    const auto* children = spec.Branch("tasks");
    if (!children || end.state != State::kSuccess) return end;
    Scope inner = scope;
    inner.parent_run_id = run.id;
    ASSIGN_OR_RETURN(Outcome o, RunWithHandlers(*children, nullptr, nullptr, inner));
    end.state = StateOf(o);
    return end;
  };
  if (resumed) return then_children(FlowableEnd{.outputs = tmpl::Value::MakeMap({{"onResume", *resumed}})});
  ASSIGN_OR_RETURN(std::optional<std::string> delay_text, ctx.OptionalString("delay"));
  ASSIGN_OR_RETURN(std::string behavior, ctx.StringOr("behavior", "RESUME"));
  if (!delay_text) {
    // Kestra: a pause without pauseDuration that outlives its timeout fails
    // (the executor's `ExpirePauses` finds it; pauseDuration, when given, wins).
    std::optional<Timestamp> paused = FirstPaused(run);
    if (expire_pauses_ && spec.timeout && paused && *paused + *spec.timeout <= Now()) {
      return FlowableEnd{.state = State::kFailed,
                         .error = "paused longer than its timeout (" + FormatDuration(*spec.timeout) + ")"};
    }
    if (spec.timeout && !expire_pauses_)
      ctx.Log(LogLevel::kInfo,
              "paused; it fails unless resumed within its timeout of " + FormatDuration(*spec.timeout));
    return FlowableEnd{.state = State::kPaused};
  }
  auto delay = ParseDuration(*delay_text);
  if (!delay.ok() || delay->count() < 0) return ctx.PropertyError("delay", "must be a duration like PT30S");
  RETURN_IF_ERROR(Transition(run, State::kPaused));
  ctx.Log(LogLevel::kInfo, "paused for " + FormatDuration(*delay));
  if (!ctx.WaitFor(std::chrono::duration_cast<std::chrono::milliseconds>(*delay)))
    return FlowableEnd{.state = State::kKilled, .error = "killed while paused"};
  RETURN_IF_ERROR(Transition(run, State::kRunning));
  // Kestra's behavior once pauseDuration has passed.
  std::string why = "paused for its whole pauseDuration (" + FormatDuration(*delay) + ")";
  if (behavior == "WARN") {
    ctx.Log(LogLevel::kWarn, why + "; behavior WARN");
    return then_children(FlowableEnd{.state = State::kWarning});
  }
  if (behavior == "FAIL") return FlowableEnd{.state = State::kFailed, .error = why + "; behavior FAIL"};
  if (behavior == "CANCEL") return FlowableEnd{.state = State::kCancelled, .error = why + "; behavior CANCEL"};
  return then_children(FlowableEnd{});
}

// The values given on resume, checked against each paused Pause task's
// onResume inputs (types, required, defaults) like a flow's inputs, before
// anything runs: a bad value leaves the execution paused.
Status RunningExecution::CheckResumeInputs() {
  for (auto& [key, given] : resume_outputs_) {
    std::string task_id = key.substr(key.rfind('/') + 1);
    const flow::TaskSpec* spec = flow::FindTask(flow_, task_id);
    if (!spec) return Internal("paused task '" + task_id + "' is not in the flow");
    flow::Flow probe;
    for (const auto& e : spec->properties.entries) {
      if (e.key != "onResume") continue;
      ASSIGN_OR_RETURN(tmpl::Value declared, Render(e.value, context_));
      if (!declared.is_list())
        return InvalidArgument("task '" + task_id + "' onResume must be a list of inputs")
            .WithLocation(e.value.location);
      for (const auto& d : declared.AsList()) {
        const tmpl::Value* id = d.Get("id");
        if (!id || !id->is_string())
          return InvalidArgument("task '" + task_id + "' onResume: each input needs an id")
              .WithLocation(e.value.location);
        flow::Input in{.id = id->AsString()};
        if (const tmpl::Value* type = d.Get("type"); type && type->is_string()) {
          auto t = flow::ParseInputType(type->AsString());
          if (!t)
            return InvalidArgument("task '" + task_id + "' onResume: unknown input type '" + type->AsString() + "'");
          in.type = *t;
        }
        if (const tmpl::Value* req = d.Get("required"); req && req->is_bool()) in.required = req->AsBool();
        if (const tmpl::Value* def = d.Get("defaults")) in.defaults = *def;
        probe.inputs.push_back(std::move(in));
      }
    }
    std::map<std::string, tmpl::Value> values;
    for (const auto& [k, v] : given.AsMap()) values[k] = v;
    auto resolved = flow::ResolveInputs(probe, values);
    if (!resolved.ok())
      return Status(resolved.status()).WithContext("resuming task '" + task_id + "' (its onResume inputs)");
    given = *resolved;
  }
  return Status::Ok();
}

}  // namespace floe::exec
