// RunningExecution: one execution in flight. It owns the template context,
// records every transition in the store before it takes effect, runs
// runnable tasks on the executor's worker slots and flowable tasks (in
// flowable.cc) on orchestration threads. Internal to exec.
//
// Task runs are named by their key: the scope path of the enclosing
// iterations plus the task id ("each[2]/load"). A key names the same task
// run across attempts, restarts and crash recovery, which is how finished
// work is never run twice.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "exec/execution_env.h"
#include "exec/execution_lock.h"
#include "exec/flow_render_host.h"
#include "exec/secret_mask.h"
#include "exec/store_kv.h"
#include "exec/task_context.h"
#include "exec/workdir_cache.h"

namespace floe::exec {

// Where a task run sits in the flow.
struct Scope {
  std::string path;           // key prefix: "" at the top, "each[2]/" inside an iteration
  std::string parent_run_id;  // the enclosing flowable's task run
  // Enclosing ForEach iterations, outermost first: {value, iteration} maps.
  std::vector<tmpl::Value> iterations;
  // The enclosing iterations' values: a child's outputs are stored at
  // outputs.<id>[v1][v2]...
  std::vector<std::string> output_keys;
  // Set inside a WorkingDirectory: the folder its children share.
  std::optional<std::filesystem::path> shared_workdir;
  // The enclosing flowables' task runs, outermost first, as Kestra's
  // {{ parents }} shows them: {taskrun: {value}}, or {} for a run without a value.
  std::vector<tmpl::Value> ancestors;
  bool iteration_child = false;  // the tasks of a ForEach iteration, not nested deeper
  // Inside a WorkingDirectory: its task run, as {{ workerTaskrun }}.
  tmpl::Value worker_taskrun;
};

// How a list of tasks (or a branch) ended.
struct Outcome {
  bool failed = false;      // a task failed and its failure was not allowed
  std::string failed_task;  // the first such task
  bool warning = false;     // a task ended WARNING, or an allowed failure
  bool paused = false;      // a Pause without delay stopped the run
  bool killed = false;      // the execution is being killed
  bool cancelled = false;   // a task cancelled the execution (a Pause's behavior CANCEL)
  std::string cancelled_by;
  bool retried = false;  // a task's retry (CREATE_NEW_EXECUTION) stops this execution for a new one
  std::string retried_task;

  bool stopped() const { return failed || paused || killed || cancelled || retried; }
  void Merge(const Outcome& o);
};

enum class RestoreMode {
  kRecover,      // a dead process left it: interrupted runs become FAILED attempts and run again
  kResume,       // it was PAUSED: the Pause task completes with the given inputs
  kExpirePause,  // it was PAUSED: Pause tasks whose timeout passed fail; others stay paused
  kRestart,      // it FAILED: failed tasks run again, successful ones keep their outputs
  kReplay,       // a new execution holding copies of another's earlier task runs
};

class RunningExecution {
 public:
  RunningExecution(ExecutionEnv& env, const flow::Flow& flow);
  ~RunningExecution();

  // Validates inputs, creates the execution (CREATED) and takes its lock.
  // `trigger`: the variables of the trigger that started it (a map), if any.
  Result<std::string> Start(const std::map<std::string, tmpl::Value>& inputs,
                            const std::vector<std::pair<std::string, std::string>>& extra_labels = {},
                            const std::string& id = "", const tmpl::Value& trigger = {});
  // Polls one of the flow's triggers for the execution `id` would be (its
  // files go to that execution's storage); see Executor::PollTrigger.
  Result<std::optional<tmpl::Value>> PollTrigger(const flow::TriggerSpec& trigger, const std::string& id,
                                                 tmpl::Value& state);
  // Picks up a stored execution (its lock must be held by the caller, and is
  // handed over).
  Status Restore(const state::Execution& stored, RestoreMode mode, ExecutionLock lock,
                 const std::map<std::string, tmpl::Value>& resume_inputs = {});
  // Runs to a terminal state, or to PAUSED, then releases the execution's
  // lock (another run of it, a flow retry's restart, may take it). Errors
  // are store failures only.
  Status Run();

