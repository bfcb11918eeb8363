#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/id.h"
#include "state/store.h"

namespace floe::state {
namespace {

Timestamp FromUnixMs(int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_store_test_" + NewId());
    auto s = OpenSqliteStore(dir_ / "sub" / "floe.db");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Execution NewExecution() {
    Execution e;
    e.id = NewId();
    e.namespace_ = "dev";
    e.flow_id = "hello";
    e.inputs_json = R"({"n":1})";
    e.flow_source = "id: hello";
    return e;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, KeepsTriggerStatesAndTheTriggerOfAnExecution) {
  auto none = store_->GetTriggerState("dev", "hello", "watch");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->PutTriggerState("dev", "hello", "watch", R"({"seen":1})", SystemClock().Now()).ok());
  ASSERT_TRUE(store_->PutTriggerState("dev", "hello", "watch", R"({"seen":2})", SystemClock().Now()).ok());
  ASSERT_TRUE(store_->PutTriggerState("dev", "other", "watch", R"({"seen":9})", SystemClock().Now()).ok());
  EXPECT_EQ(**store_->GetTriggerState("dev", "hello", "watch"), R"({"seen":2})");
  Execution e = NewExecution();
  e.trigger_json = R"({"objects":[]})";
  ASSERT_TRUE(store_->CreateExecution(e).ok());
  EXPECT_EQ(store_->GetExecution(e.id)->trigger_json, R"({"objects":[]})");
}

// A store written by the floe before triggers (schema 2) opens, keeps its
// executions and gains the new columns and tables.
TEST(SqliteStoreMigrationTest, OpensASchemaTwoStore) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_migrate_" + NewId());
  std::filesystem::create_directories(dir);
  auto path = dir / "floe.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* v2 = R"sql(
CREATE TABLE executions (id TEXT PRIMARY KEY, namespace TEXT NOT NULL, flow_id TEXT NOT NULL, state TEXT NOT NULL,
  inputs TEXT NOT NULL, outputs TEXT NOT NULL, labels TEXT NOT NULL, flow_source TEXT NOT NULL,
  flow_path TEXT NOT NULL, error TEXT NOT NULL DEFAULT '');
CREATE TABLE execution_states (execution_id TEXT NOT NULL REFERENCES executions(id), state TEXT NOT NULL,
  at_ms INTEGER NOT NULL);
CREATE TABLE task_runs (id TEXT PRIMARY KEY, execution_id TEXT NOT NULL REFERENCES executions(id),
  task_id TEXT NOT NULL, task_type TEXT NOT NULL, attempt INTEGER NOT NULL, state TEXT NOT NULL,
  outputs TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', parent_id TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL DEFAULT '', loop_values TEXT NOT NULL DEFAULT '[]');
INSERT INTO executions VALUES ('01OLD', 'dev', 'hello', 'SUCCESS', '{}', '{}', '{}', 'id: hello', '', '');
INSERT INTO execution_states VALUES ('01OLD', 'SUCCESS', 1000);
PRAGMA user_version=2;
)sql";
  ASSERT_EQ(sqlite3_exec(db, v2, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto old = (*store)->GetExecution("01OLD");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->state, State::kSuccess);
  EXPECT_EQ(old->trigger_json, "");
  EXPECT_TRUE((*store)->PutTriggerState("dev", "hello", "t", "{}", SystemClock().Now()).ok());
  store->reset();
  std::filesystem::remove_all(dir);
}

// A task run's process groups are kept until dropped, and come back with
// the execution (what recovery and kill read).
TEST_F(SqliteStoreTest, KeepsTheProcessGroupsOfATaskRun) {
  Execution e = NewExecution();
  ASSERT_TRUE(store_->CreateExecution(e).ok());
  TaskRun run{.id = NewId(), .execution_id = e.id, .task_id = "sh", .task_type = "scripts.Shell"};
  ASSERT_TRUE(store_->CreateTaskRun(run).ok());
  ProcessGroup a{.pgid = 4242, .start_ticks = 123456789012, .boot_id = "boot-1"};
  ProcessGroup b{.pgid = 4343, .start_ticks = 7, .boot_id = "boot-1"};
  ASSERT_TRUE(store_->AddProcessGroup(run.id, a).ok());
  ASSERT_TRUE(store_->AddProcessGroup(run.id, b).ok());
  EXPECT_EQ(store_->AddProcessGroup(run.id, a).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->AddProcessGroup("no-such-run", a).code(), StatusCode::kAlreadyExists);
  auto got = store_->GetExecution(e.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->task_runs.size(), 1u);
  EXPECT_EQ(got->task_runs[0].process_groups, (std::vector<ProcessGroup>{a, b}));
  ASSERT_TRUE(store_->RemoveProcessGroup(run.id, a.pgid).ok());
  ASSERT_TRUE(store_->RemoveProcessGroup(run.id, a.pgid).ok());  // already gone: fine
  EXPECT_EQ(store_->GetExecution(e.id)->task_runs[0].process_groups, (std::vector<ProcessGroup>{b}));
}

// A store written before process groups were tracked (schema 3) opens,
// keeps its task runs (with no process groups) and can record them.
TEST(SqliteStoreMigrationTest, OpensASchemaThreeStore) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_migrate_" + NewId());
  std::filesystem::create_directories(dir);
  auto path = dir / "floe.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* v3 = R"sql(
CREATE TABLE executions (id TEXT PRIMARY KEY, namespace TEXT NOT NULL, flow_id TEXT NOT NULL, state TEXT NOT NULL,
  inputs TEXT NOT NULL, outputs TEXT NOT NULL, labels TEXT NOT NULL, flow_source TEXT NOT NULL,
  flow_path TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', trigger TEXT NOT NULL DEFAULT '',
  storage TEXT NOT NULL DEFAULT '');
CREATE TABLE execution_states (execution_id TEXT NOT NULL REFERENCES executions(id), state TEXT NOT NULL,
  at_ms INTEGER NOT NULL);
CREATE TABLE task_runs (id TEXT PRIMARY KEY, execution_id TEXT NOT NULL REFERENCES executions(id),
  task_id TEXT NOT NULL, task_type TEXT NOT NULL, attempt INTEGER NOT NULL, state TEXT NOT NULL,
  outputs TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', parent_id TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL DEFAULT '', loop_values TEXT NOT NULL DEFAULT '[]');
CREATE TABLE task_run_states (task_run_id TEXT NOT NULL REFERENCES task_runs(id), state TEXT NOT NULL,
  at_ms INTEGER NOT NULL);
INSERT INTO executions VALUES ('01OLD', 'dev', 'hello', 'RUNNING', '{}', '{}', '{}', 'id: hello', '', '', '', '');
INSERT INTO execution_states VALUES ('01OLD', 'RUNNING', 1000);
INSERT INTO task_runs VALUES ('01RUN', '01OLD', 'sh', 'scripts.Shell', 1, 'RUNNING', '{}', '', '', '', '[]');
PRAGMA user_version=3;
)sql";
  ASSERT_EQ(sqlite3_exec(db, v3, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto old = (*store)->GetExecution("01OLD");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_EQ(old->task_runs.size(), 1u);
  EXPECT_TRUE(old->task_runs[0].process_groups.empty());
  ProcessGroup g{.pgid = 99, .start_ticks = 1, .boot_id = "b"};
  ASSERT_TRUE((*store)->AddProcessGroup("01RUN", g).ok());
  EXPECT_EQ((*store)->GetExecution("01OLD")->task_runs[0].process_groups, std::vector<ProcessGroup>{g});
  // Schema 9 gave the old row its creation time, from its history.
  auto in_range = (*store)->CountExecutions({.start = FromUnixMs(500), .end = FromUnixMs(1500)});
  ASSERT_TRUE(in_range.ok()) << in_range.status().ToString();
  EXPECT_EQ(*in_range, 1);
  EXPECT_EQ(*(*store)->CountExecutions({.start = FromUnixMs(1001)}), 0);
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST_F(SqliteStoreTest, RecordsExecutionTaskRunsAndHistory) {
  Execution e = NewExecution();
  Timestamp t0 = SystemClock().Now();
  ASSERT_TRUE(store_->CreateExecution(e).ok());
  ASSERT_TRUE(store_->TransitionExecution(e.id, State::kRunning, t0).ok());
  TaskRun run{.id = NewId(), .execution_id = e.id, .task_id = "t1", .task_type = "core.Log"};
  ASSERT_TRUE(store_->CreateTaskRun(run).ok());
  ASSERT_TRUE(store_->TransitionTaskRun(run.id, State::kRunning, t0).ok());
  ASSERT_TRUE(store_->TransitionTaskRun(run.id, State::kSuccess, t0, {.outputs_json = R"({"x":2})"}).ok());
  ASSERT_TRUE(store_->TransitionExecution(e.id, State::kSuccess, t0, {.outputs_json = R"({"o":1})"}).ok());

  auto got = store_->GetExecution(e.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->state, State::kSuccess);
  EXPECT_EQ(got->inputs_json, R"({"n":1})");
  EXPECT_EQ(got->outputs_json, R"({"o":1})");
  ASSERT_EQ(got->history.size(), 3u);
  EXPECT_EQ(got->history[1].state, State::kRunning);
  ASSERT_EQ(got->task_runs.size(), 1u);
  EXPECT_EQ(got->task_runs[0].outputs_json, R"({"x":2})");
  EXPECT_EQ(got->task_runs[0].history.size(), 3u);
  EXPECT_TRUE(got->ended().has_value());
}

TEST_F(SqliteStoreTest, ErrorsForUnknownIdsAndDuplicates) {
  Execution e = NewExecution();
  ASSERT_TRUE(store_->CreateExecution(e).ok());
  EXPECT_EQ(store_->CreateExecution(e).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->TransitionExecution("nope", State::kRunning, SystemClock().Now()).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetExecution("nope").status().code(), StatusCode::kNotFound);
  TaskRun orphan{.id = NewId(), .execution_id = "missing", .task_id = "t", .task_type = "x"};
  EXPECT_FALSE(store_->CreateTaskRun(orphan).ok());
}

TEST_F(SqliteStoreTest, ResolvesIdPrefixes) {
  Execution a = NewExecution();
  Execution b = NewExecution();
  ASSERT_TRUE(store_->CreateExecution(a).ok());
  ASSERT_TRUE(store_->CreateExecution(b).ok());
  EXPECT_EQ(*store_->ResolveExecutionId(a.id), a.id);
  EXPECT_EQ(store_->ResolveExecutionId(a.id.substr(0, 4)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ResolveExecutionId("ZZZZ").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, ListsNewestFirstWithFilters) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->CreateExecution(NewExecution()).ok());
  Execution other = NewExecution();
  other.flow_id = "other";
  ASSERT_TRUE(store_->CreateExecution(other).ok());
  auto all = store_->ListExecutions({});
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].id, other.id);
  auto hello = store_->ListExecutions({.flow_id = "hello", .limit = 2});
  EXPECT_EQ(hello->size(), 2u);
}

TEST_F(SqliteStoreTest, LogsComeBackInOrderAfterASeq) {
  Execution e = NewExecution();
  ASSERT_TRUE(store_->CreateExecution(e).ok());
  std::vector<LogEntry> logs;
  for (int i = 0; i < 5; ++i)
    logs.push_back(
        {.execution_id = e.id, .task_id = "t", .at = SystemClock().Now(), .message = "line " + std::to_string(i)});
  ASSERT_TRUE(store_->AppendLogs(logs).ok());
  auto first = store_->GetLogs(e.id, 0);
  ASSERT_EQ(first->size(), 5u);
  auto rest = store_->GetLogs(e.id, (*first)[2].seq);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].message, "line 3");
  // Only the lines at one level (errorLogs() reads the ERROR ones), up to a limit.
  std::vector<LogEntry> errors;
  for (int i = 0; i < 3; ++i)
    errors.push_back({.execution_id = e.id,
                      .task_id = "t",
                      .at = SystemClock().Now(),
                      .level = LogLevel::kError,
                      .message = "error " + std::to_string(i)});
  ASSERT_TRUE(store_->AppendLogs(errors).ok());
  auto only = store_->GetLogs(e.id, 0, 2, LogLevel::kError);
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 2u);
  EXPECT_EQ((*only)[0].message, "error 0");
  EXPECT_EQ((*only)[1].level, LogLevel::kError);
  EXPECT_EQ(store_->GetLogs(e.id, 0, 10000, LogLevel::kWarn)->size(), 0u);
}

// PurgeExecutions deletes only ended executions matching the filter (a
// namespace and those under it), with their runs, histories and logs.
TEST_F(SqliteStoreTest, PurgesEndedExecutionsWithTheirRunsAndLogs) {
  Timestamp t0 = SystemClock().Now();
  auto make = [&](const std::string& ns, State end) {
    Execution e = NewExecution();
    e.namespace_ = ns;
    e.history = {{State::kCreated, t0}};
    EXPECT_TRUE(store_->CreateExecution(e).ok());
    TaskRun run{.id = NewId(), .execution_id = e.id, .task_id = "t", .task_type = "core.Log"};
    EXPECT_TRUE(store_->CreateTaskRun(run).ok());
    EXPECT_TRUE(store_->SetTaskRunLogFile(run.id, "floe:///x/log-abcde.txt").ok());
    EXPECT_TRUE(store_->TransitionExecution(e.id, end, t0).ok());
    std::vector<LogEntry> logs{{.execution_id = e.id, .task_id = "t", .at = t0, .message = "a"},
                               {.execution_id = e.id, .task_id = "t", .at = t0, .message = "b"}};
    EXPECT_TRUE(store_->AppendLogs(logs).ok());
    return e.id;
  };
  std::string done = make("dev", State::kSuccess);
  std::string nested = make("dev.team", State::kFailed);
  std::string running = make("dev", State::kRunning);
  std::string other = make("prod", State::kSuccess);
  EXPECT_EQ(store_->GetExecution(done)->task_runs[0].log_file, "floe:///x/log-abcde.txt");

  auto none = store_->PurgeExecutions({.namespace_ = "dev", .end = t0 - std::chrono::hours(1)});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->executions.empty());

