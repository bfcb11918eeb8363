// Flowable tasks, kill, pause/resume, restart and replay, through the real
// executor with the built-in tasks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <future>
#include <thread>

#include "core/id.h"
#include "exec/execution_lock.h"
#include "exec/executor.h"
#include "storage/local_store.h"
#include "tasks/builtin.h"
#include "tests/support/executor_fixture.h"
#include "tmpl/json.h"

namespace floe::exec {
namespace {

using state::State;
using ::testing::HasSubstr;

const flow::TaskRegistry& TestTasks() {
  static const flow::TaskRegistry registry = [] {
    flow::TaskRegistry r;
    tasks::RegisterBuiltinTasks(r);
    return r;
  }();
  return registry;
}

class FlowableTest : public floe::test_support::ExecutorFixture {
 protected:
  const flow::TaskRegistry& Registry() override { return TestTasks(); }
  void Tune(ExecutorSettings& s) override { s.kill_poll_interval = std::chrono::milliseconds(20); }
  ExecutorSettings Settings() {
    ExecutorSettings s{.lake = dir_ / "lake", .scratch = dir_ / "tmp", .locks = dir_ / "locks"};
    Tune(s);
    return s;
  }
};

// Each branch announces itself and waits for the other: only branches that
// really run at the same time both succeed.
constexpr const char* kBarrierFlow = R"(id: barrier
namespace: test
tasks:
  - id: both
    type: flow.Parallel
    concurrent: LIMIT
    tasks:
      - id: a
        type: scripts.Shell
        commands:
          - touch SHARED/a
          - for i in $(seq 60); do [ -f SHARED/b ] && exit 0; sleep 0.05; done; exit 1
      - id: b
        type: scripts.Shell
        commands:
          - touch SHARED/b
          - for i in $(seq 60); do [ -f SHARED/a ] && exit 0; sleep 0.05; done; exit 1
)";

std::string WithLimit(int limit) {
  std::string flow = kBarrierFlow;
  flow.replace(flow.find("LIMIT"), 5, std::to_string(limit));
  return flow;
}

TEST_F(FlowableTest, ParallelBranchesRunAtTheSameTime) {
  state::Execution e = Run(WithLimit(0));
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
}

TEST_F(FlowableTest, ParallelConcurrentLimitIsHonoured) {
  state::Execution e = Run(WithLimit(1));
  // With one branch at a time, the first waits for the second in vain.
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_EQ(RunsOf(e, "b"), 0) << "a failure stops the branches not yet started";
}

TEST_F(FlowableTest, ForEachIterationsRunConcurrentlyWithinTheirLimit) {
  state::Execution e = Run(R"(id: each
namespace: test
tasks:
  - id: each
    type: flow.ForEach
    values: ["a", "b"]
    concurrencyLimit: 0
    tasks:
      - id: wait
        type: scripts.Shell
        commands:
          - touch SHARED/{{ taskrun.value }}
          - for i in $(seq 60); do [ -f SHARED/a ] && [ -f SHARED/b ] && exit 0; sleep 0.05; done; exit 1
)");
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(RunsOf(e, "wait"), 2);
}

TEST_F(FlowableTest, ForEachOutputsAreKeyedByValue) {
  state::Execution e = Run(R"(id: each
namespace: test
tasks:
  - id: each
    type: flow.ForEach
    values: {"x": 1, "y": 2}
    tasks:
      - id: double
        type: core.Return
        format: "{{ fromJson(taskrun.value).key }}={{ fromJson(taskrun.value).value * 2 }}"
  - id: all
    type: core.Return
    format: "{{ outputs.double | length }} {{ outputs.double['{\"key\":\"y\",\"value\":2}'].value }}"
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(tmpl::ParseJson(e.task_runs.back().outputs_json)->Get("value")->AsString(), "2 y=4");
}

TEST_F(FlowableTest, KillStopsARunningShell) {
  const flow::Flow& flow = Parse(R"(id: slow
namespace: test
tasks:
  - id: wait
    type: scripts.Shell
    commands:
      - echo started
      - sleep 30
  - id: never
    type: core.Log
    message: not reached
)");
  auto started = std::chrono::steady_clock::now();
  auto running = std::async(std::launch::async, [&] { return executor_->Run(flow, {}); });
  // Find the execution once its shell runs, then kill it from a second
  // executor, as `floe executions kill` does from another process.
  std::string id;
  for (int i = 0; i < 200 && id.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto list = *store_->ListExecutions({});
    if (list.empty()) continue;
    auto logs = *store_->GetLogs(list[0].id, 0);
    for (const auto& l : logs)
      if (l.message == "started") id = list[0].id;
  }
  ASSERT_FALSE(id.empty());
  Executor other(*store_, Registry(), *storage_, Settings());
  ASSERT_TRUE(other.Kill(id).ok());
  auto result = running.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  state::Execution e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kKilled);
  ASSERT_EQ(e.task_runs.size(), 1u);
  EXPECT_EQ(e.task_runs[0].state, State::kKilled);
  bool saw_killing = false;
  for (const auto& h : e.history) saw_killing = saw_killing || h.state == State::kKilling;
  EXPECT_TRUE(saw_killing);
  EXPECT_EQ(other.Kill(id).code(), StatusCode::kFailedPrecondition);  // already ended
}

// A pause asked of a running execution: the task running finishes, no
// other starts (in a flowable too), and a resume carries on from there.
TEST_F(FlowableTest, PausingARunningExecutionStopsAtTheNextTaskAndResumes) {
  const flow::Flow& flow = Parse(R"(id: long
namespace: test
tasks:
  - id: steps
    type: flow.Sequential
    tasks:
      - id: wait
        type: scripts.Shell
        commands:
          - touch SHARED/started
          - for i in $(seq 400); do [ -f SHARED/go ] && exit 0; sleep 0.05; done; exit 1
      - id: next
        type: core.Log
        message: next ran
  - id: last
    type: core.Log
    message: last ran
)");
  auto running = std::async(std::launch::async, [&] { return executor_->Run(flow, {}); });
  std::filesystem::path shared = dir_ / "shared";
  for (int i = 0; i < 400 && !std::filesystem::exists(shared / "started"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  auto listed = *store_->ListExecutions({});
  ASSERT_EQ(listed.size(), 1u);
  std::string id = listed[0].id;
  Executor other(*store_, Registry(), *storage_, Settings());
  ASSERT_TRUE(other.Pause(id).ok());
  EXPECT_EQ(*store_->GetExecutionState(id), State::kPaused);
  EXPECT_EQ(other.Pause(id).code(), StatusCode::kFailedPrecondition);  // not RUNNING any more
  std::this_thread::sleep_for(std::chrono::milliseconds(200));         // the watcher polls every 20 ms
  // Its process still runs `wait`: a resume must wait for it to end.
  Status early = other.ResumePaused(id, {});
  EXPECT_EQ(early.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(early.ToString(), HasSubstr("still pausing"));
  std::ofstream(shared / "go").close();
  auto result = running.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  state::Execution e = *store_->GetExecution(id);
  ASSERT_EQ(e.state, State::kPaused) << e.error;
  EXPECT_EQ(RunsOf(e, "wait"), 1);
  EXPECT_EQ(RunsOf(e, "next"), 0);
  EXPECT_EQ(RunsOf(e, "last"), 0);
  EXPECT_EQ(e.task_runs.at(1).state, State::kSuccess);  // `wait` finished
  EXPECT_EQ(e.task_runs.at(0).state, State::kPaused);   // `steps` waits for its next child
  int paused_entries = 0;
  for (const auto& h : e.history) paused_entries += h.state == State::kPaused;
  EXPECT_EQ(paused_entries, 1);
  // Nothing waits for inputs: inputs are refused, the execution stays paused.
  Status with_inputs = executor_->ResumePaused(id, {{"x", tmpl::Value("1")}});
  EXPECT_EQ(with_inputs.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->GetExecutionState(id), State::kPaused);
  Status resumed = executor_->ResumePaused(id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();
  e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(RunsOf(e, "wait"), 1);
  EXPECT_EQ(RunsOf(e, "next"), 1);
  EXPECT_EQ(RunsOf(e, "steps"), 1);
  EXPECT_THAT(Messages(id), ::testing::Contains("last: last ran"));
}

// A kill asked of an execution that is pausing wins: it ends KILLED.
TEST_F(FlowableTest, KillingAPausingExecutionKillsIt) {
  const flow::Flow& flow = Parse(R"(id: long
namespace: test
tasks:
  - id: wait
    type: scripts.Shell
    commands:
      - touch SHARED/started
      - sleep 30
  - id: next
    type: core.Log
    message: next ran
)");
  auto running = std::async(std::launch::async, [&] { return executor_->Run(flow, {}); });
  for (int i = 0; i < 400 && !std::filesystem::exists(dir_ / "shared" / "started"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  std::string id = store_->ListExecutions({})->at(0).id;
  Executor other(*store_, Registry(), *storage_, Settings());
  ASSERT_TRUE(other.Pause(id).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(other.Kill(id).ok());
  ASSERT_TRUE(running.get().ok());
  state::Execution e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kKilled);
  EXPECT_EQ(RunsOf(e, "next"), 0);
}

TEST_F(FlowableTest, PauseUntilResumedWithTypedInputs) {
  state::Execution e = Run(R"(id: approve
namespace: test
tasks:
  - id: before
    type: core.Log
    message: before
  - id: approval
    type: flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
      - id: reason
        type: STRING
        defaults: none given
  - id: after
    type: core.Log
    message: "approved={{ outputs.approval.onResume.approved }} reason={{ outputs.approval.onResume.reason }}"
)");
  ASSERT_EQ(e.state, State::kPaused);
  EXPECT_EQ(e.task_runs.back().state, State::kPaused);
  EXPECT_EQ(executor_->Restart(e.id).code(), StatusCode::kFailedPrecondition);
  // A bad value is refused and the execution stays paused.
  Status bad = executor_->ResumePaused(e.id, {{"approved", tmpl::Value("maybe")}});
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.ToString(), HasSubstr("approved"));
  Status resumed = executor_->ResumePaused(e.id, {{"approved", tmpl::Value("true")}});
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();
  e = *store_->GetExecution(e.id);
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(RunsOf(e, "before"), 1);
  EXPECT_THAT(Messages(e.id), ::testing::Contains("after: approved=true reason=none given"));
}

TEST_F(FlowableTest, RestartRunsOnlyTheFailedTasks) {
  const char* flow = R"(id: flaky
namespace: test
tasks:
  - id: first
    type: core.Return
    format: "{{ execution.id }}"
  - id: each
    type: flow.ForEach
    values: [1, 2]
    tasks:
      - id: gate
        type: core.Fail
        condition: "{{ taskrun.value == '2' and kv('open', errorOnMissing=false) is null }}"
  - id: last
    type: core.Log
    message: "done after {{ outputs.first.value }}"
)";
  state::Execution e = Run(flow);
  ASSERT_EQ(e.state, State::kFailed);
  ASSERT_TRUE(store_->KvPut({.namespace_ = "test", .key = "open", .value_json = "true"}).ok());
  ASSERT_TRUE(executor_->Restart(e.id).ok());
  e = *store_->GetExecution(e.id);
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(RunsOf(e, "first"), 1);
  EXPECT_EQ(RunsOf(e, "gate"), 3) << "value 1 once, value 2 failed then succeeded";
  EXPECT_EQ(RunsOf(e, "last"), 1);
  EXPECT_THAT(Messages(e.id), ::testing::Contains("last: done after " + e.id));
}

// A client that waited for the execution to fail and restarts it at once
// can reach the store a moment before the process that ran it lets go of
// it: the restart waits for that, it is not refused.
TEST_F(FlowableTest, ARestartRightAfterTheEndWaitsForTheEndingProcess) {
  state::Execution e = Run("id: f\nnamespace: test\ntasks:\n  - id: boom\n    type: core.Fail\n");
  ASSERT_EQ(e.state, State::kFailed);
  auto held = ExecutionLock::Acquire(dir_ / "locks", e.id);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  std::thread ending([lock = std::move(*held)]() mutable {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    ExecutionLock released = std::move(lock);
  });
  Status restarted = executor_->Restart(e.id);
  ending.join();
  EXPECT_TRUE(restarted.ok()) << restarted.ToString();
  EXPECT_EQ(store_->GetExecution(e.id)->state, State::kFailed) << "it ran again, and failed again";
  EXPECT_EQ(RunsOf(*store_->GetExecution(e.id), "boom"), 2);
}

TEST_F(FlowableTest, ReplayKeepsEarlierTasksAndRunsTheRest) {
  state::Execution e = Run(R"(id: replayable
namespace: test
tasks:
  - id: a
    type: core.Return
    format: "{{ now() }}"
  - id: b
    type: core.Return
    format: "b after {{ outputs.a.value }}"
  - id: c
    type: core.Log
    message: "{{ outputs.b.value }}"
)");
  ASSERT_EQ(e.state, State::kSuccess);
  auto replayed = executor_->Replay(e.id, "b");
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  state::Execution r = *store_->GetExecution(*replayed);
  EXPECT_EQ(r.state, State::kSuccess) << r.error;
  ASSERT_EQ(r.task_runs.size(), 3u);
  EXPECT_EQ(r.task_runs[0].task_id, "a");
  EXPECT_EQ(r.task_runs[0].outputs_json, e.task_runs[0].outputs_json) << "a is kept, not run again";
  EXPECT_NE(r.task_runs[1].id, e.task_runs[1].id);
  EXPECT_EQ(executor_->Replay(e.id, "nope").status().code(), StatusCode::kNotFound);
}

TEST_F(FlowableTest, DagRunsIndependentTasksConcurrently) {
  state::Execution e = Run(R"(id: dag
namespace: test
tasks:
  - id: dag
    type: flow.Dag
    tasks:
      - task:
          id: root
          type: core.Log
          message: root
      - task:
          id: left
          type: scripts.Shell
          commands:
            - touch SHARED/left
            - for i in $(seq 60); do [ -f SHARED/right ] && exit 0; sleep 0.05; done; exit 1
        dependsOn: [root]
      - task:
          id: right
          type: scripts.Shell
          commands:
            - touch SHARED/right
            - for i in $(seq 60); do [ -f SHARED/left ] && exit 0; sleep 0.05; done; exit 1
        dependsOn: [root]
      - task:
          id: join
          type: core.Log
          message: joined
        dependsOn: [left, right]
)");
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(e.task_runs.back().task_id, "join");
}

TEST_F(FlowableTest, DagStopsAtAFailureAndSkipsDependents) {
  state::Execution e = Run(R"(id: dag
namespace: test
tasks:
  - id: dag
    type: flow.Dag
    tasks:
      - task: {id: root, type: core.Fail}
      - task: {id: child, type: core.Log, message: never}
        dependsOn: [root]
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_EQ(RunsOf(e, "child"), 0);
}

TEST_F(FlowableTest, FlowableErrorsBranchRunsOnChildFailure) {
  state::Execution e = Run(R"(id: handled
namespace: test
tasks:
  - id: each
    type: flow.ForEach
    values: [1]
    tasks:
      - id: boom
        type: core.Fail
    errors:
      - id: on_error
        type: core.Log
        message: caught
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(Messages(e.id), ::testing::Contains("on_error: caught"));
}

TEST_F(FlowableTest, WorkingDirectoryChildrenShareOneFolder) {
  state::Execution e = Run(R"(id: wd
namespace: test
tasks:
  - id: wd
    type: flow.WorkingDirectory
    tasks:
      - id: write
        type: scripts.Shell
        commands: [echo hi > note.txt]
      - id: read
        type: scripts.Shell
        commands: ['echo "::{\"outputs\":{\"note\":\"$(cat note.txt)\"}}::"']
  - id: isolated
    type: scripts.Shell
    commands: ["test ! -e note.txt"]
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(tmpl::ParseJson(e.task_runs[2].outputs_json)->Get("vars")->Get("note")->AsString(), "hi");
}

TEST_F(FlowableTest, ShellTimeoutKillsTheProcessGroup) {
  state::Execution e = Run(R"(id: t
namespace: test
tasks:
  - id: slow
    type: scripts.Shell
    timeout: PT0.3S
    commands:
      - (sleep 30; touch SHARED/survived) &
      - sleep 30
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("timed out"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "shared" / "survived"));
}

// A flow with a concurrency limit of one whose single task waits until the
// test lets it finish (by creating SHARED/go).
std::string LimitedFlow(const std::string& behavior) {
  return R"(id: limited
namespace: test
concurrency:
  limit: 1
  behavior: )" +
         behavior + R"(
tasks:
  - id: hold
    type: scripts.Shell
    commands:
      - touch SHARED/started
      - for i in $(seq 200); do [ -f SHARED/go ] && exit 0; sleep 0.05; done; exit 1
)";
}

TEST_F(FlowableTest, ConcurrencyLimitFailsCancelsOrQueues) {
  for (std::string behavior : {"FAIL", "CANCEL", "QUEUE"}) {
    SCOPED_TRACE(behavior);
    std::filesystem::remove(dir_ / "shared" / "go");
    std::filesystem::remove(dir_ / "shared" / "started");
    const flow::Flow& flow = Parse(LimitedFlow(behavior));
    auto first = std::async(std::launch::async, [&] { return executor_->Run(flow, {}); });
    while (!std::filesystem::exists(dir_ / "shared" / "started"))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    Executor other(*store_, Registry(), *storage_, Settings());
    auto second = std::async(std::launch::async, [&] { return other.Run(flow, {}); });
    if (behavior == "QUEUE") {
      // The second waits in QUEUED while the first runs.
      bool queued = false;
      for (int i = 0; i < 200 && !queued; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        auto list = *store_->ListExecutions({.flow_id = "limited", .state = State::kQueued});
        queued = !list.empty();
      }
      EXPECT_TRUE(queued);
    }
    std::optional<std::string> second_id;
    if (behavior != "QUEUE") {
      auto id = second.get();
      ASSERT_TRUE(id.ok());
      second_id = *id;
    }
    std::ofstream(dir_ / "shared" / "go") << "";
    auto first_id = first.get();
    ASSERT_TRUE(first_id.ok());
    EXPECT_EQ(store_->GetExecution(*first_id)->state, State::kSuccess);
    if (!second_id) {
      auto id = second.get();
      ASSERT_TRUE(id.ok());
      second_id = *id;
    }
    state::Execution e = *store_->GetExecution(*second_id);
    State expected = behavior == "FAIL" ? State::kFailed : behavior == "CANCEL" ? State::kCancelled : State::kSuccess;
    EXPECT_EQ(e.state, expected) << e.error;
    if (behavior != "QUEUE") {
      EXPECT_THAT(e.error, HasSubstr("concurrency limit"));
    }
  }
}

TEST_F(FlowableTest, FlowRetryRunsAgain) {
  for (std::string behavior : {"RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"}) {
    SCOPED_TRACE(behavior);
    ASSERT_TRUE(store_->KvDelete("test", "tries").ok());
    state::Execution e = Run(R"(id: retried
namespace: test
retry:
  type: constant
  interval: PT0.01S
  maxAttempts: 3
  behavior: )" + behavior + R"(
tasks:
  - id: count
    type: kv.Set
    key: tries
    value: "{{ (kv('tries', errorOnMissing=false) ?? 0) + 1 }}"
    runIf: "{{ true }}"
  - id: gate
    type: core.Fail
    condition: "{{ kv('tries') < 2 }}"
errors:
  - id: count_on_failure
    type: kv.Set
    key: tries
    value: "{{ kv('tries') + 1 }}"
)");
    EXPECT_EQ(e.state, State::kSuccess) << e.error;
    if (behavior == "RETRY_FAILED_TASK") {
      EXPECT_EQ(RunsOf(e, "count"), 1) << "a restart does not run what succeeded";
      EXPECT_EQ(RunsOf(e, "gate"), 2);
    } else {
      EXPECT_EQ(RunsOf(e, "gate"), 1) << "a new execution";
      EXPECT_THAT(e.labels_json, HasSubstr("retryOf"));
    }
  }
}

}  // namespace
}  // namespace floe::exec