  const std::string& id() const { return execution_.id; }
  // Which execution of a chain of CREATE_NEW_EXECUTION retries this is (1: the first).
  // `chain_start`: when the chain's first execution started (a retry's
  // maxDuration counts from then).
  void set_execution_attempt(int attempt, Timestamp chain_start) {
    execution_attempt_ = attempt;
    chain_start_ = chain_start;
  }
  // After Run: the wait before the new execution a task's CREATE_NEW_EXECUTION
  // retry asked for (the execution ended RETRIED), if one did.
  std::optional<Duration> NewExecutionRetry();
  // A secret value to mask before the execution starts (a subflow's
  // execution masks its parent's secrets).
  void AddSecret(std::string value) { mask_.Add(std::move(value)); }

 private:
  Timestamp Now() const;
  std::string StoragePrefix() const;
  std::filesystem::path NamespaceFiles() const;
  Result<tmpl::Value> StoreFileInputs(const tmpl::Value& inputs);
  void BuildContext(const tmpl::Value& inputs, tmpl::Value labels);
  // Inputs as the store keeps them: SECRET inputs, and text inputs holding a
  // secret value, encrypted (secret_cipher.h). OpenInputs undoes it.
  Result<tmpl::Value> SealInputs(const tmpl::Value& inputs) const;
  Result<tmpl::Value> OpenInputs(const tmpl::Value& stored) const;
  // A map of text values (labels) with secret values masked.
  tmpl::Value MaskValues(const tmpl::Value& map) const;
  Status EndExecution(state::State state, std::string error = "", std::string outputs_json = "");

  // Thread-safe; masks secrets.
  void Log(const std::string& task_run_id, const std::string& task_id, LogLevel level, std::string_view message);
  Status Transition(state::TaskRun& run, state::State state, state::TransitionDetails details = {});
  Status CreateRun(state::TaskRun& run);
  // A new task run of `task_id` in `scope` (its first attempt's fields set
  // but `attempt`), recorded in the store.
  Status CreateRunIn(state::TaskRun& run, const std::string& task_id, const std::string& task_type, const Scope& scope);

  // The template variables of a task run in `scope`: the execution's
  // context plus taskrun/parent/parents/task.
  tmpl::Value VariablesFor(const flow::TaskSpec& spec, const Scope& scope, const state::TaskRun& run);
  // Renders under the context lock (other branches write outputs).
  Result<tmpl::Value> Render(const flow::YamlNode& node, const tmpl::Value& variables);
  // Records a task's outputs at outputs.<id>[scope keys...].
  void SetOutputs(const std::string& task_id, const std::vector<std::string>& keys, tmpl::Value outputs);

  // Runs the tasks in order; with stop_at_failure, stops at the first
  // failure that is not allowed (the `tasks` of a flow), otherwise runs them
  // all (`errors`, `finally`).
  Result<Outcome> RunList(const std::vector<flow::TaskSpec>& tasks, const Scope& scope, bool stop_at_failure);
  // The flow's (or a flowable's) tasks, then errors on failure, then finally.
  Result<Outcome> RunWithHandlers(const std::vector<flow::TaskSpec>& tasks, const std::vector<flow::TaskSpec>* errors,
                                  const std::vector<flow::TaskSpec>* finally_tasks, const Scope& scope);
  // What one task's final state means for the list it is in.
  static Outcome OutcomeOf(const flow::TaskSpec& task, state::State end);
  // One task, all attempts; returns its final state.
  Result<state::State> RunTask(const flow::TaskSpec& spec, const Scope& scope);
  // `retries` says, once the attempt failed, whether another follows: when
  // none does, a task with allowFailure ends WARNING (SUCCESS with
  // allowWarning too) instead of FAILED, as in Kestra.
  Result<state::State> RunAttempt(const flow::TaskSpec& spec, const Scope& scope, state::State success_state,
                                  const std::function<bool()>& retries);
  Result<tmpl::Value> RunRunnable(const flow::TaskSpec& spec, RunTaskContext& ctx);
  void ForgetAttempts(const std::string& key);

  // A branch's outcome after its errors handlers (on failure) and finally
  // handlers ran.
  Result<Outcome> FinishWithHandlers(Outcome outcome, const std::vector<flow::TaskSpec>* errors,
                                     const std::vector<flow::TaskSpec>* finally_tasks, const Scope& scope);
  // How a flowable task ended (flowable.cc).
  struct FlowableEnd {
    state::State state = state::State::kSuccess;
    tmpl::Value outputs;
    std::string error;
  };
  // RunRunnable, then the files it wrote stored: its outputs, or why it failed.
  FlowableEnd RunRunnableToEnd(const flow::TaskSpec& spec, RunTaskContext& ctx);
  // While it lives, a kill cancels `ctx` (one that came before cancels it at once).
  class ActiveContext {
   public:
    ActiveContext(RunningExecution& e, RunTaskContext& ctx);
    ~ActiveContext();
    ActiveContext(const ActiveContext&) = delete;
    ActiveContext& operator=(const ActiveContext&) = delete;

