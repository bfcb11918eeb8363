// Built-in tasks run through the real executor, store and storage.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <thread>

#include "core/id.h"
#include "exec/executor.h"
#include "storage/local_store.h"
#include "tasks/builtin.h"
#include "tests/support/builtin_tasks.h"
#include "tests/support/executor_fixture.h"
#include "tests/support/loopback_http.h"
#include "tests/support/processes.h"
#include "tmpl/json.h"

namespace floe::tasks {
namespace {

using state::State;
using ::testing::HasSubstr;

const flow::TaskRegistry& TestTasks() { return test_support::BuiltinTasks(); }

class TasksTest : public floe::test_support::ExecutorFixture {
 protected:
  const flow::TaskRegistry& Registry() override { return TestTasks(); }
};

TEST_F(TasksTest, LogReturnOutputValuesWithKestraNames) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message:
      - first
      - "second {{ 1 + 1 }}"
    level: WARN
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ flow.id }}!"
  - id: vals
    type: io.kestra.plugin.core.output.OutputValues
    values:
      n: 3
      s: "{{ outputs.ret.value }}"
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(Outputs(e, 1).Get("value")->AsString(), "f!");
  EXPECT_EQ(tmpl::ToJson(*Outputs(e, 2).Get("values")), R"({"n":3,"s":"f!"})");
  auto logs = *store_->GetLogs(e.id, 0);
  ASSERT_GE(logs.size(), 2u);
  EXPECT_EQ(logs[0].message, "first");
  EXPECT_EQ(logs[1].message, "second 2");
  EXPECT_EQ(logs[1].level, LogLevel::kWarn);
}

TEST_F(TasksTest, DuckDbFetchTypesAndFiles) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: make
    type: io.kestra.plugin.jdbc.duckdb.Query
    inputFiles:
      in.csv: |
        city,amount
        Lyon,10
        Oslo,5
        Lyon,7
    sql: |
      CREATE TABLE t AS SELECT * FROM read_csv('in.csv');
      COPY (SELECT city, sum(amount) AS total FROM t GROUP BY city ORDER BY city) TO '{{ outputFiles.totals }}' (FORMAT csv, HEADER);
      SELECT city, sum(amount) AS total FROM t GROUP BY city ORDER BY city
    fetchType: FETCH
    outputFiles:
      - totals
  - id: one
    type: duckdb.Query
    inputFiles:
      totals.csv: "{{ outputs.make.outputFiles.totals }}"
    sql: SELECT count(*) AS n, max(total) AS top FROM read_csv('totals.csv')
    fetchType: FETCH_ONE
  - id: store
    type: duckdb.Query
    sql: SELECT range AS x FROM range(10)
    fetchType: STORE
  - id: params
    type: duckdb.Query
    sql: SELECT $city AS city, $min + 1 AS next
    parameters:
      city: "{{ outputs.make.rows[0].city }}"
      min: 41
    fetchOne: true
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error << (e.task_runs.empty() ? "" : e.task_runs.back().error);
  tmpl::Value make = Outputs(e, 0);
  EXPECT_EQ(make.Get("size")->AsInt(), 2);
  EXPECT_EQ(tmpl::ToJson(*make.Get("rows")), R"([{"city":"Lyon","total":17},{"city":"Oslo","total":5}])");
  EXPECT_THAT(make.Get("outputFiles")->Get("totals")->AsString(), HasSubstr("floe:///dev/f/executions/"));
  tmpl::Value one = Outputs(e, 1);
  EXPECT_EQ(one.Get("row")->Get("n")->AsInt(), 2);
  EXPECT_EQ(one.Get("row")->Get("top")->AsInt(), 17);
  tmpl::Value store = Outputs(e, 2);
  EXPECT_EQ(store.Get("size")->AsInt(), 10);
  auto parquet = storage_->Materialize(store.Get("uri")->AsString(), dir_ / "downloads");
  ASSERT_TRUE(parquet.ok()) << parquet.status().ToString();
  EXPECT_THAT(parquet->string(), HasSubstr("result.parquet"));
  EXPECT_EQ(Outputs(e, 3).Get("row")->Get("city")->AsString(), "Lyon");
  EXPECT_EQ(Outputs(e, 3).Get("row")->Get("next")->AsInt(), 42);
}

TEST_F(TasksTest, DuckDbErrorsPointAtTheSql) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: q
    type: duckdb.Query
    sql: |
      SELECT 1;
      SELECT * FROM no_such_table;
)");
  EXPECT_EQ(e.state, State::kFailed);
  ASSERT_EQ(e.task_runs.size(), 1u);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("flow.yml:6:10: task 'q' property 'sql': statement 2"));
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("no_such_table"));
}

