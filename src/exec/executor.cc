#include "exec/executor.h"

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "core/id.h"
#include "core/log.h"
#include "exec/execution_env.h"
#include "exec/execution_lock.h"
#include "exec/running_execution.h"
#include "tmpl/json.h"

namespace floe::exec {

using state::State;

Executor::Executor(state::Store& store, const flow::TaskRegistry& registry, const storage::InternalStorage& storage,
                   ExecutorSettings settings, EventBus* events)
    : store_(store),
      registry_(registry),
      storage_(storage),
      settings_(std::move(settings)),
      cipher_(settings_.secret_key),
      own_events_(events ? nullptr : std::make_unique<EventBus>()),
      events_(events ? events : own_events_.get()),
      slots_(std::make_unique<WorkerSlots>(settings_.workers)) {
  env_ = std::make_unique<ExecutionEnv>(ExecutionEnv{
      .store = store_,
      .registry = registry_,
      .storage = storage_,
      .object_stores = object_stores_,
      .settings = settings_,
      .cipher = cipher_,
      .events = *events_,
      .slots = *slots_,
      .submit = [this](std::shared_ptr<const flow::Flow> flow, const std::map<std::string, tmpl::Value>& inputs,
                       SubmitOptions options) { return Submit(std::move(flow), inputs, std::move(options)); },
      .run_to_end = [this](RunningExecution& running, const flow::Flow& flow,
                           const std::map<std::string, tmpl::Value>& inputs,
                           const SubmitOptions& options) { return RunToEnd(running, flow, inputs, options); },
      .resume = [this](
                    const std::string& id, const std::string& ns, const std::string& flow_id,
                    const std::map<std::string, tmpl::Value>& inputs) { return SubmitResume(id, ns, flow_id, inputs); },
  });
}

// A submitted execution waiting for (or running on) a pool thread.
struct Executor::Job {
  std::shared_ptr<const flow::Flow> flow;
  std::map<std::string, tmpl::Value> inputs;
  SubmitOptions options;
  std::unique_ptr<RunningExecution> running;
  bool resumed = false;  // a paused execution going on: no retry policy applies
};

Executor::~Executor() {
  {
    // Everything submitted runs to its end (subflows started without
    // waiting), unless Drain() gave up on the rest.
    std::unique_lock lock(pool_mu_);
    idle_cv_.wait(lock, [this] { return draining_ || (queue_.empty() && running_ == 0); });
    stopping_ = true;
    queue_.clear();  // still CREATED in the store; their locks are released here
  }
  pool_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Status ExecutionEnv::TransitionExecution(const state::Execution& e, State to, state::TransitionDetails details) {
  Timestamp at = clock().Now();
  RETURN_IF_ERROR(store.TransitionExecution(e.id, to, at, details));
  PublishState(e, to, at, details.error);
  return Status::Ok();
}

void ExecutionEnv::PublishState(const state::Execution& e, State to, Timestamp at,
                                const std::optional<std::string>& error) {
  if (!events.has_subscribers()) return;
  ExecutionEvent event{.kind = ExecutionEvent::Kind::kExecutionState};
  event.execution.id = e.id;
  event.execution.namespace_ = e.namespace_;
  event.execution.flow_id = e.flow_id;
  event.execution.state = to;
  event.execution.history.push_back({to, at});
  if (error) event.execution.error = *error;
  events.Publish(event);
}

Status ExecutionEnv::SameStorage(const state::Execution& e) const {
  if (e.storage.empty() || e.storage == storage.Location()) return Status::Ok();
  return FailedPrecondition("execution " + e.id + " keeps its files in " + e.storage + ", not in " + storage.Location())
      .WithHint("run floe with --storage " + e.storage);
}

Result<std::string> Executor::Run(const flow::Flow& flow, const std::map<std::string, tmpl::Value>& inputs,
                                  const std::string& given_id, const tmpl::Value& trigger) {
  SubmitOptions options{.id = given_id, .trigger = trigger};
  RunningExecution running(*env_, flow);
  RETURN_IF_ERROR(running.Start(inputs, options.labels, options.id, options.trigger).status());
  return RunToEnd(running, flow, inputs, options);
}

Result<std::string> Executor::RunToEnd(RunningExecution& running, const flow::Flow& flow,
                                       const std::map<std::string, tmpl::Value>& inputs, const SubmitOptions& options) {
  std::string id = running.id();
  Timestamp chain_start = settings_.clock->Now();
  RETURN_IF_ERROR(running.Run());
  // A task's retry with CREATE_NEW_EXECUTION ended it RETRIED, with the wait it asked for.
  std::optional<Duration> task_retry = running.NewExecutionRetry();
  if (!flow.retry && !task_retry) return id;
  // The flow's retry: the failed tasks again (a restart), or a new execution.
  std::mt19937_64 rng{std::random_device{}()};
  Timestamp first = settings_.clock->Now();
  for (int attempts = 1;; ++attempts) {
    ASSIGN_OR_RETURN(State state, store_.GetExecutionState(id));
    std::optional<Duration> delay;
    if (state == State::kRetried) {
      delay = task_retry;
    } else if (state == State::kFailed && flow.retry) {
      auto elapsed = std::chrono::duration_cast<Duration>(settings_.clock->Now() - first);
      delay = flow.retry->NextDelay(attempts, elapsed, rng);
    }
    if (!delay) return id;
    {
      Timestamp due = settings_.clock->Now() + *delay;
      std::unique_lock lock(pool_mu_);
      while (!stopping_ && settings_.clock->Now() < due) settings_.clock->WaitUntil(lock, pool_cv_, due);
      if (stopping_) return id;  // the failed execution stays as it is
    }
    if (state == State::kRetried || flow.retry->new_execution) {
      RunningExecution again(*env_, flow);
      again.set_execution_attempt(attempts + 1, chain_start);
      std::vector<std::pair<std::string, std::string>> labels = options.labels;
      labels.emplace_back("retryOf", id);
      ASSIGN_OR_RETURN(id, again.Start(inputs, labels, "", options.trigger));
      RETURN_IF_ERROR(again.Run());
      task_retry = again.NewExecutionRetry();
    } else {
      RETURN_IF_ERROR(Restart(id));
    }
  }
}

Result<std::string> Executor::Submit(std::shared_ptr<const flow::Flow> flow,
                                     const std::map<std::string, tmpl::Value>& inputs, SubmitOptions options) {
  {
    std::lock_guard lock(pool_mu_);
    if (draining_) return FailedPrecondition("the executor is shutting down; not taking new executions");
    if (queue_.size() >= settings_.queue_limit)
      return Status(StatusCode::kResourceExhausted,
                    std::to_string(queue_.size()) + " executions are already waiting to run (the queue limit)")
          .WithHint("retry later, or raise the executor's queue limit");
  }
  auto job = std::make_unique<Job>();
  job->flow = std::move(flow);
  job->inputs = inputs;
  job->options = std::move(options);
  job->running = std::make_unique<RunningExecution>(*env_, *job->flow);
  for (const auto& secret : job->options.secrets) job->running->AddSecret(secret);
  ASSIGN_OR_RETURN(std::string id,
                   job->running->Start(inputs, job->options.labels, job->options.id, job->options.trigger));
  std::lock_guard lock(pool_mu_);
  queue_.push_back(std::move(job));
  // A thread per running execution, up to max_running; idle ones are reused.
  if (idle_threads_ == 0 && threads_.size() < static_cast<size_t>(std::max(1, settings_.max_running)))
    threads_.emplace_back([this] { PoolLoop(); });
  pool_cv_.notify_all();  // retry waits share the condition: wake an idle thread for sure
  return id;
}

void Executor::PoolLoop() {
  std::unique_lock lock(pool_mu_);
  while (true) {
    ++idle_threads_;
    // The first job due; one with a scheduleDate waits for it.
    auto due = queue_.end();
    while (true) {
      if (stopping_) break;
      std::optional<Timestamp> next;
      due = queue_.end();
      if (!draining_) {
        Timestamp now = settings_.clock->Now();
        for (auto it = queue_.begin(); it != queue_.end(); ++it) {
          const auto& at = (*it)->options.not_before;
          if (!at || *at <= now) {
            due = it;
            break;
          }
          if (!next || *at < *next) next = *at;
        }
      }
      if (due != queue_.end()) break;
      if (next) {
        settings_.clock->WaitUntil(lock, pool_cv_, *next);
      } else {
        pool_cv_.wait(lock);
      }
    }
    --idle_threads_;
    if (stopping_) return;
    std::unique_ptr<Job> job = std::move(*due);
    queue_.erase(due);
    ++running_;
    lock.unlock();
    Result<std::string> ended = job->running->id();
    if (job->resumed) {
      if (Status s = job->running->Run(); !s.ok()) ended = s;
    } else {
      ended = RunToEnd(*job->running, *job->flow, job->inputs, job->options);
    }
    if (!ended.ok()) Logger().Error("execution " + job->running->id() + ": " + ended.status().ToString());
    job.reset();  // releases the execution's lock before it counts as ended
    lock.lock();
    --running_;
    idle_cv_.notify_all();
  }
}

Status Executor::Cancel(const std::string& execution_id) {
  std::unique_ptr<Job> dropped;
  {
    std::lock_guard lock(pool_mu_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if ((*it)->running->id() != execution_id) continue;
      dropped = std::move(*it);
      queue_.erase(it);
      break;
    }
  }
  if (!dropped) return Kill(execution_id);
  ASSIGN_OR_RETURN(state::Execution e, store_.GetExecution(execution_id));
  return env_->TransitionExecution(e, State::kKilled, {.error = "cancelled before it started"});
}

size_t Executor::Drain(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(pool_mu_);
  draining_ = true;
  queue_.clear();  // still CREATED in the store: recovered at the next start
  idle_cv_.wait_until(lock, deadline, [this] { return running_ == 0; });
  return running_;
}

size_t Executor::queued() const {
  std::lock_guard lock(pool_mu_);
  return queue_.size();
}

size_t Executor::running() const {
  std::lock_guard lock(pool_mu_);
  return running_;
}

Result<std::optional<std::string>> Executor::PollTrigger(const flow::Flow& flow, const std::string& trigger_id) {
  return PollTrigger(flow, trigger_id, nullptr);
}

Result<std::optional<std::string>> Executor::PollTriggerAndSubmit(std::shared_ptr<const flow::Flow> flow,
                                                                  const std::string& trigger_id) {
  return PollTrigger(*flow, trigger_id, flow);
}

Result<std::optional<std::string>> Executor::PollTrigger(const flow::Flow& flow, const std::string& trigger_id,
                                                         std::shared_ptr<const flow::Flow> submit) {
  const flow::TriggerSpec* trigger = nullptr;
  for (const auto& t : flow.triggers)
    if (t.spec.id == trigger_id) trigger = &t;
  if (!trigger) return NotFound("flow " + flow.namespace_ + "." + flow.id + " has no trigger '" + trigger_id + "'");
  if (trigger->spec.disabled) return FailedPrecondition("trigger '" + trigger_id + "' is disabled");
  if (trigger->kind != flow::TriggerKind::kPolling) {
    std::string kind(flow::TriggerKindName(trigger->kind));
    return FailedPrecondition("trigger '" + trigger_id + "' is a " + kind + " trigger (" + trigger->spec.type +
                              "), which is not polled")
        .WithHint(kind + " triggers run in `floe server`");
  }
  // What a poll here cannot honour is refused, never skipped.
  if (!trigger->conditions.empty() || !trigger->stop_after.empty()) {
    return FailedPrecondition("trigger '" + trigger_id + "' has conditions or stopAfter, which `floe server` evaluates")
        .WithHint("run it in `floe server`, or poll a copy of the flow without them");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> kept, store_.GetTriggerState(flow.namespace_, flow.id, trigger_id));
  tmpl::Value state;
  if (kept) {
    ASSIGN_OR_RETURN(state, tmpl::ParseJson(*kept));
  }
  std::string id = NewId();
  std::optional<tmpl::Value> fired;
  {
    RunningExecution poll(*env_, flow);
    ASSIGN_OR_RETURN(fired, poll.PollTrigger(*trigger, id, state));
  }
  RETURN_IF_ERROR(
      store_.PutTriggerState(flow.namespace_, flow.id, trigger_id, tmpl::ToJson(state), settings_.clock->Now()));
  if (!fired) return std::optional<std::string>();
  if (submit) {
    ASSIGN_OR_RETURN(std::string submitted, Submit(std::move(submit), {}, {.id = id, .trigger = *fired}));
    return std::optional<std::string>(submitted);
  }
  ASSIGN_OR_RETURN(std::string started, Run(flow, {}, id, *fired));
  return std::optional<std::string>(started);
}

Result<flow::Flow> Executor::StoredFlow(const state::Execution& stored) {
  flow::FlowParse parse = flow::ParseFlow(stored.flow_source, stored.flow_path, registry_);
  if (parse.errors.empty()) return std::move(*parse.flow);
  return FailedPrecondition("the flow it ran no longer loads: " + flow::CombineErrors(parse.errors).ToString());
}

bool ExecutionHasLiveProcess(const std::filesystem::path& locks, const std::string& execution_id) {
  return ExecutionLock::IsHeld(locks, execution_id);
}

namespace {

// The lock of an execution no live process runs, and its stored record.
struct Claimed {
  ExecutionLock lock;
  state::Execution execution;
};

// How long a restart waits for the process that ended an execution to let
// it go: its end is recorded (and answered to `wait=true`) a moment before
// its lock is released, and a restart sent right then must not be refused.
constexpr auto kEndingGrace = std::chrono::milliseconds(5000);

// `grace`: how long to wait for the process that ended the execution.
Result<Claimed> Claim(state::Store& store, const std::filesystem::path& locks, const std::string& id,
                      std::chrono::milliseconds grace = std::chrono::milliseconds(0)) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    Result<ExecutionLock> lock = ExecutionLock::Acquire(locks, id);
    if (lock.ok()) {
      ASSIGN_OR_RETURN(state::Execution stored, store.GetExecution(id));
      return Claimed{std::move(*lock), std::move(stored)};
    }
    if (lock.status().code() != StatusCode::kFailedPrecondition || std::chrono::steady_clock::now() >= deadline)
      return lock.status();
    Result<State> current = store.GetExecutionState(id);
    if (!current.ok() || !state::IsTerminal(*current)) return lock.status();  // it runs: its holder keeps it
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Claim for a resume: an execution paused while it ran is held by its
// process until the task runs it had started end.
Result<Claimed> ClaimToResume(state::Store& store, const std::filesystem::path& locks, const std::string& id) {
  Result<Claimed> c = Claim(store, locks, id);
  if (c.ok() || c.status().code() != StatusCode::kFailedPrecondition) return c;
  auto current = store.GetExecutionState(id);
  if (current.ok() && *current == State::kPaused)
    return FailedPrecondition("execution " + id +
                              " is still pausing: task runs it had started are running; resume it once they end");
  return c;
}

Status NotIn(const state::Execution& e, std::initializer_list<State> allowed, std::string_view action) {
  for (State s : allowed)
    if (e.state == s) return Status::Ok();
  return FailedPrecondition("cannot " + std::string(action) + " execution " + e.id + ": it is " +
                            std::string(state::StateName(e.state)));
}

}  // namespace

Status StopProcessGroups(state::Store& store, const state::Execution& execution,
                         const std::function<void(const state::TaskRun&, const ProcessGroup&, int killed)>& stopped) {
  for (const auto& run : execution.task_runs) {
    for (const auto& group : run.process_groups) {
      Result<int> killed = KillProcessGroup(group, std::chrono::seconds(5));
      if (!killed.ok()) {
        return Status(killed.status())
            .WithContext("task '" + run.task_id + "' of execution " + execution.id +
                         ": its processes from before must stop before it runs again");
      }
      if (*killed > 0) stopped(run, group, *killed);
      RETURN_IF_ERROR(store.RemoveProcessGroup(run.id, group.pgid));
    }
  }
  return Status::Ok();
}

Status Executor::Recover(const std::string& execution_id) {
  ASSIGN_OR_RETURN(Claimed c, Claim(store_, settings_.locks, execution_id));
  RETURN_IF_ERROR(NotIn(
      c.execution, {State::kCreated, State::kQueued, State::kRunning, State::kKilling, State::kRestarted}, "recover"));
  auto flow = StoredFlow(c.execution);
  if (!flow.ok()) {
    return env_->TransitionExecution(c.execution, State::kFailed,
                                     {.error = "cannot resume: " + flow.status().message()});
  }
  RunningExecution running(*env_, *flow);
  // A restart its process did not get to run is still a restart.
  RestoreMode mode = c.execution.state == State::kRestarted ? RestoreMode::kRestart : RestoreMode::kRecover;
  RETURN_IF_ERROR(running.Restore(c.execution, mode, std::move(c.lock)));
  return running.Run();
}

Result<std::vector<std::string>> Executor::RecoverAll() {
  std::vector<std::string> recovered;
  for (State s : {State::kRunning, State::kKilling, State::kQueued, State::kCreated, State::kRestarted}) {
    ASSIGN_OR_RETURN(auto executions, store_.ListExecutions({.state = s, .limit = 100000}));
    // Oldest first, as they were started.
    for (auto it = executions.rbegin(); it != executions.rend(); ++it) {
      if (Status same = env_->SameStorage(*it); !same.ok()) {
        Logger().Warn("not recovered: " + same.ToString());
        continue;
      }
      Status status = Recover(it->id);
      if (status.code() == StatusCode::kFailedPrecondition) continue;  // live elsewhere, or ended meanwhile
      RETURN_IF_ERROR(status);
      recovered.push_back(it->id);
    }
  }
  return recovered;
}

namespace {

// The first of an execution's paused Pause tasks whose timeout has passed:
// "task 'x' (timeout PT1H, paused at ...)", or "" when none has.
std::string TimedOutPause(const state::Execution& e, const flow::Flow& flow, Timestamp now) {
  for (const auto& run : e.task_runs) {
    std::optional<Timestamp> paused = FirstPaused(run);
    if (run.state != State::kPaused || !paused) continue;
    const flow::TaskSpec* spec = flow::FindTask(flow, run.task_id);
    if (!spec || !spec->timeout || !spec->task_type || spec->task_type->flowable != flow::Flowable::kPause) continue;
    if (*paused + *spec->timeout > now) continue;
    return "task '" + run.task_id + "' (paused at " + FormatTimestamp(*paused) + ", timeout " +
           FormatDuration(*spec->timeout) + ")";
  }
  return "";
}

}  // namespace

Status Executor::ResumePaused(const std::string& execution_id, const std::map<std::string, tmpl::Value>& inputs) {
  ASSIGN_OR_RETURN(Claimed c, ClaimToResume(store_, settings_.locks, execution_id));
  RETURN_IF_ERROR(NotIn(c.execution, {State::kPaused}, "resume"));
  ASSIGN_OR_RETURN(flow::Flow flow, StoredFlow(c.execution));
  std::string timed_out = TimedOutPause(c.execution, flow, settings_.clock->Now());
  RunningExecution running(*env_, flow);
  RETURN_IF_ERROR(running.Restore(c.execution, timed_out.empty() ? RestoreMode::kResume : RestoreMode::kExpirePause,
                                  std::move(c.lock), inputs));
  RETURN_IF_ERROR(running.Run());
  if (!timed_out.empty())
    return FailedPrecondition("execution " + execution_id + " was not resumed: its pause " + timed_out +
                              " timed out, so that task failed and the execution went on from there");
  return Status::Ok();
}

Status Executor::SubmitResume(const std::string& execution_id, const std::string& ns, const std::string& flow_id,
                              const std::map<std::string, tmpl::Value>& inputs) {
  ASSIGN_OR_RETURN(Claimed c, ClaimToResume(store_, settings_.locks, execution_id));
  RETURN_IF_ERROR(NotIn(c.execution, {State::kPaused}, "resume"));
  if ((!ns.empty() && c.execution.namespace_ != ns) || (!flow_id.empty() && c.execution.flow_id != flow_id))
    return InvalidArgument("execution " + execution_id + " is of flow " + c.execution.namespace_ + "." +
                           c.execution.flow_id + ", not " + ns + "." + flow_id);
  auto job = std::make_unique<Job>();
  ASSIGN_OR_RETURN(flow::Flow flow, StoredFlow(c.execution));
  if (std::string timed_out = TimedOutPause(c.execution, flow, settings_.clock->Now()); !timed_out.empty())
    return FailedPrecondition("execution " + execution_id + " cannot be resumed: its pause " + timed_out +
                              " timed out");
  job->flow = std::make_shared<const flow::Flow>(std::move(flow));
  job->running = std::make_unique<RunningExecution>(*env_, *job->flow);
  job->resumed = true;
  RETURN_IF_ERROR(job->running->Restore(c.execution, RestoreMode::kResume, std::move(c.lock), inputs));
  return Enqueue(std::move(job));
}

Status Executor::Enqueue(std::unique_ptr<Job> job) {
  std::lock_guard lock(pool_mu_);
  if (draining_)
    return FailedPrecondition("the executor is shutting down; execution " + job->running->id() + " stays as it is");
  queue_.push_back(std::move(job));
  if (idle_threads_ == 0 && threads_.size() < static_cast<size_t>(std::max(1, settings_.max_running)))
    threads_.emplace_back([this] { PoolLoop(); });
  pool_cv_.notify_all();  // retry waits share the condition: wake an idle thread for sure
  return Status::Ok();
}

Result<std::vector<std::string>> Executor::ExpirePauses() {
  std::vector<std::string> expired;
  ASSIGN_OR_RETURN(auto paused, store_.ListExecutions({.state = State::kPaused, .limit = 100000}));
  for (const auto& listed : paused) {
    // Only a flow that sets a timeout somewhere can have one to expire.
    if (listed.flow_source.find("timeout") == std::string::npos || !env_->SameStorage(listed).ok()) continue;
    auto claimed = Claim(store_, settings_.locks, listed.id);
    if (!claimed.ok()) continue;  // another process has it (resuming it, or expiring it)
    if (claimed->execution.state != State::kPaused) continue;
    auto flow = StoredFlow(claimed->execution);
    if (!flow.ok()) continue;
    if (TimedOutPause(claimed->execution, *flow, settings_.clock->Now()).empty()) continue;
    // It goes on in the pool (bounded by max_running, drained on shutdown);
    // one that cannot does not stop the others.
    auto job = std::make_unique<Job>();
    job->flow = std::make_shared<const flow::Flow>(std::move(*flow));
    job->running = std::make_unique<RunningExecution>(*env_, *job->flow);
    job->resumed = true;
    Status s = job->running->Restore(claimed->execution, RestoreMode::kExpirePause, std::move(claimed->lock));
    if (s.ok()) s = Enqueue(std::move(job));
    if (!s.ok()) {
      Logger().Error("execution " + listed.id + ": its timed-out pause: " + s.ToString());
      continue;
    }
    expired.push_back(listed.id);
  }
  return expired;
}

Result<std::unique_ptr<Executor::Job>> Executor::PrepareRestart(const std::string& execution_id) {
  ASSIGN_OR_RETURN(Claimed c, Claim(store_, settings_.locks, execution_id, kEndingGrace));
  RETURN_IF_ERROR(NotIn(c.execution, {State::kFailed, State::kKilled}, "restart"));
  ASSIGN_OR_RETURN(flow::Flow flow, StoredFlow(c.execution));
  auto job = std::make_unique<Job>();
  job->flow = std::make_shared<const flow::Flow>(std::move(flow));
  job->running = std::make_unique<RunningExecution>(*env_, *job->flow);
  job->resumed = true;
  RETURN_IF_ERROR(job->running->Restore(c.execution, RestoreMode::kRestart, std::move(c.lock)));
  return job;
}

Status Executor::Restart(const std::string& execution_id) {
  ASSIGN_OR_RETURN(auto job, PrepareRestart(execution_id));
  return job->running->Run();
}

Status Executor::SubmitRestart(const std::string& execution_id, state::Execution* restarted) {
  ASSIGN_OR_RETURN(auto job, PrepareRestart(execution_id));
  if (restarted) {
    ASSIGN_OR_RETURN(*restarted, store_.GetExecution(execution_id));
  }
  return Enqueue(std::move(job));
}

Result<std::string> Executor::Replay(const std::string& execution_id, const std::string& task_id, bool latest) {
  ASSIGN_OR_RETURN(auto job, PrepareReplay(execution_id, task_id, latest));
  RETURN_IF_ERROR(job->running->Run());
  return job->running->id();
}

Result<std::string> Executor::SubmitReplay(const std::string& execution_id, const std::string& task_id, bool latest) {
  ASSIGN_OR_RETURN(auto job, PrepareReplay(execution_id, task_id, latest));
  std::string id = job->running->id();
  RETURN_IF_ERROR(Enqueue(std::move(job)));
  return id;
}

Result<std::unique_ptr<Executor::Job>> Executor::PrepareReplay(const std::string& execution_id,
                                                               const std::string& task_id, bool latest) {
  ASSIGN_OR_RETURN(state::Execution old, store_.GetExecution(execution_id));
  if (!state::IsTerminal(old.state) && old.state != State::kPaused)
    return FailedPrecondition("cannot replay execution " + old.id + " while it is " +
                              std::string(state::StateName(old.state)));
  RETURN_IF_ERROR(env_->SameStorage(old));
  ASSIGN_OR_RETURN(flow::Flow flow, StoredFlow(old));
  size_t first = old.task_runs.size();
  for (size_t i = 0; i < old.task_runs.size() && first == old.task_runs.size(); ++i)
    if (old.task_runs[i].task_id == task_id) first = i;
  if (first == old.task_runs.size())
    return NotFound("task '" + task_id + "' never ran in execution " + old.id)
        .WithHint("replay from a task listed by 'floe executions show " + old.id + "'");
  // The task's enclosing flowables run again (they contain it).
  std::map<std::string, const state::TaskRun*> by_id;
  for (const auto& run : old.task_runs) by_id[run.id] = &run;
  std::set<std::string> ancestors;
  for (std::string p = old.task_runs[first].parent_id; !p.empty() && by_id.count(p); p = by_id[p]->parent_id)
    ancestors.insert(p);

  state::Execution copy;
  copy.id = NewId();
  ASSIGN_OR_RETURN(ExecutionLock lock, ExecutionLock::Acquire(settings_.locks, copy.id));
  copy.namespace_ = old.namespace_;
  copy.flow_id = old.flow_id;
  copy.flow_source = old.flow_source;
  copy.flow_path = old.flow_path;
  copy.inputs_json = old.inputs_json;
  copy.labels_json = old.labels_json;
  copy.trigger_json = old.trigger_json;
  copy.storage = old.storage;  // its kept runs' files are there
  if (!latest) {
    // What the runs to repeat read from Iceberg tables, read again.
    tmpl::ValueMap pins;
    for (size_t i = first; i < old.task_runs.size(); ++i) {
      auto outputs = tmpl::ParseJson(old.task_runs[i].outputs_json);
      const tmpl::Value* read = outputs.ok() && outputs->is_map() ? outputs->Get("icebergSnapshots") : nullptr;
      if (read && read->is_map()) pins.Set(old.task_runs[i].task_id, *read);
    }
    if (!pins.empty()) copy.pins_json = tmpl::ToJson(tmpl::Value(std::move(pins)));
  }
  copy.state = State::kCreated;
  copy.history.push_back({State::kCreated, settings_.clock->Now()});
  RETURN_IF_ERROR(store_.CreateExecution(copy));
  std::map<std::string, std::string> new_ids;
  for (size_t i = 0; i < first; ++i) {
    const state::TaskRun& run = old.task_runs[i];
    bool kept = run.state == State::kSuccess || run.state == State::kWarning || run.state == State::kSkipped;
    if (!kept || ancestors.count(run.id)) continue;
    state::TaskRun kept_run = run;
    kept_run.id = NewId();
    kept_run.execution_id = copy.id;
    if (auto it = new_ids.find(run.parent_id); it != new_ids.end()) kept_run.parent_id = it->second;
    new_ids[run.id] = kept_run.id;
    kept_run.history = {run.history.empty() ? state::StateChange{run.state, copy.created()} : run.history.back()};
    RETURN_IF_ERROR(store_.CreateTaskRun(kept_run));
    copy.task_runs.push_back(kept_run);
  }
  ASSIGN_OR_RETURN(state::Execution stored, store_.GetExecution(copy.id));
  auto job = std::make_unique<Job>();
  job->flow = std::make_shared<const flow::Flow>(std::move(flow));
  job->running = std::make_unique<RunningExecution>(*env_, *job->flow);
  job->resumed = true;
  RETURN_IF_ERROR(job->running->Restore(stored, RestoreMode::kReplay, std::move(lock)));
  events_->Publish({.kind = ExecutionEvent::Kind::kExecutionCreated, .execution = stored});
  return job;
}

Status Executor::Pause(const std::string& execution_id) {
  ASSIGN_OR_RETURN(state::Execution stored, store_.GetExecution(execution_id));
  RETURN_IF_ERROR(NotIn(stored, {State::kRunning}, "pause"));
  Timestamp now = settings_.clock->Now();
  ASSIGN_OR_RETURN(bool paused, store_.RequestPause(execution_id, now));
  if (!paused) {
    ASSIGN_OR_RETURN(stored, store_.GetExecution(execution_id));
    return NotIn(stored, {State::kRunning}, "pause");
  }
  // The process running it sees PAUSED within kill_poll_interval; one that
  // died left it to be resumed (its interrupted task runs run again).
  env_->PublishState(stored, State::kPaused, now);
  return Status::Ok();
}

Status Executor::Kill(const std::string& execution_id) {
  ASSIGN_OR_RETURN(State current, store_.GetExecutionState(execution_id));
  if (state::IsTerminal(current))
    return FailedPrecondition("execution " + execution_id + " already ended in " +
                              std::string(state::StateName(current)));
  Timestamp now = settings_.clock->Now();
  ASSIGN_OR_RETURN(bool requested, store_.RequestKill(execution_id, now));
  if (!requested) return FailedPrecondition("execution " + execution_id + " ended before it could be killed");
  auto lock = ExecutionLock::Acquire(settings_.locks, execution_id);
  if (!lock.ok()) return Status::Ok();  // the live process running it sees KILLING and stops
  // Nobody runs it (paused, or its process died): end it here, with what is
  // left of its tasks' processes.
  ASSIGN_OR_RETURN(state::Execution stored, store_.GetExecution(execution_id));
  RETURN_IF_ERROR(StopProcessGroups(store_, stored, [](const state::TaskRun&, const ProcessGroup&, int) {}));
  for (const auto& run : stored.task_runs) {
    if (!state::IsTerminal(run.state)) RETURN_IF_ERROR(store_.TransitionTaskRun(run.id, State::kKilled, now));
  }
  return env_->TransitionExecution(stored, State::kKilled, {.error = "killed"});
}

}  // namespace floe::exec
