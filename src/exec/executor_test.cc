#include "exec/executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <thread>

#include "core/id.h"
#include "exec/execution_lock.h"
#include "storage/local_store.h"
#include "tests/support/executor_fixture.h"
#include "tests/support/processes.h"
#include "tmpl/json.h"

namespace floe::exec {
namespace {

using state::State;
using ::testing::HasSubstr;

// Echo: outputs its rendered `value` property; Boom: fails with `message`.
class EchoTask : public flow::Task {
  Result<tmpl::Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto v, ctx.Property("value"));
    ctx.Log(LogLevel::kInfo, "echo");
    return tmpl::Value::MakeMap({{"value", v ? *v : tmpl::Value()}});
  }
};
class BoomTask : public flow::Task {
  Result<tmpl::Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string m, ctx.RequiredString("message"));
    return InvalidArgument(m);
  }
};

// Fails while `attempt` < `until`: a task that succeeds on a later retry.
class FailUntilTask : public flow::Task {
  Result<tmpl::Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto attempt, ctx.Property("attempt"));
    ASSIGN_OR_RETURN(auto until, ctx.Property("until"));
    if (attempt->AsInt() < until->AsInt()) return Internal("attempt " + std::to_string(attempt->AsInt()) + " fails");
    return tmpl::Value::MakeMap({{"attempt", *attempt}});
  }
};

// Fires while its `batches` (a property) are not all taken: each poll takes
// the next one, keeping in its state how many it took; writes a file for
// the execution it starts.
class BatchTrigger : public flow::PollingTrigger {
  Result<std::optional<tmpl::Value>> Poll(flow::TaskContext& ctx, tmpl::Value& state) override {
    ASSIGN_OR_RETURN(auto batches, ctx.Property("batches"));
    int64_t taken = state.is_map() && state.Get("taken") ? state.Get("taken")->AsInt() : 0;
    if (taken >= batches->AsInt()) return std::optional<tmpl::Value>();
    ASSIGN_OR_RETURN(auto file, ctx.NewStorageFile("batch.txt"));
    std::ofstream(file.first) << "batch " << taken;
    state = tmpl::Value::MakeMap({{"taken", tmpl::Value(taken + 1)}});
    return std::optional<tmpl::Value>(
        tmpl::Value::MakeMap({{"batch", tmpl::Value(taken)}, {"uri", tmpl::Value(file.second)}}));
  }
};

const flow::TaskRegistry& TestTasks() {
  static const flow::TaskRegistry registry = [] {
    flow::TaskRegistry r;
    r.Register({.name = "test.Echo",
                .properties = {{.name = "value", .type = flow::PropertyType::kAny}},
                .factory = [] { return std::make_unique<EchoTask>(); }});
    r.Register({.name = "test.FailUntil",
                .properties = {{.name = "attempt", .type = flow::PropertyType::kAny},
                               {.name = "until", .type = flow::PropertyType::kAny}},
                .factory = [] { return std::make_unique<FailUntilTask>(); }});
    r.Register({.name = "test.Batches",
                .properties = {{.name = "batches", .type = flow::PropertyType::kAny, .required = true}},
                .trigger_factory = [] { return std::make_unique<BatchTrigger>(); }});
    r.Register({.name = "test.Boom", .properties = {{.name = "message", .required = true}}, .factory = [] {
                  return std::make_unique<BoomTask>();
                }});
    return r;
  }();
  return registry;
}

class ExecutorTest : public floe::test_support::ExecutorFixture {
 protected:
  const flow::TaskRegistry& Registry() override { return TestTasks(); }
};