TEST_F(TasksTest, DuckDbMissingOutputFileIsAnError) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: q
    type: duckdb.Query
    sql: SELECT 1
    outputFiles: [out]
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("did not write 'out'"));
}

TEST_F(TasksTest, DuckDbInputFileEscapingIsRejected) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: q
    type: duckdb.Query
    sql: SELECT 1
    inputFiles:
      ../evil.txt: x
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("must be a relative path inside the folder"));
}

TEST_F(TasksTest, SleepWaitsAndValidatesDuration) {
  state::Execution e = Run("id: f\nnamespace: dev\ntasks:\n  - id: s\n    type: core.Sleep\n    duration: PT0.05S\n");
  EXPECT_EQ(e.state, State::kSuccess);
  // A literal duration is checked when the flow loads.
  flow::FlowParse bad = flow::ParseFlow(
      "id: f\nnamespace: dev\ntasks:\n  - id: s\n    type: core.Sleep\n    duration: 5s\n", "flow.yml", Registry());
  ASSERT_FALSE(bad.errors.empty());
  EXPECT_THAT(bad.errors[0].ToString(), HasSubstr("invalid ISO-8601 duration"));
}

}  // namespace
}  // namespace floe::tasks

namespace floe::tasks {
namespace {

TEST_F(TasksTest, TimeoutStopsASleep) {
  auto start = std::chrono::steady_clock::now();
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: nap
    type: core.Sleep
    duration: PT30S
    timeout: PT0.2S
)");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.state, State::kFailed);
  ASSERT_EQ(e.task_runs.size(), 1u);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("task 'nap' timed out after PT0.2S"));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(TasksTest, TimeoutInterruptsARunningQuery) {
  auto start = std::chrono::steady_clock::now();
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: endless
    type: duckdb.Query
    sql: SELECT count(*) FROM range(1000000000000) a
    fetchType: FETCH_ONE
    timeout: PT0.5S
    retry:
      type: constant
      interval: PT0.01S
      maxAttempts: 2
)");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.state, State::kFailed);
  ASSERT_EQ(e.task_runs.size(), 2u);  // each attempt has its own timeout
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("timed out after PT0.5S"));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(TasksTest, QuickTaskWithinItsTimeoutSucceeds) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: q
    type: duckdb.Query
    sql: SELECT 42 AS answer
    fetchType: FETCH_ONE
    timeout: PT30S
)");
  EXPECT_EQ(e.state, State::kSuccess);
  EXPECT_EQ(Outputs(e, 0).Get("row")->Get("answer")->AsInt(), 42);
}

// The process group a shell task's commands ran in, as they wrote it to
// `file` (field 5 of /proc/$$/stat).
pid_t GroupOf(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pgid = 0;
  in >> pgid;
  return pgid;
}

// A task's processes end with it: background processes the commands left
// running are stopped when the commands end, whether they hold the output
// pipes (the task used to wait for them: `sleep 1000 &` hung it) or not
// (they used to outlive the task, and floe).
TEST_F(TasksTest, ShellLeavesNoBackgroundProcessRunning) {
  std::string held = (dir_ / "held.pgid").string(), detached = (dir_ / "detached.pgid").string();
  auto start = std::chrono::steady_clock::now();
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: held
    type: scripts.Shell
    commands:
      - cut -d' ' -f5 /proc/$$/stat > )" +
                           held + R"(
      - sleep 1000 &
      - echo started
  - id: detached
    type: scripts.Shell
    commands:
      - cut -d' ' -f5 /proc/$$/stat > )" +
                           detached + R"(
      - sleep 1000 > /dev/null 2>&1 &
      - sleep 1000 > /dev/null 2>&1 &
)");
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  for (const auto& file : {held, detached}) {
    pid_t pgid = GroupOf(file);
    ASSERT_GT(pgid, 1) << file;
    EXPECT_THAT(testing::ProcessesInGroup(pgid), ::testing::IsEmpty()) << file;
  }
  // Recorded while they ran, dropped once the groups were empty.
  ASSERT_EQ(e.task_runs.size(), 2u);
  EXPECT_TRUE(e.task_runs[0].process_groups.empty());
  EXPECT_TRUE(e.task_runs[1].process_groups.empty());
  auto logs = *store_->GetLogs(e.id, 0);
  int warned = 0;
  for (const auto& l : logs) warned += l.message.find("stopping the background processes") != std::string::npos;
  EXPECT_EQ(warned, 2);
}

