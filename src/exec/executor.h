// Executor: runs flows and records every step in the Store before it takes
// effect: the execution, each task run, their state transitions, outputs and
// log lines. Runnable tasks run on a bounded set of worker slots; flowable
// tasks (Parallel, ForEach, Dag, ...) run their children concurrently where
// the flow allows.
//
//   Executor executor(store, registry, storage, settings);
//   ASSIGN_OR_RETURN(std::string id, executor.Run(flow, {{"name", Value("ada")}}));
//   ASSIGN_OR_RETURN(state::Execution done, store.GetExecution(id));
//
// Run() returns an error only when no execution could be created (bad inputs,
// store failure); a task failure is a FAILED execution, not an error.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "exec/events.h"
#include "exec/secret_cipher.h"
#include "flow/flow.h"
#include "state/store.h"
#include "storage/internal_storage.h"
#include "storage/object_stores.h"
#include "tmpl/value.h"

namespace floe::exec {

class RunningExecution;
struct ExecutionEnv;
class WorkerSlots;

struct ExecutorSettings {
  std::filesystem::path lake;          // exposed to flows as {{ globals.lake }}
  flow::LakeSettings iceberg;          // the Iceberg catalog and warehouse
  std::filesystem::path scratch;       // parent of task working directories
  std::filesystem::path locks;         // one lock file per execution being run
  std::filesystem::path secrets_file;  // YAML map NAME: value for secret(); may not exist
  // <namespace_files>/<namespace>/ holds a namespace's files (read(), namespaceFiles).
  std::filesystem::path namespace_files;
  // The flows folder (git.SyncFlows writes there); empty: none.
  std::filesystem::path flows_dir;
  // Local folders whose files read(), inputFiles and other file:// or path
  // arguments may reach besides the namespace's files; none by default.
  std::vector<std::filesystem::path> allowed_paths;
  // The key SECRET inputs are stored encrypted with (loaded on first use).
  SecretCipher::KeySource secret_key;
  // How many runnable tasks do work at once in this process.
  int workers = 16;
  // How often a running execution checks the store for a kill request.
  std::chrono::milliseconds kill_poll_interval{200};
  // Submit: how many executions run at once (each on a thread of the
  // executor's pool), and how many more may wait for a thread before
  // Submit refuses new ones (back-pressure: ResourceExhausted).
  int max_running = 64;
  size_t queue_limit = 10000;
  // Finds a flow by namespace and id (Subflow tasks); unset: Subflow fails.
  std::function<Result<flow::Flow>(const std::string& ns, const std::string& id)> find_flow;
  const Clock* clock = &SystemClock();
};

// Whether a live floe process is running the execution (holds its lock in
// `locks`). An unfinished, unpaused execution that no process runs was left
// by a process that died: `Executor::Recover` finishes it.
bool ExecutionHasLiveProcess(const std::filesystem::path& locks, const std::string& execution_id);

// How a submitted execution starts.
struct SubmitOptions {
  std::string id;       // the execution's id when the caller must know it in advance; else a new one
  tmpl::Value trigger;  // the `trigger` variables (a map), when a trigger started it
  std::vector<std::pair<std::string, std::string>> labels;  // besides the flow's
  std::vector<std::string> secrets;                         // values to mask (a parent's secrets)
  // Created at once (CREATED), run from then on (Kestra's scheduleDate). Held
  // in memory: a process that stops before leaves it CREATED, for recovery.
  std::optional<Timestamp> not_before;
};

class Executor {
 public:
  // `events`: where the executor publishes what happens (one bus may serve
  // several executors); unset: a bus of its own.
  Executor(state::Store& store, const flow::TaskRegistry& registry, const storage::InternalStorage& storage,
           ExecutorSettings settings, EventBus* events = nullptr);
  // Waits until every submitted execution ended (subflows started without
  // waiting included), unless Drain() was called: then queued ones are
  // dropped (CREATED in the store, for recovery) and running ones awaited.
  ~Executor();

  EventBus& events() { return *events_; }

  // Validates inputs, creates the execution and runs it to its end (or to a
  // Pause). Returns the execution id: `id` when given (a caller that must
  // know it in advance), else a new one.
  Result<std::string> Run(const flow::Flow& flow, const std::map<std::string, tmpl::Value>& inputs,
                          const std::string& id = "", const tmpl::Value& trigger = {});

  // Validates inputs and creates the execution (CREATED) now, then runs it
  // on the executor's pool; returns its id at once. ResourceExhausted when
  // the queue is full; FailedPrecondition once draining.
  Result<std::string> Submit(std::shared_ptr<const flow::Flow> flow, const std::map<std::string, tmpl::Value>& inputs,
                             SubmitOptions options = {});
  // Cancels a submitted execution: one still queued ends KILLED without
  // running; one running is killed (see Kill).
  Status Cancel(const std::string& execution_id);
  // Stops taking submissions and waits until every submitted execution
  // ended or `deadline` passed (queued ones are not started: they stay
  // CREATED for recovery). Returns how many are still running.
  size_t Drain(std::chrono::steady_clock::time_point deadline);
  size_t queued() const;
  size_t running() const;