TEST_F(ExecutorTest, RunsTasksInOrderPassingOutputs) {
  state::Execution e = Run(R"(id: f
namespace: dev
inputs:
  - id: n
    type: INT
variables:
  twice: "{{ inputs.n * 2 }}"
tasks:
  - id: a
    type: test.Echo
    value: "{{ render(vars.twice) | number }}"
  - id: b
    type: test.Echo
    value: "{{ outputs.a.value + 1 }} from {{ flow.namespace }}.{{ flow.id }} task {{ task.id }}"
outputs:
  - id: final
    type: STRING
    value: "{{ outputs.b.value }}"
)",
                           {{"n", tmpl::Value("20")}});
  EXPECT_EQ(e.state, State::kSuccess);
  ASSERT_EQ(e.task_runs.size(), 2u);
  EXPECT_EQ(e.task_runs[0].outputs_json, R"({"value":40})");
  EXPECT_EQ(e.task_runs[1].outputs_json, R"({"value":"41 from dev.f task b"})");
  EXPECT_EQ(e.outputs_json, R"({"final":"41 from dev.f task b"})");
  EXPECT_EQ(e.inputs_json, R"({"n":20})");
  std::vector<State> states;
  for (const auto& h : e.history) states.push_back(h.state);
  EXPECT_EQ(states, (std::vector<State>{State::kCreated, State::kRunning, State::kSuccess}));
  states.clear();
  for (const auto& h : e.task_runs[0].history) states.push_back(h.state);
  EXPECT_EQ(states, (std::vector<State>{State::kCreated, State::kRunning, State::kSuccess}));
  auto logs = store_->GetLogs(e.id, 0);
  ASSERT_EQ(logs->size(), 2u);
  EXPECT_EQ((*logs)[0].task_id, "a");
}

TEST_F(ExecutorTest, AFailingTaskFailsTheExecutionAndStopsIt) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: ok
    type: test.Echo
    value: 1
  - id: bad
    type: test.Boom
    message: "disk on fire"
  - id: never
    type: test.Echo
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(e.error, HasSubstr("task 'bad' failed"));
  ASSERT_EQ(e.task_runs.size(), 2u);
  EXPECT_EQ(e.task_runs[1].state, State::kFailed);
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("disk on fire"));
  auto logs = store_->GetLogs(e.id, 0);
  bool logged = false;
  for (const auto& l : *logs)
    logged = logged || (l.level == LogLevel::kError && l.message.find("disk on fire") != std::string::npos);
  EXPECT_TRUE(logged);
}

TEST_F(ExecutorTest, RenderErrorsFailTheTaskWithPosition) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: a
    type: test.Echo
    value: "{{ outputs.nope.value }}"
)");
  EXPECT_EQ(e.state, State::kFailed);
  ASSERT_EQ(e.task_runs.size(), 1u);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("flow.yml:6:"));
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("task 'a' property 'value'"));
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("'outputs.nope' is not defined"));
}

TEST_F(ExecutorTest, DisabledTasksAreSkipped) {
  state::Execution e =
      Run("id: f\nnamespace: dev\ntasks:\n  - id: a\n    type: test.Echo\n    disabled: true\n  - id: b\n    type: "
          "test.Echo\n");
  EXPECT_EQ(e.state, State::kSuccess);
  ASSERT_EQ(e.task_runs.size(), 1u);
  EXPECT_EQ(e.task_runs[0].task_id, "b");
}

TEST_F(ExecutorTest, BadInputsCreateNoExecution) {
  flow::FlowParse p = flow::ParseFlow(
      "id: f\nnamespace: dev\ninputs:\n  - id: n\n    type: INT\ntasks:\n  - id: a\n    type: test.Echo\n", "flow.yml",
      Registry());
  auto id = executor_->Run(*p.flow, {{"n", tmpl::Value("x")}});
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(id.status().message(), HasSubstr("not an integer"));
  EXPECT_TRUE(store_->ListExecutions({})->empty());
}

TEST_F(ExecutorTest, FileInputsAreCopiedIntoStorage) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "data.csv") << "a\n1\n";
  state::Execution e = Run(R"(id: f
namespace: dev
inputs:
  - id: data
    type: FILE
tasks:
  - id: a
    type: test.Echo
    value: "{{ inputs.data }}"
)",
                           {{"data", tmpl::Value((dir_ / "data.csv").string())}});
  EXPECT_EQ(e.state, State::kSuccess);
  auto inputs = *tmpl::ParseJson(e.inputs_json);
  std::string uri = inputs.Get("data")->AsString();
  EXPECT_THAT(uri, HasSubstr("floe:///dev/f/executions/" + e.id + "/inputs/data/data.csv"));
  auto stored = storage_->Read(uri);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, "a\n1\n");
}

}  // namespace
}  // namespace floe::exec