// While the commands run, their process group is recorded with the task run
// (what a recovery or a kill from another process reads).
TEST_F(TasksTest, ShellRecordsItsProcessGroupWhileItRuns) {
  std::string file = (dir_ / "pgid").string();
  flow::FlowParse p = flow::ParseFlow(R"(id: f
namespace: dev
tasks:
  - id: sh
    type: scripts.Shell
    commands:
      - cut -d' ' -f5 /proc/$$/stat > )" + file +
                                          R"(.tmp && mv )" + file + ".tmp " + file + R"(
      - sleep 1000
    timeout: PT20S
)",
                                      "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  std::string id = NewId();
  std::thread runner([&] { executor_->Run(*p.flow, {}, id).IgnoreError(); });
  for (int i = 0; i < 500 && !std::filesystem::exists(file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  pid_t pgid = GroupOf(file);
  auto running = store_->GetExecution(id);
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->task_runs.size(), 1u);
  ASSERT_EQ(running->task_runs[0].process_groups.size(), 1u);
  EXPECT_EQ(running->task_runs[0].process_groups[0].pgid, pgid);
  EXPECT_GT(running->task_runs[0].process_groups[0].start_ticks, 0u);
  // A kill stops every process of the group before the execution ends KILLED.
  ASSERT_TRUE(executor_->Kill(id).ok());
  runner.join();
  EXPECT_EQ(store_->GetExecution(id)->state, State::kKilled);
  EXPECT_THAT(testing::ProcessesInGroup(pgid), ::testing::IsEmpty());
}

// A timeout stops the whole group, grandchildren included, even one that
// ignores SIGTERM (SIGKILL after the grace period).
TEST_F(TasksTest, ShellTimeoutKillsTheWholeProcessGroup) {
  std::string file = (dir_ / "pgid").string();
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: sh
    type: scripts.Shell
    commands:
      - cut -d' ' -f5 /proc/$$/stat > )" +
                           file + R"(
      - sleep 1000 &
      - sh -c 'trap "" TERM; sleep 1000' > /dev/null 2>&1 &
      - wait
    timeout: PT0.3S
)");
  EXPECT_EQ(e.state, State::kFailed);
  ASSERT_EQ(e.task_runs.size(), 1u);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("timed out"));
  pid_t pgid = GroupOf(file);
  ASSERT_GT(pgid, 1);
  EXPECT_THAT(testing::ProcessesInGroup(pgid), ::testing::IsEmpty());
}

TEST_F(TasksTest, HttpRequestSendsAndReceives) {
  floe::testing::LoopbackHttpServer server;
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: post
    type: io.kestra.plugin.core.http.Request
    uri: )" + server.url("/echo?x=1") +
                           R"(
    method: POST
    headers:
      X-Test: "{{ flow.id }}"
    body:
      answer: 42
  - id: use
    type: core.Return
    format: "{{ (outputs.post.body | fromJson).body }} {{ outputs.post.code }} {{ outputs.post.headers['x-reply'] }}"
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  tmpl::Value echo = *tmpl::ParseJson(Outputs(e, 0).Get("body")->AsString());
  EXPECT_EQ(echo.Get("method")->AsString(), "POST");
  EXPECT_EQ(echo.Get("path")->AsString(), "/echo?x=1");
  EXPECT_EQ(echo.Get("test")->AsString(), "f");
  EXPECT_EQ(Outputs(e, 1).Get("value")->AsString(), R"({"answer":42} 200 ["one","two"])");
}

TEST_F(TasksTest, HttpErrorStatusFailsUnlessAllowed) {
  floe::testing::LoopbackHttpServer server;
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: allowed
    type: http.Request
    uri: )" + server.url("/status/404") +
                           R"(
    allowFailed: true
  - id: refused
    type: http.Request
    uri: )" + server.url("/status/503") +
                           R"(
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_EQ(Outputs(e, 0).Get("code")->AsInt(), 404);
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("answered 503: status 503"));
}