  // Polls one of the flow's polling triggers once. When it fires, runs an
  // execution of the flow (default inputs) with the trigger's variables as
  // `trigger` and returns its id; nullopt when there was nothing new. What
  // the trigger keeps between polls is stored before the execution starts.
  Result<std::optional<std::string>> PollTrigger(const flow::Flow& flow, const std::string& trigger_id);
  // The same, submitting the execution instead of running it here.
  Result<std::optional<std::string>> PollTriggerAndSubmit(std::shared_ptr<const flow::Flow> flow,
                                                          const std::string& trigger_id);

  // Continues an execution that a dead process left unfinished: finished task
  // runs are kept (their outputs feed later tasks), task runs that were
  // running are marked FAILED as interrupted and run again as a new attempt
  // (at-least-once), flowable tasks carry on with their unfinished children.
  // FailedPrecondition if the execution has ended, is paused, or a live
  // process is still running it.
  Status Recover(const std::string& execution_id);
  // Recovers every unfinished execution no live process is running; returns
  // their ids.
  Result<std::vector<std::string>> RecoverAll();

  // Continues a PAUSED execution: its Pause task succeeds with `inputs` as
  // its outputs (checked against the task's onResume declarations).
  // A Pause whose `timeout` has passed is not resumed: it fails (Kestra's
  // behaviour when the timeout expires) and the call says so.
  Status ResumePaused(const std::string& execution_id, const std::map<std::string, tmpl::Value>& inputs);
  // Ends every Pause (without pauseDuration) that has been PAUSED longer than
  // its `timeout`: the task fails (WARNING with allowFailure) and its
  // execution goes on from there, in the pool. Returns those executions'
  // ids. `floe server` calls it every second.
  Result<std::vector<std::string>> ExpirePauses();
  // ResumePaused in the background, on the pool (execution.Resume): the
  // checks (paused, of flow `ns`.`flow_id` when given, onResume inputs) are
  // made here, the rest runs later.
  Status SubmitResume(const std::string& execution_id, const std::string& ns, const std::string& flow_id,
                      const std::map<std::string, tmpl::Value>& inputs);
  // Runs a FAILED (or KILLED) execution again from its failed tasks; the
  // tasks that succeeded keep their outputs and are not run again.
  Status Restart(const std::string& execution_id);
  // The same on the executor's pool: the checks are made here, the rest
  // runs later (the API's restart).
  // `restarted`, when given, gets the execution as it is once restarted
  // (RESTARTED), before it runs.
  Status SubmitRestart(const std::string& execution_id, state::Execution* restarted = nullptr);
  // A new execution of the same flow revision and inputs that keeps every
  // task run that ended before `task_id` first started, and runs the rest.
  // The tasks it runs again read the Iceberg snapshots they read the first
  // time (their `icebergSnapshots` outputs), unless `latest`. Returns the
  // new execution's id.
  Result<std::string> Replay(const std::string& execution_id, const std::string& task_id, bool latest = false);
  // The same on the executor's pool: the new execution is created here and
  // runs later; returns its id at once.
  Result<std::string> SubmitReplay(const std::string& execution_id, const std::string& task_id, bool latest = false);
  // Pauses a RUNNING execution: no task starts from now on; the task runs
  // in progress finish, and then it stays PAUSED until ResumePaused.
  // FailedPrecondition unless it is RUNNING.
  Status Pause(const std::string& execution_id);
  // Asks to kill an execution. A running one is stopped by the process
  // running it (its tasks are cancelled; shells get SIGTERM, then SIGKILL);
  // one no live process runs (paused, or left by a dead process) is marked
  // KILLED here.
  Status Kill(const std::string& execution_id);

 private:
  struct Job;
  // Queues a job on the pool (a thread is started when none is idle).
  Status Enqueue(std::unique_ptr<Job> job);
  void PoolLoop();
  Result<std::optional<std::string>> PollTrigger(const flow::Flow& flow, const std::string& trigger_id,
                                                 std::shared_ptr<const flow::Flow> submit);
  // Runs a started execution to its end, then the flow's retry policy;
  // returns the id of the last execution (a retry may make new ones).
  Result<std::string> RunToEnd(RunningExecution& running, const flow::Flow& flow,
                               const std::map<std::string, tmpl::Value>& inputs, const SubmitOptions& options);
  // Claims and restores an execution for Restart / Replay, ready to run.
  Result<std::unique_ptr<Job>> PrepareRestart(const std::string& execution_id);
  Result<std::unique_ptr<Job>> PrepareReplay(const std::string& execution_id, const std::string& task_id, bool latest);
  // Loads the flow an execution ran (its stored source).
  Result<flow::Flow> StoredFlow(const state::Execution& stored);

  state::Store& store_;
  const flow::TaskRegistry& registry_;
  const storage::InternalStorage& storage_;
  storage::ObjectStores object_stores_;  // s3:// and file:// URIs given to tasks
  ExecutorSettings settings_;
  SecretCipher cipher_;
  std::unique_ptr<EventBus> own_events_;
  EventBus* events_;
  std::unique_ptr<WorkerSlots> slots_;
  std::unique_ptr<ExecutionEnv> env_;  // what running executions see of this executor

  mutable std::mutex pool_mu_;
  std::condition_variable pool_cv_;  // a job queued, or stopping
  std::condition_variable idle_cv_;  // a job ended
  std::deque<std::unique_ptr<Job>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_threads_ = 0;
  size_t running_ = 0;
  bool draining_ = false;
  bool stopping_ = false;
};

}  // namespace floe::exec