namespace floe::exec {
namespace {

TEST_F(ExecutorTest, TemplatesReadFilesAndSecrets) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "note.txt") << "from a file";
  setenv("SECRET_API_TOKEN", "czNjcjN0", 1);  // base64 of "s3cr3t"
  state::Execution e = Run(R"(id: f
namespace: dev
inputs:
  - id: note
    type: FILE
tasks:
  - id: a
    type: test.Echo
    value: "{{ read(inputs.note) }} / {{ secret('API_TOKEN') }}"
  - id: b
    type: test.Echo
    value: "{{ secret('MISSING_ONE') }}"
)",
                           {{"note", tmpl::Value((dir_ / "note.txt").string())}});
  unsetenv("SECRET_API_TOKEN");
  ASSERT_EQ(e.task_runs.size(), 2u);
  EXPECT_EQ(e.task_runs[0].outputs_json, R"({"value":"from a file / ******"})");
  EXPECT_EQ(e.task_runs[1].state, State::kFailed);
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("secret 'MISSING_ONE' is not set"));
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("SECRET_MISSING_ONE"));
}

}  // namespace
}  // namespace floe::exec

namespace floe::exec {
namespace {

std::vector<std::pair<std::string, State>> RunStates(const state::Execution& e) {
  std::vector<std::pair<std::string, State>> out;
  for (const auto& r : e.task_runs) out.emplace_back(r.task_id, r.state);
  return out;
}

TEST_F(ExecutorTest, ErrorsRunAfterAFailureAndFinallyAlways) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: a
    type: test.Echo
  - id: bad
    type: test.Boom
    message: broken
  - id: skipped_by_failure
    type: test.Echo
errors:
  - id: alert
    type: test.Echo
    value: "{{ flow.id }} failed"
finally:
  - id: cleanup
    type: test.Echo
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(e.error, HasSubstr("task 'bad' failed"));
  using P = std::pair<std::string, State>;
  EXPECT_EQ(
      RunStates(e),
      (std::vector<P>{
          {"a", State::kSuccess}, {"bad", State::kFailed}, {"alert", State::kSuccess}, {"cleanup", State::kSuccess}}));
  EXPECT_EQ(e.task_runs[2].outputs_json, R"({"value":"f failed"})");
}

TEST_F(ExecutorTest, ErrorsDoNotRunOnSuccessButFinallyDoes) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: a
    type: test.Echo
errors:
  - id: alert
    type: test.Echo
finally:
  - id: cleanup
    type: test.Echo
)");
  EXPECT_EQ(e.state, State::kSuccess);
  using P = std::pair<std::string, State>;
  EXPECT_EQ(RunStates(e), (std::vector<P>{{"a", State::kSuccess}, {"cleanup", State::kSuccess}}));
}

TEST_F(ExecutorTest, AllowFailureEndsInWarning) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: flaky
    type: test.Boom
    message: tolerated
    allowFailure: true
  - id: after
    type: test.Echo
)");
  EXPECT_EQ(e.state, State::kWarning);
  using P = std::pair<std::string, State>;
  EXPECT_EQ(RunStates(e), (std::vector<P>{{"flaky", State::kWarning}, {"after", State::kSuccess}}));
}

TEST_F(ExecutorTest, RunIfSkipsOrRuns) {
  state::Execution e = Run(R"(id: f
namespace: dev
inputs:
  - id: enabled
    type: BOOLEAN
    defaults: false
tasks:
  - id: maybe
    type: test.Echo
    runIf: "{{ inputs.enabled }}"
  - id: always
    type: test.Echo
    runIf: "{{ not inputs.enabled }}"
  - id: broken_condition
    type: test.Echo
    runIf: "{{ inputs.nope }}"
)");
  EXPECT_EQ(e.state, State::kFailed);
  using P = std::pair<std::string, State>;
  EXPECT_EQ(
      RunStates(e),
      (std::vector<P>{{"maybe", State::kSkipped}, {"always", State::kSuccess}, {"broken_condition", State::kFailed}}));
  EXPECT_THAT(e.task_runs[2].error, HasSubstr("runIf"));
  EXPECT_THAT(e.task_runs[2].error, HasSubstr("'inputs.nope' is not defined"));
}

}  // namespace
}  // namespace floe::exec