// http.Trigger: each poll calls the URL; the execution starts only when
// responseCondition (by default: a status under 400) holds, with Kestra's
// trigger variables.
TEST_F(TasksTest, HttpTriggerFiresOnItsResponseCondition) {
  floe::testing::LoopbackHttpServer server;
  flow::FlowParse p = flow::ParseFlow(R"(id: f
namespace: dev
tasks:
  - id: seen
    type: core.Return
    format: "{{ trigger.code }} {{ (trigger.body | fromJson).path }} {{ trigger.uri }} {{ trigger.headers['x-reply'] | length }}"
triggers:
  - id: echo
    type: io.kestra.plugin.core.http.Trigger
    uri: )" + server.url("/echo?n=1") + R"(
    interval: PT1S
    responseCondition: "{{ response.statusCode == 200 and (response.body | fromJson).method == 'GET' }}"
  - id: never
    type: http.Trigger
    uri: )" + server.url("/echo") + R"(
    responseCondition: "{{ (response.body | fromJson).method == 'POST' }}"
  - id: down
    type: http.Trigger
    uri: )" + server.url("/status/503") + R"(
  - id: up
    type: http.Trigger
    uri: )" + server.url("/status/204") + R"(
)",
                                      "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << flow::CombineErrors(p.errors).ToString();
  const flow::Flow& f = flows_.emplace_back(std::move(*p.flow));
  auto fired = executor_->PollTrigger(f, "echo");
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  ASSERT_TRUE(*fired);
  state::Execution e = *store_->GetExecution(**fired);
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(Outputs(e, 0).Get("value")->AsString(), "200 /echo?n=1 " + server.url("/echo?n=1") + " 2");
  // Nothing kept between polls: while the condition holds, each poll fires.
  auto again = executor_->PollTrigger(f, "echo");
  ASSERT_TRUE(again.ok() && *again);
  auto never = executor_->PollTrigger(f, "never");
  ASSERT_TRUE(never.ok()) << never.status().ToString();
  EXPECT_FALSE(*never);
  auto down = executor_->PollTrigger(f, "down");  // Kestra's default: statusCode < 400
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_FALSE(*down);
  auto up = executor_->PollTrigger(f, "up");
  ASSERT_TRUE(up.ok() && *up);
}

// Only polling triggers are polled; what a poll cannot honour is refused.
TEST_F(TasksTest, PollingRefusesServerTriggersAndConditions) {
  flow::FlowParse p = flow::ParseFlow(R"(id: f
namespace: dev
tasks:
  - id: a
    type: core.Log
    message: hi
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "@daily"
  - id: guarded
    type: http.Trigger
    uri: http://127.0.0.1:1/
    conditions:
      - type: Weekend
)",
                                      "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << flow::CombineErrors(p.errors).ToString();
  const flow::Flow& f = flows_.emplace_back(std::move(*p.flow));
  auto schedule = executor_->PollTrigger(f, "nightly");
  ASSERT_FALSE(schedule.ok());
  EXPECT_THAT(schedule.status().ToString(), HasSubstr("trigger 'nightly' is a Schedule trigger"));
  EXPECT_THAT(schedule.status().ToString(), HasSubstr("Schedule triggers run in `floe server`"));
  auto guarded = executor_->PollTrigger(f, "guarded");
  ASSERT_FALSE(guarded.ok());
  EXPECT_THAT(guarded.status().ToString(), HasSubstr("has conditions or stopAfter, which `floe server` evaluates"));
}

TEST_F(TasksTest, HttpReadTimeoutAndUnreachableHostAreClearErrors) {
  floe::testing::LoopbackHttpServer server;
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: slow
    type: http.Request
    uri: )" + server.url("/slow") +
                           R"(
    options:
      readTimeout: PT0.3S
    allowFailure: true
  - id: idle
    type: http.Request
    uri: )" + server.url("/slow") +
                           R"(
    options:
      readIdleTimeout: PT1S
    allowFailure: true
  - id: closed
    type: http.Request
    uri: http://127.0.0.1:1/
)");
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("GET " + server.url("/slow") + " timed out: Timeout was reached"));
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("readTimeout 300 ms"));
  // A server that answers nothing: the idle timeout ends it (5 minutes by default).
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("readIdleTimeout 1 s without a byte"));
  EXPECT_THAT(e.task_runs[2].error, HasSubstr("failed: Couldn't connect to server"));
}

TEST_F(TasksTest, KvValuesKeepTheirTypeAndExpire) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: set
    type: kv.Set
    key: k
    value: {"a": [1, 2]}
  - id: short
    type: kv.Set
    key: brief
    value: soon gone
    ttl: PT0.1S
  - id: wait
    type: core.Sleep
    duration: PT0.2S
  - id: get
    type: kv.Get
    key: k
  - id: expired
    type: kv.Get
    key: brief
    errorOnMissing: true
)");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_EQ(tmpl::ToJson(*Outputs(e, 3).Get("value")), R"({"a":[1,2]})");
  EXPECT_THAT(e.task_runs[4].error, HasSubstr("no KV key 'brief' in namespace 'dev'"));
}