   private:
    RunningExecution& e_;
    RunTaskContext& ctx_;
  };
  Result<FlowableEnd> RunFlowable(const flow::TaskSpec& spec, const Scope& scope, state::TaskRun& run,
                                  RunTaskContext& ctx);
  // Runs `count` items, item i once all of deps[i] succeeded, at most `limit`
  // at once (0: no limit), each through run_one; stops starting items once
  // one fails (or the run pauses or is killed). Items never started are
  // reported in the outcome as not run.
  Result<Outcome> RunConcurrently(size_t count, size_t limit, const std::vector<std::vector<size_t>>& deps,
                                  const std::function<Result<Outcome>(size_t)>& run_one);
  // The flowable kinds.
  Result<FlowableEnd> RunForEach(const flow::TaskSpec& spec, const Scope& scope, state::TaskRun& run,
                                 RunTaskContext& ctx);
  Result<FlowableEnd> RunDag(const flow::TaskSpec& spec, const Scope& scope, state::TaskRun& run, RunTaskContext& ctx);
  Result<FlowableEnd> RunLoopUntil(const flow::TaskSpec& spec, const Scope& scope, state::TaskRun& run,
                                   RunTaskContext& ctx);
  Result<std::optional<WorkdirCache>> ReadWorkdirCache(const flow::TaskSpec& spec, const Scope& scope,
                                                       RunTaskContext& ctx);
  Result<FlowableEnd> RunWorkingDirectory(const flow::TaskSpec& spec, const Scope& scope, state::TaskRun& run,
                                          RunTaskContext& ctx);
  // subflow.cc: a flow to run as a child execution, as the task says.
  struct ChildCall {
    std::string ns, flow_id;
    std::shared_ptr<const flow::Flow> flow;
    bool wait = true;
    bool transmit_failed = true;
    std::vector<std::pair<std::string, std::string>> labels;
    std::optional<Timestamp> schedule_date;  // Kestra's scheduleDate: start it then, not now
  };
  // Renders `node` against this execution's context as it stands (a
  // subflow's, for its caller's deprecated `outputs`).
  Result<tmpl::Value> RenderInContext(const flow::YamlNode& node);
  Result<ChildCall> ReadChildCall(RunTaskContext& ctx);
  Result<FlowableEnd> RunChild(const flow::TaskSpec& spec, const ChildCall& call,
                               std::map<std::string, tmpl::Value> inputs, RunTaskContext& ctx);
  Result<FlowableEnd> RunSubflow(const flow::TaskSpec& spec, RunTaskContext& ctx);
  // `inner`: the scope of the ForEachItem's children.
  Result<FlowableEnd> RunForEachItem(const flow::TaskSpec& spec, const Scope& inner, RunTaskContext& ctx);
  // One of a flowable's own steps, recorded as a child task run of the
  // flowable (ForEachItem's <id>_split, _items, _merge): its outputs are at
  // outputs.<step id>. A step that succeeded before (a recovered execution)
  // is not run again; its recorded outputs are returned.
  Result<FlowableEnd> RunStep(const std::string& step_id, const std::string& type, const Scope& scope,
                              const std::function<Result<FlowableEnd>()>& step);
  Result<FlowableEnd> RunPause(const flow::TaskSpec& spec, const Scope& scope, state::TaskRun& run,
                               RunTaskContext& ctx);
  // templated.cc
  Result<FlowableEnd> RunTemplated(const flow::TaskSpec& spec, const Scope& scope, state::TaskRun& run,
                                   RunTaskContext& ctx);
  Status CheckResumeInputs();

  // Adds labels (execution.Labels: system.* refused); StoreLabels takes floe's own too.
  Status SetLabels(const std::vector<std::pair<std::string, std::string>>& labels);
  Status StoreLabels(const std::vector<std::pair<std::string, std::string>>& labels);
  // Records a task run's state as {{ tasks.<id>.state }} (nested under its
  // loop values inside iterations: tasks.<id>.<value>.state).
  void SetTaskState(const state::TaskRun& run);