  auto purged = store_->PurgeExecutions({.namespace_ = "dev", .end = t0 + std::chrono::seconds(1)});
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  std::vector<std::string> ids;
  for (const auto& e : purged->executions) ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> want{done, nested};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ids, want);
  EXPECT_EQ(purged->logs, 4);
  EXPECT_EQ(store_->GetExecution(done).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetLogs(done, 0)->size(), 0u);
  EXPECT_TRUE(store_->GetExecution(running).ok()) << "a running execution is never purged";
  EXPECT_TRUE(store_->GetExecution(other).ok());

  // Namespaces match exactly: no SQL wildcard ('_'), no case folding.
  std::string underscore = make("my_team", State::kSuccess);
  std::string lookalike = make("myXteam.a", State::kSuccess);
  std::string upper = make("MY_TEAM.b", State::kSuccess);
  std::string child = make("my_team.sales", State::kSuccess);
  auto exact = store_->PurgeExecutions({.namespace_ = "my_team", .end = t0 + std::chrono::seconds(1)});
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->executions.size(), 2u);
  EXPECT_EQ(store_->GetExecution(underscore).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetExecution(child).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetExecution(lookalike).ok());
  EXPECT_TRUE(store_->GetExecution(upper).ok());
  // An execution a live process still holds is kept.
  auto held = store_->PurgeExecutions({.namespace_ = "myXteam",
                                       .end = t0 + std::chrono::seconds(1),
                                       .in_use = [&](const std::string& id) { return id == lookalike; }});
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->executions.empty());
  EXPECT_TRUE(store_->GetExecution(lookalike).ok());

  // Only logs, of one flow in one namespace (not those under it).
  auto logs_only = store_->PurgeExecutions(
      {.namespace_ = "prod", .flow_id = "hello", .states = {State::kSuccess}, .executions = false});
  ASSERT_TRUE(logs_only.ok());
  EXPECT_EQ(logs_only->logs, 2);
  EXPECT_TRUE(store_->GetExecution(other).ok());
}