// Every log line of an execution, one per line.
std::string AllLogs(state::Store& store, const std::string& id) {
  std::string out;
  auto logs = store.GetLogs(id, 0);
  EXPECT_TRUE(logs.ok());
  for (const auto& l : *logs) out += l.message + "\n";
  return out;
}

TEST_F(TasksTest, OutputFilesSkipLinksThatLeaveTheWorkingFolder) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: sh
    type: scripts.Shell
    commands:
      - echo hi > ok.txt
      - ln -s /etc/passwd leak.txt
      - ln -s ok.txt inner.txt
    outputFiles: ["**", "leak.txt"]
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  tmpl::Value files = *Outputs(e, 0).Get("outputFiles");
  EXPECT_TRUE(files.Get("ok.txt"));
  EXPECT_TRUE(files.Get("inner.txt"));  // a link that stays inside is kept
  EXPECT_FALSE(files.Get("leak.txt"));
  std::string logs = AllLogs(*store_, e.id);
  EXPECT_THAT(logs, HasSubstr("output file 'leak.txt' is a symbolic link that leads out of the working folder"));
}

TEST_F(TasksTest, ReadAndInputFilesReachOnlyTheNamespacesFiles) {
  std::filesystem::create_directories(dir_ / "_files" / "team.a");
  std::filesystem::create_directories(dir_ / "_files" / "team.b");
  std::ofstream(dir_ / "_files" / "team.a" / "mine.txt") << "mine";
  std::ofstream(dir_ / "_files" / "team.b" / "theirs.txt") << "their-content";
  exec::Executor executor(
      *store_, Registry(), *storage_,
      exec::ExecutorSettings{
          .lake = dir_ / "lake", .scratch = dir_ / "tmp", .locks = dir_ / "locks", .namespace_files = dir_ / "_files"});
  flow::FlowParse p = flow::ParseFlow(R"(id: f
namespace: team.a
tasks:
  - id: own
    type: core.Log
    message: "{{ read('mine.txt') }}"
  - id: host
    type: core.Log
    message: "{{ read('/etc/passwd') }}"
    allowFailure: true
  - id: host_uri
    type: core.Log
    message: "{{ read('file:///etc/passwd') }}"
    allowFailure: true
  - id: other_namespace
    type: core.Log
    message: "{{ read('../team.b/theirs.txt') }}"
    allowFailure: true
  - id: working_folder
    type: core.Log
    message: "{{ read('CMakeLists.txt') }}"
    allowFailure: true
  - id: input_file
    type: scripts.Shell
    inputFiles:
      copy.txt: file:///etc/passwd
    commands: [cat copy.txt]
    allowFailure: true
  - id: missing_storage_file
    type: core.Log
    message: "{{ read('floe:///team.a/f/none.txt') }}"
    allowFailure: true
)",
                                      "flow.yml", Registry());
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].ToString();
  auto id = executor.Run(*p.flow, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  state::Execution e = *store_->GetExecution(*id);
  ASSERT_EQ(e.task_runs.size(), 7u);
  EXPECT_EQ(e.task_runs[0].state, State::kSuccess);
  for (size_t i = 1; i < e.task_runs.size(); ++i) {
    // Failed, and allowed (allowFailure): WARNING, as in Kestra.
    EXPECT_EQ(e.task_runs[i].state, State::kWarning) << e.task_runs[i].task_id;
    EXPECT_FALSE(e.task_runs[i].error.empty()) << e.task_runs[i].task_id;
    // Errors name what the flow gave, never floe's own folders.
    EXPECT_THAT(e.task_runs[i].error, ::testing::Not(HasSubstr(dir_.string()))) << e.task_runs[i].task_id;
  }
  EXPECT_THAT(e.task_runs[1].error, HasSubstr("'/etc/passwd' is outside the flow's namespace files"));
  EXPECT_THAT(e.task_runs[3].error, HasSubstr("leaves the namespace's files"));
  EXPECT_THAT(e.task_runs[6].error, HasSubstr("floe:///team.a/f/none.txt"));
  std::string logs = AllLogs(*store_, e.id);
  EXPECT_THAT(logs, HasSubstr("mine"));
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("root:")));
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("their-content")));
}