  // sla.cc: the flow's SLAs, checked (`assertions`: the EXECUTION_ASSERTION
  // ones too, after a task run ended); a broken one adds its labels and,
  // with FAIL or CANCEL, stops the execution.
  void CheckSlas(bool assertions);
  void BreakSla(const flow::Sla& sla, const std::string& reason);
  struct SlaEnd {
    state::State state;
    std::string why;
  };
  // How a broken SLA ends the execution, if one does.
  std::optional<SlaEnd> SlaStop();

  // The watcher thread polls the store for KILLING (a kill) and PAUSED (a
  // pause asked of the running execution).
  void WatchForKill();
  Result<bool> Admit();
  Result<state::State> RunToEnd();
  bool killed() const { return killed_.load(); }
  // A pause was asked: no task starts from now on; running ones finish.
  bool pause_requested() const { return pause_requested_.load(); }
  // Waits `d` (a retry's delay); true, early, when the execution is killed.
  bool SleepUnlessKilled(Duration d);

  ExecutionEnv& env_;
  const flow::Flow& flow_;
  state::Execution execution_;
  Timestamp start_;
  std::optional<ExecutionLock> lock_;
  SecretMask mask_;
  LocalFileAccess files_;  // set with the context
  std::optional<FlowRenderHost> host_;
  std::optional<StoreKv> kv_;
  ExecutionServices services_;

  std::shared_mutex context_mu_;  // guards context_ and labels_ (written by concurrent branches)
  tmpl::Value context_;
  tmpl::Value labels_;   // the labels as stored ("system.correlationId" keys); context_ nests them
  tmpl::Value trigger_;  // the `trigger` variables; null when no trigger started it

  std::mutex mu_;  // guards what follows
  Status store_error_;
  std::map<std::string, state::State> finished_;       // key -> final state of a run that ended earlier
  std::map<std::string, state::TaskRun> reusable_;     // key -> unfinished flowable/paused run to continue
  std::map<std::string, int> attempts_;                // key -> attempts already made
  std::set<std::string> retry_pending_;                // keys whose recorded failure may still be retried
  std::map<std::string, tmpl::Value> resume_outputs_;  // key of a resumed Pause -> its onResume inputs
  bool expire_pauses_ = false;                         // restored to fail the Pauses whose timeout passed
  std::set<RunTaskContext*> active_;                   // running task contexts, cancelled on kill
  std::mt19937_64 rng_{std::random_device{}()};        // random retry delays

  std::mutex sla_mu_;  // guards what follows
  std::set<std::string> slas_broken_;
  std::optional<SlaEnd> sla_end_;

  int execution_attempt_ = 1;
  std::optional<Timestamp> chain_start_;         // unset: this execution's start
  std::optional<Duration> new_execution_retry_;  // guarded by mu_

  bool admitted_ = false;                     // past the flow's concurrency limit
  std::atomic<bool> killed_{false};           // stop: a kill, or an SLA's FAIL/CANCEL
  std::atomic<bool> kill_requested_{false};   // a kill (KILLING in the store)
  std::atomic<bool> pause_requested_{false};  // PAUSED in the store while it runs
  std::atomic<bool> ended_{false};            // its final state is recorded
  std::atomic<bool> done_{false};
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
};

// Kills what is left of every process group recorded for the execution's
// task runs (a dead floe process ran them) and drops the records; calls
// `stopped` for each group in which it killed processes. An error names a
// group with processes that did not die; its record is kept.
Status StopProcessGroups(state::Store& store, const state::Execution& execution,
                         const std::function<void(const state::TaskRun&, const ProcessGroup&, int killed)>& stopped);

// The label Kestra gives every execution (its id) and its subflows (the
// caller's): {{ labels.system.correlationId }}.
inline constexpr char kCorrelationLabel[] = "system.correlationId";

// The key of a task run: its scope path and id.
// When a task run first paused (a Pause's timeout counts from then).
inline std::optional<Timestamp> FirstPaused(const state::TaskRun& run) {
  for (const auto& change : run.history)
    if (change.state == state::State::kPaused) return change.at;
  return std::nullopt;
}

inline std::string RunKey(const Scope& scope, const std::string& task_id) { return scope.path + task_id; }

}  // namespace floe::exec