// --skip-unchanged reads what the last successful builds recorded: per scope,
// the newest fingerprint of each node, others kept.
TEST_F(SqliteStoreTest, ModelFingerprintsAreUpsertedPerScope) {
  std::vector<std::pair<std::string, std::string>> first = {{"model.shop.a", "1"}, {"model.shop.b", "2"}};
  ASSERT_TRUE(store_->PutModelFingerprints("shop|dev", first, SystemClock().Now()).ok());
  std::vector<std::pair<std::string, std::string>> second = {{"model.shop.b", "3"}};
  ASSERT_TRUE(store_->PutModelFingerprints("shop|dev", second, SystemClock().Now()).ok());
  ASSERT_TRUE(store_->PutModelFingerprints("shop|prod", first, SystemClock().Now()).ok());
  auto dev = store_->GetModelFingerprints("shop|dev");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(*dev, (std::map<std::string, std::string>{{"model.shop.a", "1"}, {"model.shop.b", "3"}}));
  EXPECT_EQ(store_->GetModelFingerprints("other")->size(), 0u);
}

// A process killed in the middle of writing leaves a store that reopens and
// holds every committed transition.
TEST_F(SqliteStoreTest, SurvivesAKilledWriter) {
  std::filesystem::path db = dir_ / "killed.db";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = OpenSqliteStore(db);
    if (!s.ok()) _exit(2);
    for (int i = 0;; ++i) {
      Execution e;
      e.id = NewId();
      e.namespace_ = "dev";
      e.flow_id = "f";
      if (!(*s)->CreateExecution(e).ok()) _exit(3);
      if (!(*s)->TransitionExecution(e.id, State::kRunning, SystemClock().Now()).ok()) _exit(4);
    }
  }
  usleep(300 * 1000);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited early with " << WEXITSTATUS(status);
  auto s = OpenSqliteStore(db);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto list = (*s)->ListExecutions({.limit = 100000});
  ASSERT_TRUE(list.ok());
  EXPECT_GT(list->size(), 10u);
  for (const auto& e : *list) {
    // Each creation committed with its first history row.
    EXPECT_GE(e.history.size(), 1u);
  }
}

}  // namespace
}  // namespace floe::state