TEST_F(TasksTest, ShellsDoNotInheritSecretsOrAwsCredentials) {
  setenv("SECRET_TASKS_TEST", "c2VjcmV0LXZhbHVl", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "floes-own-aws-secret", 1);
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: plain
    type: scripts.Shell
    commands: [env]
  - id: passed
    type: scripts.Shell
    env:
      AWS_SECRET_ACCESS_KEY: "{{ 'given-by-the-flow' }}"
    commands: ['echo "key=$AWS_SECRET_ACCESS_KEY"']
)");
  unsetenv("SECRET_TASKS_TEST");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  std::string logs = AllLogs(*store_, e.id);
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("SECRET_TASKS_TEST")));
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("floes-own-aws-secret")));
  EXPECT_THAT(logs, HasSubstr("PATH="));
  EXPECT_THAT(logs, HasSubstr("key=given-by-the-flow"));
}

TEST_F(TasksTest, LabelsAndLoopValuesFromSecretsAreStoredMasked) {
  setenv("SECRET_LABEL_VALUE", "bGFiZWwtdmFsdWU=", 1);  // base64 of "label-value"
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: label
    type: execution.Labels
    labels:
      token: "{{ secret('LABEL_VALUE') }}"
      plain: visible
  - id: each
    type: flow.ForEach
    values: ["{{ secret('LABEL_VALUE') }}"]
    tasks:
      - id: inner
        type: core.Log
        message: "{{ taskrun.value }}"
)");
  unsetenv("SECRET_LABEL_VALUE");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(e.labels_json, R"({"system.correlationId":")" + e.id + R"(","token":"******","plain":"visible"})");
  for (const auto& run : e.task_runs) EXPECT_THAT(run.loop_values_json, ::testing::Not(HasSubstr("label-value")));
  EXPECT_THAT(AllLogs(*store_, e.id), ::testing::Not(HasSubstr("label-value")));
}

}  // namespace
}  // namespace floe::tasks

namespace floe::tasks {
namespace {

TEST_F(TasksTest, ToggleDisablesAndEnablesATrigger) {
  state::TriggerKey key{"dev", "nightly", "every_night"};
  ASSERT_TRUE(store_->UpsertTrigger(key, "trigger.Schedule", SystemClock().Now()).ok());
  state::Execution off = Run(R"(id: f
namespace: dev
tasks:
  - id: off
    type: io.kestra.plugin.core.trigger.Toggle
    flowId: nightly
    trigger: every_night
    enabled: false
)");
  ASSERT_EQ(off.state, state::State::kSuccess) << off.error;
  EXPECT_FALSE((*store_->GetTrigger(key))->enabled);
  state::Execution on =
      Run("id: f\nnamespace: dev\ntasks:\n  - id: on\n    type: trigger.Toggle\n    flowId: nightly\n"
          "    trigger: every_night\n    enabled: true\n");
  ASSERT_EQ(on.state, state::State::kSuccess) << on.error;
  EXPECT_TRUE((*store_->GetTrigger(key))->enabled);
  state::Execution unknown =
      Run("id: f\nnamespace: dev\ntasks:\n  - id: x\n    type: trigger.Toggle\n    trigger: nope\n    enabled: true\n");
  EXPECT_EQ(unknown.state, state::State::kFailed);
  EXPECT_THAT(unknown.task_runs[0].error, ::testing::HasSubstr("no trigger 'nope' of flow dev.f"));
}

}  // namespace
}  // namespace floe::tasks

namespace floe::tasks {
namespace {

TEST_F(TasksTest, StatesWrittenBeforeTheyWereKeyedByFlowAreStillRead) {
  // floe once kept a state per namespace and name; the flow that wrote it still reads (and moves) it.
  ASSERT_TRUE(store_
                  ->KvPut({.namespace_ = "dev",
                           .key = "__state__/legacy",
                           .value_json = R"({"kept": true})",
                           .updated = SystemClock().Now()})
                  .ok());
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: read
    type: state.Get
    name: legacy
  - id: add
    type: state.Set
    name: legacy
    data:
      more: 1
  - id: again
    type: state.Get
    name: legacy
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  EXPECT_EQ(tmpl::ParseJson(e.task_runs[0].outputs_json)->Get("data")->Get("kept")->AsBool(), true);
  auto again = tmpl::ParseJson(e.task_runs[2].outputs_json);
  EXPECT_EQ(again->Get("count")->AsInt(), 2) << e.task_runs[2].outputs_json;
  EXPECT_FALSE(store_->KvGet("dev", "__state__/legacy", SystemClock().Now())->has_value());
}

}  // namespace
}  // namespace floe::tasks