namespace floe::exec {
namespace {

// An execution as a killed process leaves it: 'a' done, 'b' running.
std::string InterruptedExecution(state::Store& store, const std::string& source) {
  state::Execution e;
  e.id = NewId();
  e.namespace_ = "dev";
  e.flow_id = "f";
  e.flow_source = source;
  e.flow_path = "flow.yml";
  e.history.push_back({State::kCreated, SystemClock().Now()});
  EXPECT_TRUE(store.CreateExecution(e).ok());
  EXPECT_TRUE(store.TransitionExecution(e.id, State::kRunning, SystemClock().Now()).ok());
  state::TaskRun a{.id = NewId(), .execution_id = e.id, .task_id = "a", .task_type = "test.Echo"};
  EXPECT_TRUE(store.CreateTaskRun(a).ok());
  EXPECT_TRUE(
      store.TransitionTaskRun(a.id, State::kSuccess, SystemClock().Now(), {.outputs_json = R"({"value":41})"}).ok());
  state::TaskRun b{.id = NewId(), .execution_id = e.id, .task_id = "b", .task_type = "test.Echo"};
  EXPECT_TRUE(store.CreateTaskRun(b).ok());
  EXPECT_TRUE(store.TransitionTaskRun(b.id, State::kRunning, SystemClock().Now()).ok());
  return e.id;
}

constexpr const char* kThreeTasks = R"(id: f
namespace: dev
tasks:
  - id: a
    type: test.Echo
    value: 41
  - id: b
    type: test.Echo
    value: "{{ outputs.a.value + 1 }}"
  - id: c
    type: test.Echo
    value: "{{ outputs.b.value }}"
)";

TEST_F(ExecutorTest, ResumeKeepsFinishedTasksAndRetriesTheInterruptedOne) {
  std::string id = InterruptedExecution(*store_, kThreeTasks);
  ASSERT_TRUE(executor_->Recover(id).ok());
  state::Execution e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kSuccess);
  using P = std::pair<std::string, State>;
  EXPECT_EQ(
      RunStates(e),
      (std::vector<P>{{"a", State::kSuccess}, {"b", State::kFailed}, {"b", State::kSuccess}, {"c", State::kSuccess}}));
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("interrupted"));
  EXPECT_EQ(e.task_runs[2].attempt, 2);
  EXPECT_EQ(e.task_runs[3].outputs_json, R"({"value":42})");
  // Ended executions are not resumed again.
  EXPECT_EQ(executor_->Recover(id).code(), StatusCode::kFailedPrecondition);
}

TEST_F(ExecutorTest, ARecoveryInterruptedInTurnStillRunsTheTask) {
  std::string id = InterruptedExecution(*store_, kThreeTasks);
  // A first recovery marks 'b' interrupted, then dies before running it.
  state::Execution e = *store_->GetExecution(id);
  ASSERT_TRUE(store_
                  ->TransitionTaskRun(e.task_runs[1].id, State::kFailed, SystemClock().Now(),
                                      {.error = "interrupted: the floe process running this task stopped; it runs "
                                                "again on recovery"})
                  .ok());
  ASSERT_TRUE(executor_->Recover(id).ok());
  e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(e.task_runs[2].task_id, "b");
  EXPECT_EQ(e.task_runs[2].attempt, 2);
}

TEST_F(ExecutorTest, RecoverSkipsExecutionsALiveProcessHolds) {
  std::string held = InterruptedExecution(*store_, kThreeTasks);
  std::string orphan = InterruptedExecution(*store_, kThreeTasks);
  auto lock = ExecutionLock::Acquire(dir_ / "locks", held);
  ASSERT_TRUE(lock.ok());
  auto recovered = executor_->RecoverAll();
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ(*recovered, std::vector<std::string>{orphan});
  EXPECT_EQ(store_->GetExecution(held)->state, State::kRunning);
  EXPECT_EQ(store_->GetExecution(orphan)->state, State::kSuccess);
}