namespace floe::state {
namespace {

class SqliteSearchTest : public SqliteStoreTest {
 protected:
  // An execution of `ns`.`flow` created at t0 + `minutes`, in `state`, with labels.
  std::string Add(const std::string& ns, const std::string& flow, int minutes, State state,
                  const std::string& labels = "{}") {
    Execution e = NewExecution();
    e.namespace_ = ns;
    e.flow_id = flow;
    e.labels_json = labels;
    e.history = {{State::kCreated, t0_ + std::chrono::minutes(minutes)}};
    EXPECT_TRUE(store_->CreateExecution(e).ok());
    if (state != State::kCreated) {
      EXPECT_TRUE(
          store_->TransitionExecution(e.id, state, t0_ + std::chrono::minutes(minutes) + std::chrono::seconds(2)).ok());
    }
    return e.id;
  }
  Timestamp t0_ = FromUnixMs(1'800'000'000'000);
};

TEST_F(SqliteSearchTest, SearchesPageCountAndFilterExecutions) {
  std::string a = Add("company.team", "load", 0, State::kSuccess, R"({"team":"a"})");
  std::string b = Add("company.team.sub", "load", 1, State::kFailed, R"({"team":"b"})");
  std::string c = Add("company.other", "report", 2, State::kSuccess);
  std::string d = Add("companyX", "load", 3, State::kRunning);
  auto ids = [&](ExecutionFilter f) {
    std::vector<std::string> out;
    auto listed = store_->ListExecutions(f);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    if (listed.ok())
      for (const auto& e : *listed) out.push_back(e.id);
    return out;
  };
  // Newest first, by creation time.
  EXPECT_EQ(ids({}), (std::vector<std::string>{d, c, b, a}));
  EXPECT_EQ(ids({.offset = 1, .limit = 2}), (std::vector<std::string>{c, b}));
  EXPECT_EQ(ids({.namespace_ = "company.team"}), (std::vector<std::string>{a}));
  EXPECT_EQ(ids({.namespace_ = "company", .include_child_namespaces = true}), (std::vector<std::string>{c, b, a}));
  EXPECT_EQ(ids({.states = {State::kSuccess, State::kFailed}}), (std::vector<std::string>{c, b, a}));
  EXPECT_EQ(ids({.labels = {{"team", "b"}}}), (std::vector<std::string>{b}));
  EXPECT_EQ(ids({.query = "repo"}), (std::vector<std::string>{c}));
  EXPECT_EQ(ids({.start = t0_ + std::chrono::minutes(1), .end = t0_ + std::chrono::minutes(3)}),
            (std::vector<std::string>{c, b}));
  EXPECT_EQ(*store_->CountExecutions({.flow_id = "load"}), 3);
  EXPECT_EQ(*store_->CountExecutions({.flow_id = "load", .limit = 1}), 3);  // paging aside

  auto daily = store_->CountDaily(
      {.namespace_ = "company", .start = t0_ - std::chrono::hours(24), .end = t0_ + std::chrono::hours(24)});
  ASSERT_TRUE(daily.ok()) << daily.status().ToString();
  int64_t success = 0, failed = 0;
  for (const auto& row : *daily) {
    if (row.state == State::kSuccess) success += row.count;
    if (row.state == State::kFailed) failed += row.count;
    EXPECT_EQ(row.duration_max_ms, 2000);
  }
  EXPECT_EQ(success, 2);
  EXPECT_EQ(failed, 1);
}

TEST_F(SqliteSearchTest, QueriesLogsByLevelTaskTextAndNamespace) {
  std::string a = Add("company.team", "load", 0, State::kSuccess);
  std::string b = Add("other", "load", 0, State::kSuccess);
  std::vector<LogEntry> lines{
      {.execution_id = a, .task_id = "t1", .at = t0_, .level = LogLevel::kDebug, .message = "debug one"},
      {.execution_id = a, .task_id = "t1", .at = t0_, .level = LogLevel::kInfo, .message = "rows loaded"},
      {.execution_id = a, .task_id = "t2", .at = t0_, .level = LogLevel::kError, .message = "it broke"},
      {.execution_id = b, .task_id = "t1", .at = t0_, .level = LogLevel::kWarn, .message = "elsewhere"}};
  ASSERT_TRUE(store_->AppendLogs(lines).ok());
  EXPECT_GT(lines[1].seq, lines[0].seq);  // seq handed back
  auto messages = [&](LogQuery q, int64_t* total = nullptr) {
    std::vector<std::string> out;
    auto found = store_->QueryLogs(q, total);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    for (const auto& e : *found) out.push_back(e.message);
    return out;
  };
  EXPECT_EQ(messages({.execution_id = a, .min_level = LogLevel::kInfo}),
            (std::vector<std::string>{"rows loaded", "it broke"}));
  EXPECT_EQ(messages({.execution_id = a, .task_id = "t2"}), (std::vector<std::string>{"it broke"}));
  EXPECT_EQ(messages({.query = "else"}), (std::vector<std::string>{"elsewhere"}));
  EXPECT_EQ(messages({.namespace_ = "company"}).size(), 3u);
  EXPECT_EQ(messages({.execution_id = a, .after_seq = lines[1].seq}), (std::vector<std::string>{"it broke"}));
  int64_t total = 0;
  EXPECT_EQ(messages({.offset = 1, .limit = 2}, &total), (std::vector<std::string>{"rows loaded", "it broke"}));
  EXPECT_EQ(total, 4);
  auto purged = store_->PurgeLogs({.execution_id = a});
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 3);
  EXPECT_EQ(messages({}).size(), 1u);
}

TEST_F(SqliteStoreTest, FlowRevisionsGrowOnlyWhenTheSourceChanges) {
  Timestamp now = SystemClock().Now();
  EXPECT_EQ(*store_->RecordFlowRevision("ns", "f", "v1", now), 1);
  EXPECT_EQ(*store_->RecordFlowRevision("ns", "f", "v1", now), 1);  // same source: no new revision
  EXPECT_EQ(*store_->RecordFlowRevision("ns", "f", "v2", now), 2);
  ASSERT_TRUE(store_->RecordFlowDeleted("ns", "f", now).ok());
  ASSERT_TRUE(store_->RecordFlowDeleted("ns", "f", now).ok());  // once
  // Created again after its deletion, with the old source: a new revision.
  EXPECT_EQ(*store_->RecordFlowRevision("ns", "f", "v2", now), 4);
  auto revisions = store_->ListFlowRevisions("ns", "f");
  ASSERT_TRUE(revisions.ok());
  std::vector<std::tuple<int, std::string, bool>> got;
  for (const auto& r : *revisions) got.emplace_back(r.revision, r.source, r.deleted);
  EXPECT_EQ(got, (std::vector<std::tuple<int, std::string, bool>>{
                     {1, "v1", false}, {2, "v2", false}, {3, "v2", true}, {4, "v2", false}}));
  EXPECT_TRUE(store_->ListFlowRevisions("ns", "other")->empty());
}

TEST_F(SqliteStoreTest, PurgesOnlyTheNamedEndedExecutions) {
  Execution a = NewExecution(), b = NewExecution();
  a.state = b.state = State::kSuccess;
  ASSERT_TRUE(store_->CreateExecution(a).ok());
  ASSERT_TRUE(store_->CreateExecution(b).ok());
  auto purged = store_->PurgeExecutions({.ids = {a.id, "no-such-id"}});
  ASSERT_TRUE(purged.ok());
  ASSERT_EQ(purged->executions.size(), 1u);
  EXPECT_EQ(purged->executions[0].id, a.id);
  EXPECT_FALSE(store_->GetExecution(a.id).ok());
  EXPECT_TRUE(store_->GetExecution(b.id).ok());
}

}  // namespace
}  // namespace floe::state