TEST_F(ExecutorTest, ResumeOfAFlowThatNoLongerLoadsFailsIt) {
  std::string id = InterruptedExecution(*store_, "id: f\nnamespace: dev\ntasks: []\n");
  ASSERT_TRUE(executor_->Recover(id).ok());
  state::Execution e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(e.error, HasSubstr("no longer loads"));
}

}  // namespace
}  // namespace floe::exec

namespace floe::exec {
namespace {

std::vector<std::string> Attempts(const state::Execution& e) {
  std::vector<std::string> out;
  for (const auto& r : e.task_runs)
    out.push_back(r.task_id + ":" + std::to_string(r.attempt) + ":" + std::string(state::StateName(r.state)));
  return out;
}

constexpr const char* kRetryFlow = R"(id: f
namespace: dev
tasks:
  - id: flaky
    type: test.FailUntil
    attempt: "{{ taskrun.attemptsCount }}"
    until: UNTIL
    retry:
      type: constant
      interval: PT0.01S
      maxAttempts: 3
      WARN
)";

std::string RetryFlow(int until, bool warning) {
  std::string s = kRetryFlow;
  s.replace(s.find("UNTIL"), 5, std::to_string(until));
  s.replace(s.find("WARN"), 4, warning ? "warningOnRetry: true" : "");
  return s;
}

TEST_F(ExecutorTest, RetriesUntilAnAttemptSucceeds) {
  state::Execution e = Run(RetryFlow(2, false));
  EXPECT_EQ(e.state, State::kSuccess);
  EXPECT_EQ(Attempts(e), (std::vector<std::string>{"flaky:1:FAILED", "flaky:2:FAILED", "flaky:3:SUCCESS"}));
  EXPECT_EQ(e.task_runs[2].outputs_json, R"({"attempt":2})");
}

TEST_F(ExecutorTest, RetriesStopAtMaxAttempts) {
  state::Execution e = Run(RetryFlow(5, false));
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_EQ(Attempts(e), (std::vector<std::string>{"flaky:1:FAILED", "flaky:2:FAILED", "flaky:3:FAILED"}));
}

TEST_F(ExecutorTest, WarningOnRetry) {
  state::Execution e = Run(RetryFlow(1, true));
  EXPECT_EQ(e.state, State::kWarning);
  EXPECT_EQ(Attempts(e), (std::vector<std::string>{"flaky:1:FAILED", "flaky:2:WARNING"}));
}

TEST_F(ExecutorTest, AProcessThatDiedWaitingForARetryRetriesOnRecovery) {
  std::string source = RetryFlow(1, false);
  state::Execution e{.id = NewId(), .namespace_ = "dev", .flow_id = "f", .flow_source = source, .flow_path = "f.yml"};
  e.history.push_back({State::kCreated, SystemClock().Now()});
  ASSERT_TRUE(store_->CreateExecution(e).ok());
  ASSERT_TRUE(store_->TransitionExecution(e.id, State::kRunning, SystemClock().Now()).ok());
  // The first attempt failed; the process died during the retry's wait.
  state::TaskRun first{.id = NewId(), .execution_id = e.id, .task_id = "flaky", .task_type = "test.FailUntil"};
  ASSERT_TRUE(store_->CreateTaskRun(first).ok());
  ASSERT_TRUE(store_->TransitionTaskRun(first.id, State::kFailed, SystemClock().Now(), {.error = "attempt 0"}).ok());
  ASSERT_TRUE(executor_->Recover(e.id).ok());
  e = *store_->GetExecution(e.id);
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(Attempts(e), (std::vector<std::string>{"flaky:1:FAILED", "flaky:2:SUCCESS"}));
}

TEST_F(ExecutorTest, ARecoveredFailureWithoutRetriesLeftStaysFailed) {
  std::string source = RetryFlow(5, false);
  state::Execution e{.id = NewId(), .namespace_ = "dev", .flow_id = "f", .flow_source = source, .flow_path = "f.yml"};
  e.history.push_back({State::kCreated, SystemClock().Now()});
  ASSERT_TRUE(store_->CreateExecution(e).ok());
  ASSERT_TRUE(store_->TransitionExecution(e.id, State::kRunning, SystemClock().Now()).ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    state::TaskRun run{
        .id = NewId(), .execution_id = e.id, .task_id = "flaky", .task_type = "test.FailUntil", .attempt = attempt};
    ASSERT_TRUE(store_->CreateTaskRun(run).ok());
    ASSERT_TRUE(store_->TransitionTaskRun(run.id, State::kFailed, SystemClock().Now()).ok());
  }
  ASSERT_TRUE(executor_->Recover(e.id).ok());
  e = *store_->GetExecution(e.id);
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_EQ(e.task_runs.size(), 3u) << "maxAttempts 3 were all used before the crash";
}

TEST(RetryPolicyTest, DelaysAndLimits) {
  std::mt19937_64 rng(1);
  flow::RetryPolicy p{.type = flow::RetryPolicy::Type::kExponential,
                      .interval = Duration(100),
                      .max_interval = Duration(1000),
                      .max_attempts = 6};
  EXPECT_EQ(p.NextDelay(1, Duration(0), rng), Duration(100));
  EXPECT_EQ(p.NextDelay(3, Duration(0), rng), Duration(400));
  EXPECT_EQ(p.NextDelay(5, Duration(0), rng), Duration(1000));  // capped
  EXPECT_EQ(p.NextDelay(6, Duration(0), rng), std::nullopt);    // attempts used up
  flow::RetryPolicy d{
      .type = flow::RetryPolicy::Type::kConstant, .interval = Duration(500), .max_duration = Duration(1000)};
  EXPECT_EQ(d.NextDelay(1, Duration(400), rng), Duration(500));
  EXPECT_EQ(d.NextDelay(2, Duration(600), rng), std::nullopt);  // would pass maxDuration
  flow::RetryPolicy r{.type = flow::RetryPolicy::Type::kRandom,
                      .min_interval = Duration(10),
                      .max_interval = Duration(20),
                      .max_attempts = 9};
  for (int i = 1; i < 9; ++i) {
    auto delay = r.NextDelay(i, Duration(0), rng);
    ASSERT_TRUE(delay);
    EXPECT_GE(*delay, Duration(10));
    EXPECT_LE(*delay, Duration(20));
  }
}

TEST(RetryPolicyTest, BadRetriesAreLoadErrors) {
  auto errors = [](const std::string& retry) {
    std::string yaml = "id: f\nnamespace: dev\ntasks:\n  - id: a\n    type: test.Echo\n    retry:\n" + retry;
    flow::FlowParse p = flow::ParseFlow(yaml, "flow.yml", TestTasks());
    return p.errors.empty() ? std::string() : p.errors[0].ToString();
  };
  EXPECT_THAT(errors("      type: constant\n      interval: PT1S\n"), HasSubstr("set 'maxAttempts' or 'maxDuration'"));
  EXPECT_THAT(errors("      type: linear\n      maxAttempts: 2\n"), HasSubstr("flow.yml:7:13: retry: 'type' must be"));
  EXPECT_THAT(errors("      type: exponential\n      interval: PT1S\n      maxAttempts: 2\n"),
              HasSubstr("missing 'maxInterval'"));
  EXPECT_THAT(errors("      type: constant\n      interval: 5s\n      maxAttempts: 2\n"),
              HasSubstr("'interval' must be a duration"));
  EXPECT_THAT(errors("      type: constant\n      interval: PT1S\n      maxAttempt: 2\n      delay: PT1S\n"),
              HasSubstr("unknown key 'delay'"));
}

TEST_F(ExecutorTest, PollingTriggersStartExecutionsAndKeepTheirState) {
  flow::FlowParse p = flow::ParseFlow(R"(id: f
namespace: dev
tasks:
  - id: a
    type: test.Echo
    value: "{{ trigger.batch }}: {{ read(trigger.uri) }}"
triggers:
  - id: batches
    type: test.Batches
    batches: "{{ 1 + 1 }}"
  - id: never
    type: test.Batches
    disabled: true
    batches: 5
)",
                                      "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  for (int64_t batch : {0, 1}) {
    auto started = executor_->PollTrigger(*p.flow, "batches");
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    ASSERT_TRUE(started->has_value());
    state::Execution e = *store_->GetExecution(**started);
    EXPECT_EQ(e.state, State::kSuccess);
    EXPECT_EQ(tmpl::ParseJson(e.task_runs[0].outputs_json)->Get("value")->AsString(),
              std::to_string(batch) + ": batch " + std::to_string(batch));
    // The trigger's variables are kept with the execution (a restart or
    // recovery sees them again).
    EXPECT_EQ(tmpl::ParseJson(e.trigger_json)->Get("batch")->AsInt(), batch);
    EXPECT_THAT(tmpl::ParseJson(e.trigger_json)->Get("uri")->AsString(),
                HasSubstr("floe:///dev/f/executions/" + e.id + "/trigger/batches/"));
  }
  auto idle = executor_->PollTrigger(*p.flow, "batches");
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(idle->has_value());
  EXPECT_EQ(**store_->GetTriggerState("dev", "f", "batches"), R"({"taken":2})");
  EXPECT_EQ(executor_->PollTrigger(*p.flow, "never").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(executor_->PollTrigger(*p.flow, "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListExecutions({})->size(), 2u);
}

// An execution's files are in the storage it ran with: restarting or
// replaying it with another fails clearly instead of missing its files.
TEST_F(ExecutorTest, ExecutionsKeepToTheirStorage) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: boom
    type: test.Boom
    message: no
)");
  ASSERT_EQ(e.state, State::kFailed);
  EXPECT_EQ(e.storage, storage_->Location());
  storage::InternalStorage elsewhere(std::make_shared<storage::LocalStore>(dir_ / "elsewhere"), "");
  Executor other(*store_, Registry(), elsewhere,
                 ExecutorSettings{.lake = dir_ / "lake", .scratch = dir_ / "tmp", .locks = dir_ / "locks"});
  Status restart = other.Restart(e.id);
  EXPECT_EQ(restart.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(restart.ToString(), HasSubstr("keeps its files in " + storage_->Location()));
  EXPECT_THAT(restart.ToString(), HasSubstr("--storage " + storage_->Location()));
  EXPECT_EQ(other.Replay(e.id, "boom").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->ListExecutions({})->size(), 1u);  // the refused replay made nothing
  EXPECT_EQ(store_->GetExecution(e.id)->state, State::kFailed);
  EXPECT_TRUE(executor_->Restart(e.id).ok());
}

// A process group left by the dead floe that ran task 'b' (as its keeper
// would have recorded it), whose orphan would append to `file` after a
// while.
ProcessGroup StartOrphanGroup(state::Store& store, const std::string& execution_id, const std::filesystem::path& file) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    std::string script = "(sleep 0.5; echo orphan >> '" + file.string() + "') & sleep 1000";
    execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  ProcessGroup group = *DescribeProcessGroup(pid);
  // sh, the subshell, its sleep, and the sleep 1000.
  for (int i = 0; i < 200 && testing::ProcessesInGroup(pid).size() < 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  state::Execution e = *store.GetExecution(execution_id);
  EXPECT_TRUE(store.AddProcessGroup(e.task_runs.at(1).id, group).ok());
  return group;
}

// Kills what a test left of a process group, whatever the test's outcome.
struct GroupReaper {
  pid_t pgid;
  ~GroupReaper() {
    kill(-pgid, SIGKILL);
    waitpid(pgid, nullptr, 0);
  }
};

// Recovery stops what is left of an interrupted task's processes before it
// runs the task again: the rerun never races its orphan.
TEST_F(ExecutorTest, RecoveryKillsTheInterruptedTasksProcessGroupFirst) {
  std::string id = InterruptedExecution(*store_, kThreeTasks);
  std::filesystem::path file = dir_ / "side_effects";
  ProcessGroup group = StartOrphanGroup(*store_, id, file);
  GroupReaper reaper{group.pgid};
  ASSERT_EQ(testing::ProcessesInGroup(group.pgid).size(), 4u);
  ASSERT_TRUE(executor_->Recover(id).ok());
  EXPECT_THAT(testing::ProcessesInGroup(group.pgid), ::testing::IsEmpty());
  state::Execution e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  for (const auto& run : e.task_runs) EXPECT_TRUE(run.process_groups.empty()) << run.task_id;
  auto logs = *store_->GetLogs(id, 0);
  bool told = false;
  for (const auto& l : logs)
    told = told || l.message.find("stopped 4 leftover processes of task 'b' (process group " +
                                  std::to_string(group.pgid) + ")") != std::string::npos;
  EXPECT_TRUE(told);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(std::filesystem::exists(file)) << "the orphan wrote after recovery";
}

// Killing an execution no live process runs stops the processes its dead
// process left, before it is recorded KILLED.
TEST_F(ExecutorTest, KillingAnOrphanedExecutionKillsItsProcessGroups) {
  std::string id = InterruptedExecution(*store_, kThreeTasks);
  ProcessGroup group = StartOrphanGroup(*store_, id, dir_ / "side_effects");
  GroupReaper reaper{group.pgid};
  ASSERT_TRUE(executor_->Kill(id).ok());
  EXPECT_THAT(testing::ProcessesInGroup(group.pgid), ::testing::IsEmpty());
  state::Execution e = *store_->GetExecution(id);
  EXPECT_EQ(e.state, State::kKilled);
  EXPECT_TRUE(e.task_runs.at(1).process_groups.empty());
}

// A recorded group whose leader's pid now belongs to another process (pid
// reuse) is left alone, and the recovery goes on.
TEST_F(ExecutorTest, RecoveryLeavesAReusedPidAlone) {
  std::string id = InterruptedExecution(*store_, kThreeTasks);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", "sleep 1000", static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  GroupReaper reaper{pid};
  ProcessGroup group = *DescribeProcessGroup(pid);
  group.start_ticks -= 1;  // recorded for an earlier process with the same pid
  state::Execution e = *store_->GetExecution(id);
  ASSERT_TRUE(store_->AddProcessGroup(e.task_runs.at(1).id, group).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::vector<pid_t> before = testing::ProcessesInGroup(pid);
  ASSERT_FALSE(before.empty());
  ASSERT_TRUE(executor_->Recover(id).ok());
  EXPECT_EQ(testing::ProcessesInGroup(pid), before);
  EXPECT_EQ(store_->GetExecution(id)->state, State::kSuccess);
}

TEST_F(ExecutorTest, SecretInputsAreStoredEncryptedAndOpenedOnRestart) {
  executor_ = std::make_unique<Executor>(*store_, Registry(), *storage_,
                                         ExecutorSettings{.lake = dir_ / "lake",
                                                          .scratch = dir_ / "tmp",
                                                          .locks = dir_ / "locks",
                                                          .secret_key = {.key_file = dir_ / "secret.key"}});
  const std::string token = "tok-1234567890abcdef";  // 20 characters
  state::Execution e = Run(R"(id: f
namespace: dev
inputs:
  - id: token
    type: SECRET
  - id: note
    type: STRING
tasks:
  - id: echo
    type: test.Echo
    value: "{{ inputs.token }}"
  - id: flaky
    type: test.FailUntil
    attempt: "{{ taskrun.attemptsCount }}"
    until: 1
  - id: after
    type: test.Echo
    value: "{{ inputs.token | length }} {{ inputs.note }}"
)",
                           {{"token", tmpl::Value(token)}, {"note", tmpl::Value("says " + token)}});
  ASSERT_EQ(e.state, State::kFailed);
  EXPECT_EQ(e.task_runs[0].outputs_json, R"({"value":"******"})");
  EXPECT_THAT(e.inputs_json, ::testing::Not(HasSubstr(token)));
  auto inputs = *tmpl::ParseJson(e.inputs_json);
  EXPECT_TRUE(SecretCipher::IsSealed(inputs.Get("token")->AsString()));
  // A text input holding a secret value is sealed too.
  EXPECT_TRUE(SecretCipher::IsSealed(inputs.Get("note")->AsString()));

  ASSERT_TRUE(executor_->Restart(e.id).ok());
  state::Execution again = *store_->GetExecution(e.id);
  EXPECT_EQ(again.state, State::kSuccess) << again.error;
  // The task after the restart got the value itself, not its sealed form.
  EXPECT_EQ(again.task_runs.back().outputs_json, R"({"value":"20 says ******"})");
}

}  // namespace
}  // namespace floe::exec
