// Drives the real floe binary the way a user does, each test with its own
// home folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

using testing::CommandResult;  // out: stdout and stderr together

class CliTest : public ::testing::Test {
 public:
  void SetUp() override {
    home_ = fs::temp_directory_path() / ("floe_cli_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
  }
  void TearDown() override { fs::remove_all(home_); }

  // Runs floe with `args` (shell-quoted by the caller) and the test's home.
  CommandResult Floe(const std::string& args, bool with_stderr = true) {
    return testing::RunShell(std::string(FLOE_BINARY) + " --home '" + home_.string() + "' " + args +
                             (with_stderr ? " 2>&1" : " 2>/dev/null"));
  }

  static std::string Source(const std::string& relative) { return std::string(FLOE_SOURCE_DIR) + "/" + relative; }
  const fs::path& home() const { return home_; }

  fs::path home_;
};

TEST_F(CliTest, VersionPrints) {
  auto r = Floe("version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("floe "));
}

TEST_F(CliTest, GlobalOptionsWorkAfterTheSubcommand) {
  fs::path other = home() / "elsewhere";
  fs::create_directories(home());
  std::ofstream(home() / "hello.yml") << "id: hello\nnamespace: dev\ntasks:\n  - id: say\n    type: core.Log\n"
                                         "    message: hi\n";
  auto r = testing::RunShell(std::string(FLOE_BINARY) + " run '" + (home() / "hello.yml").string() + "' --home '" +
                             other.string() + "' 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(other / "floe.db")) << "the run did not use --home given after `run`";
  auto list = testing::RunShell(std::string(FLOE_BINARY) + " executions list --home '" + other.string() + "' 2>&1");
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_THAT(list.out, HasSubstr("hello"));
}

TEST_F(CliTest, ValidateReportsEveryErrorWithPositionsAndSuggestions) {
  std::string file = Source("tests/flows/invalid.yml");
  auto r = Floe("validate " + file + " " + Source("examples/level1_duckdb.yml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr(file + ":3:1: unknown key 'taks' in a flow (did you mean 'tasks'?)"));
  EXPECT_THAT(r.out, HasSubstr(file + ":11:9: duplicate task id 'hello'"));
  EXPECT_THAT(r.out, HasSubstr(file + ":12:11: unknown task type 'core.Lgo' (did you mean 'core.Log'"));
  // Unknown filters and functions are load errors, with their position (Kestra's Pebble finds them only when
  // the flow runs).
  EXPECT_THAT(r.out, HasSubstr(file + ":16:28: unknown filter 'uper'"));
  EXPECT_THAT(r.out, HasSubstr("did you mean 'upper'?"));
  EXPECT_THAT(r.out, HasSubstr("level1_duckdb.yml: ok"));
  EXPECT_THAT(r.out, HasSubstr("4 errors"));
}

TEST_F(CliTest, ValidateRejectsWhatKestraRejects) {
  // A validator that is not a regular expression, and a flow that calls
  // itself through Subflow, directly or through another flow in the folder.
  fs::path dir = home() / "flows";
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  auto subflow = [](const std::string& id) {
    return "  - id: call_" + id +
           "\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: dev\n    flowId: " + id + "\n";
  };
  std::string bad_regex = write("regex.yml",
                                "id: regex\nnamespace: dev\ninputs:\n  - id: code\n    type: STRING\n"
                                "    validator: \"[a-z\"\ntasks:\n  - id: log\n    type: core.Log\n    message: hi\n");
  std::string self = write("self.yml", "id: self\nnamespace: dev\ntasks:\n" + subflow("self"));
  std::string a = write("a.yml", "id: a\nnamespace: dev\ntasks:\n" + subflow("b"));
  write("b.yml",
        "id: b\nnamespace: dev\ntasks:\n  - id: wrapper\n    type: flow.Sequential\n    tasks:\n"
        "      - id: call_a\n        type: io.kestra.plugin.core.flow.Subflow\n        namespace: dev\n"
        "        flowId: a\n");
  auto r = Floe("validate " + bad_regex + " " + self + " " + a + " --flows " + dir.string());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr(bad_regex + ":6:16: input 'code': validator '[a-z' is not a valid regular expression"));
  EXPECT_THAT(r.out, HasSubstr(self + ":4:5: flow dev.self calls itself through Subflow: dev.self -> dev.self"));
  EXPECT_THAT(r.out, HasSubstr(a + ":4:5: flow dev.a calls itself through Subflow: dev.a -> dev.b -> dev.a"));
}

TEST_F(CliTest, RunsTheLevel3IcebergExampleAndItsFailedAudit) {
  auto r = Floe("run " + Source("examples/level3_iceberg.yml") + " --json", /*with_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto doc = tmpl::ParseJson(r.out);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString() << "\n" << r.out;
  std::string table = doc->Get("outputs")->Get("table")->AsString();
  std::string published = doc->Get("outputs")->Get("published_snapshot")->AsString();

  auto snapshots = Floe("iceberg snapshots " + table);
  EXPECT_EQ(snapshots.exit_code, 0) << snapshots.out;
  EXPECT_THAT(snapshots.out, HasSubstr(published));
  EXPECT_THAT(snapshots.out, HasSubstr("replace")) << "the compaction's snapshot";
  auto describe = Floe("iceberg describe " + table);
  EXPECT_THAT(describe.out, HasSubstr("customer_id"));
  EXPECT_THAT(describe.out, HasSubstr("day(ordered_at)"));
  EXPECT_THAT(describe.out, Not(HasSubstr("audit"))) << "the published branch was dropped";

  // A bad batch: the audit fails, and main keeps what it had before the batch.
  auto bad = Floe("run " + Source("examples/level3_iceberg.yml") + " --input bad_batch=true --json", false);
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  auto bad_doc = tmpl::ParseJson(bad.out);
  ASSERT_TRUE(bad_doc.ok()) << bad.out;
  std::string bad_id = bad_doc->Get("id")->AsString();
  std::string bad_table = "demo.orders_" + bad_id;
  std::transform(bad_table.begin(), bad_table.end(), bad_table.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto refs = Floe("iceberg describe " + bad_table);
  EXPECT_THAT(refs.out, HasSubstr("audit        branch"));
  auto logs = Floe("logs " + bad_id);
  EXPECT_THAT(logs.out, HasSubstr("the audit found 10 negative amount(s); branch 'audit' of " + bad_table));
  auto files = Floe("iceberg files " + bad_table + " --ref audit");
  auto main_files = Floe("iceberg files " + bad_table);
  EXPECT_NE(files.out, main_files.out);

  auto missing = Floe("iceberg describe demo.nope");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("demo.nope"));
}

TEST_F(CliTest, AnIcebergTriggerFiresOnNewSnapshots) {
  fs::create_directories(home());
  ASSERT_EQ(Floe("iceberg create lake.events --column id:long").exit_code, 0);
  fs::path watcher = home() / "watch.yml";
  std::ofstream(watcher) << "id: watch\nnamespace: t\ntasks:\n  - id: say\n    type: core.Log\n"
                            "    message: \"new {{ trigger.snapshotIds | length }} {{ trigger.summary.operation }}\"\n"
                            "triggers:\n  - id: on_commit\n    type: iceberg.Trigger\n    table: lake.events\n"
                            "    interval: PT1S\n";
  fs::path writer = home() / "write.yml";
  std::ofstream(writer) << "id: write\nnamespace: t\ntasks:\n  - id: w\n    type: iceberg.Write\n"
                           "    table: lake.events\n    sql: SELECT 1 AS id\n";
  auto first = Floe("triggers poll " + watcher.string());
  EXPECT_EQ(first.exit_code, 0) << first.out;
  EXPECT_THAT(first.out, Not(HasSubstr("execution"))) << "the first poll only records where the table is";
  ASSERT_EQ(Floe("run " + writer.string()).exit_code, 0);
  ASSERT_EQ(Floe("run " + writer.string()).exit_code, 0);
  auto fired = Floe("triggers poll " + watcher.string());
  EXPECT_EQ(fired.exit_code, 0) << fired.out;
  EXPECT_THAT(fired.out, HasSubstr("new 2 append"));
  auto quiet = Floe("triggers poll " + watcher.string());
  EXPECT_THAT(quiet.out, Not(HasSubstr("new "))) << "nothing new since";
}

TEST_F(CliTest, AReplayReadsTheIcebergSnapshotsTheRunRead) {
  fs::create_directories(home());
  ASSERT_EQ(Floe("iceberg create lake.t --sql 'SELECT 1 AS id'").exit_code, 0);
  fs::path reader = home() / "read.yml";
  std::ofstream(reader) << "id: read\nnamespace: t\ntasks:\n  - id: q\n    type: duckdb.Query\n"
                           "    fetchType: FETCH_ONE\n    sql: SELECT count(*) AS n FROM iceberg_scan('lake.t')\n";
  fs::path writer = home() / "write.yml";
  std::ofstream(writer) << "id: write\nnamespace: t\ntasks:\n  - id: w\n    type: iceberg.Write\n"
                           "    table: lake.t\n    sql: SELECT 2 AS id\n";
  auto first = Floe("run " + reader.string() + " --json", false);
  ASSERT_EQ(first.exit_code, 0) << first.out;
  auto doc = tmpl::ParseJson(first.out);
  ASSERT_TRUE(doc.ok()) << first.out;
  std::string id = doc->Get("id")->AsString();
  ASSERT_EQ(Floe("run " + writer.string()).exit_code, 0);

  auto count = [&](const std::string& args) -> int64_t {
    auto r = Floe("executions replay " + id + " --task q " + args);
    std::string replayed = r.out.substr(std::string("execution ").size(), 26);
    auto show = Floe("executions show " + replayed + " --json", false);
    auto d = tmpl::ParseJson(show.out);
    if (r.exit_code != 0 || !d.ok()) return -1;
    for (const auto& run : d->Get("taskRunList")->AsList())
      if (run.Get("taskId")->AsString() == "q") return run.Get("outputs")->Get("row")->Get("n")->AsInt();
    return -1;
  };
  EXPECT_EQ(count(""), 1) << "the replay reads the snapshot the first run read";
  EXPECT_EQ(count("--latest"), 2) << "--latest reads the table as it is now";
}

TEST_F(CliTest, RunsTheLevel1ExampleIntoTheLake) {
  auto r = Floe("run " + Source("examples/level1_duckdb.yml") + " --json", /*with_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto doc = tmpl::ParseJson(r.out);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString() << "\n" << r.out;
  EXPECT_EQ(doc->Get("state")->AsString(), "SUCCESS");
  EXPECT_EQ(doc->Get("taskRunList")->AsList().size(), 4u);
  for (const auto& run : doc->Get("taskRunList")->AsList()) EXPECT_EQ(run.Get("state")->AsString(), "SUCCESS");
  EXPECT_DOUBLE_EQ(doc->Get("outputs")->Get("revenue")->AsDouble(), 14030.45);
  EXPECT_EQ(doc->Get("outputs")->Get("months")->AsInt(), 3);
  int parquet_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(home_ / "lake" / "orders"))
    parquet_files += entry.path().extension() == ".parquet";
  EXPECT_EQ(parquet_files, 3);
  EXPECT_TRUE(fs::exists(home_ / "lake" / "orders" / "month=2026-01"));

  // The execution is recorded: list, show by prefix, logs.
  std::string id = doc->Get("id")->AsString();
  auto list = Floe("executions list");
  EXPECT_THAT(list.out, HasSubstr(id));
  auto show = Floe("executions show " + id.substr(0, 20));
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_THAT(show.out, HasSubstr("SUCCESS"));
  auto logs = Floe("logs " + id);
  EXPECT_THAT(logs.out, HasSubstr("Loaded 120 orders worth 14030.45"));
}

// A flow with Schedule and Webhook triggers loads and runs by hand; only
// `floe server` fires those triggers.
TEST_F(CliTest, ScheduledFlowValidatesAndRunsByHand) {
  std::string file = Source("examples/scheduled_report.yml");
  auto valid = Floe("validate " + file);
  EXPECT_EQ(valid.exit_code, 0) << valid.out;
  EXPECT_THAT(valid.out, HasSubstr("scheduled_report.yml: ok"));
  auto run = Floe("run " + file + " --json", /*with_stderr=*/false);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto doc = tmpl::ParseJson(run.out);
  ASSERT_TRUE(doc.ok()) << run.out;
  EXPECT_EQ(doc->Get("state")->AsString(), "SUCCESS");
  auto logs = Floe("logs " + doc->Get("id")->AsString());
  EXPECT_THAT(logs.out, HasSubstr("Report for by hand: 120 orders"));
  auto poll = Floe("triggers poll " + file);
  EXPECT_NE(poll.exit_code, 0);
  EXPECT_THAT(poll.out, HasSubstr("has no enabled polling trigger; its triggers weekday_morning (Schedule), "
                                  "on_demand (Webhook) run in `floe server`"));
  auto one = Floe("triggers poll " + file + " --trigger weekday_morning");
  EXPECT_NE(one.exit_code, 0);
  EXPECT_THAT(one.out, HasSubstr("Schedule triggers run in `floe server`"));
}

TEST_F(CliTest, ABadCronIsALoadErrorAtItsPosition) {
  fs::create_directories(home());
  fs::path file = home() / "bad_cron.yml";
  std::ofstream(file) << "id: s\nnamespace: t\ntasks:\n  - id: a\n    type: core.Log\n    message: hi\n"
                         "triggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n"
                         "    cron: \"0 25 * * *\"\n";
  auto valid = Floe("validate " + file.string());  // the cron is checked at load, not only by a server
  EXPECT_EQ(valid.exit_code, 2);
  EXPECT_THAT(valid.out, HasSubstr("bad_cron.yml:10:11: cron '0 25 * * *': hour 25 is out of range 0-23"));
}

TEST_F(CliTest, InputsAreValidated) {
  auto bad = Floe("run " + Source("examples/level1_duckdb.yml") + " --input min_quantity=zero");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.out, HasSubstr("input 'min_quantity' (INT): 'zero' is not an integer"));
  auto unknown = Floe("run " + Source("examples/level1_duckdb.yml") + " --input min_quantit=3");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.out, HasSubstr("did you mean 'min_quantity'?"));
  auto filtered = Floe("run " + Source("examples/level1_duckdb.yml") + " --input min_quantity=30 --json", false);
  ASSERT_EQ(filtered.exit_code, 0);
  auto doc = tmpl::ParseJson(filtered.out);
  EXPECT_EQ(doc->Get("inputs")->Get("min_quantity")->AsInt(), 30);
}

TEST_F(CliTest, AFailingTaskFailsTheRunWithItsError) {
  auto r = Floe("run " + Source("tests/flows/fails.yml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("query"));
  EXPECT_THAT(r.out, HasSubstr("FAILED"));
  EXPECT_THAT(r.out, HasSubstr("does_not_exist.csv"));
  EXPECT_THAT(r.out, Not(HasSubstr("never logged")));
  auto json = Floe("run " + Source("tests/flows/fails.yml") + " --json", false);
  EXPECT_EQ(json.exit_code, 1);
  auto doc = tmpl::ParseJson(json.out);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->Get("state")->AsString(), "FAILED");
  EXPECT_EQ(doc->Get("taskRunList")->AsList().size(), 2u);
}

TEST_F(CliTest, UnknownExecutionAndBadFlowFile) {
  auto r = Floe("executions show NOPE");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("no execution with id 'NOPE'"));
  auto missing = Floe("run /nonexistent/flow.yml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("no flow file '/nonexistent/flow.yml'"));
  auto folder = Floe("run " + Source("tests/flows"));
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_THAT(folder.out, HasSubstr("tests/flows' is a folder, not a flow file"));
}

// Starts `floe run FLOW`, waits until task `task_id` is RUNNING, SIGKILLs
// floe and returns the execution id.
std::string KillWhileRunning(CliTest& t, const std::string& flow, const std::string& task_id);

// SIGKILL in the middle of a flow: the store reopens cleanly and shows the
// execution and its running task as unfinished.
TEST_F(CliTest, KilledRunLeavesAnUnfinishedExecution) {
  std::string id = KillWhileRunning(*this, Source("tests/flows/slow.yml"), "wait");
  ASSERT_FALSE(id.empty());
  auto show = Floe("executions show " + id + " --json", false);
  ASSERT_EQ(show.exit_code, 0) << show.out;
  auto doc = tmpl::ParseJson(show.out);
  ASSERT_TRUE(doc.ok()) << show.out;
  EXPECT_EQ(doc->Get("state")->AsString(), "RUNNING");
  const auto& runs = doc->Get("taskRunList")->AsList();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].Get("state")->AsString(), "SUCCESS");
  EXPECT_EQ(runs[1].Get("state")->AsString(), "RUNNING");
  auto logs = Floe("logs " + id);
  EXPECT_THAT(logs.out, HasSubstr("started"));
  // The store still takes new executions.
  auto again = Floe("run " + Source("tests/flows/fails.yml"));
  EXPECT_EQ(again.exit_code, 1);
}

// `logs --follow` on an execution whose process died stops and says why,
// instead of waiting forever; `executions show` gives the time so far.
TEST_F(CliTest, FollowingAnOrphanedExecutionStopsAndSaysWhy) {
  std::string id = KillWhileRunning(*this, Source("tests/flows/slow.yml"), "wait");
  ASSERT_FALSE(id.empty());
  auto follow = testing::RunShell("timeout 20 " + std::string(FLOE_BINARY) + " --home '" + home().string() +
                                  "' logs --follow " + id + " 2>&1");
  EXPECT_EQ(follow.exit_code, 2) << follow.out;
  EXPECT_THAT(follow.out, HasSubstr("started"));
  EXPECT_THAT(follow.out, HasSubstr("is RUNNING but no floe process is running it (the process died)"));
  EXPECT_THAT(follow.out, HasSubstr("floe executions recover"));
  auto show = Floe("executions show " + id);
  EXPECT_THAT(show.out, ::testing::ContainsRegex("RUNNING for [0-9.]+ (ms|s) so far"));
  EXPECT_THAT(show.out, ::testing::Not(HasSubstr("RUNNING in")));
}

// A restart that succeeds leaves no trace of the error it had before.
TEST_F(CliTest, RestartedExecutionDropsItsOldError) {
  fs::create_directories(home());
  fs::path marker = home() / "ready";
  fs::path flow = home() / "gate.yml";
  std::FILE* f = std::fopen(flow.c_str(), "w");
  std::fprintf(f,
               "id: gate\nnamespace: floe.tests\ntasks:\n  - id: check\n    type: scripts.Shell\n"
               "    commands:\n      - test -f '%s' || { echo 'not ready' >&2; exit 3; }\n",
               marker.c_str());
  std::fclose(f);
  auto run = Floe("run " + flow.string() + " --json", false);
  ASSERT_EQ(run.exit_code, 1) << run.out;
  auto failed = tmpl::ParseJson(run.out);
  ASSERT_TRUE(failed.ok()) << run.out;
  std::string id = failed->Get("id")->AsString();
  ASSERT_NE(failed->Get("error"), nullptr);
  std::fclose(std::fopen(marker.c_str(), "w"));
  auto restart = Floe("executions restart " + id);
  ASSERT_EQ(restart.exit_code, 0) << restart.out;
  auto doc = tmpl::ParseJson(Floe("executions show " + id + " --json", false).out);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->Get("state")->AsString(), "SUCCESS");
  EXPECT_EQ(doc->Get("error"), nullptr) << tmpl::ToJson(*doc);
  // The failed first attempt keeps its error; the execution has none.
  EXPECT_THAT(Floe("executions show " + id).out, ::testing::Not(::testing::ContainsRegex("(^|\n)error:")));
}

// After a SIGKILL, `floe executions recover` finishes the execution: finished
// tasks are not run again, the interrupted one runs again as attempt 2.
TEST_F(CliTest, RecoverFinishesAKilledRun) {
  std::string id = KillWhileRunning(*this, Source("tests/flows/recoverable.yml"), "wait");
  ASSERT_FALSE(id.empty());
  auto recover = Floe("executions recover");
  EXPECT_EQ(recover.exit_code, 0) << recover.out;
  auto doc = tmpl::ParseJson(Floe("executions show " + id + " --json", false).out);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->Get("state")->AsString(), "SUCCESS");
  std::vector<std::string> runs;
  for (const auto& run : doc->Get("taskRunList")->AsList())
    runs.push_back(run.Get("taskId")->AsString() + ":" + run.Get("state")->AsString() + ":" +
                   std::to_string(run.Get("attempt")->AsInt()));
  EXPECT_EQ(runs, (std::vector<std::string>{"first:SUCCESS:1", "wait:FAILED:1", "wait:SUCCESS:2", "last:SUCCESS:1"}));
  EXPECT_THAT(Floe("logs " + id).out, HasSubstr("recovered with 41"));
  auto again = Floe("executions recover");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("nothing to recover"));
}

std::string KillWhileRunning(CliTest& t, const std::string& flow, const std::string& task_id) {
  std::string home = t.home().string();
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stdout)) _exit(126);
    execl(FLOE_BINARY, FLOE_BINARY, "--home", home.c_str(), "run", flow.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string id;
  bool running = false;
  for (int i = 0; i < 200 && !running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto doc = tmpl::ParseJson(t.Floe("executions list --json", false).out);
    if (!doc.ok() || !doc->is_list() || doc->AsList().empty()) continue;
    id = doc->AsList()[0].Get("id")->AsString();
    auto show = tmpl::ParseJson(t.Floe("executions show " + id + " --json", false).out);
    if (!show.ok()) continue;
    for (const auto& run : show->Get("taskRunList")->AsList())
      running = running || (run.Get("taskId")->AsString() == task_id && run.Get("state")->AsString() == "RUNNING");
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!running || !WIFSIGNALED(status)) {
    ADD_FAILURE() << "task '" << task_id << "' never ran before the kill";
    return "";
  }
  return id;
}

}  // namespace
}  // namespace floe

namespace floe {
namespace {

std::string StateOf(CliTest& t, const std::string& id) {
  auto doc = tmpl::ParseJson(t.Floe("executions show " + id + " --json", false).out);
  return doc.ok() ? doc->Get("state")->AsString() : "?";
}

// --detach prints the id at once; kill stops the background run.
TEST_F(CliTest, DetachedRunCanBeKilled) {
  auto started = Floe("run " + Source("tests/flows/slow.yml") + " --detach", false);
  ASSERT_EQ(started.exit_code, 0) << started.out;
  std::string id = started.out.substr(0, started.out.find('\n'));
  ASSERT_EQ(id.size(), 26u) << started.out;
  for (int i = 0; i < 200 && StateOf(*this, id) != "RUNNING"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  auto killed = Floe("executions kill " + id.substr(0, 12));
  EXPECT_EQ(killed.exit_code, 0) << killed.out;
  EXPECT_THAT(killed.out, HasSubstr("KILLED"));
  EXPECT_EQ(StateOf(*this, id), "KILLED");
  auto again = Floe("executions kill " + id);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.out, HasSubstr("already ended in KILLED"));
}

// A Pause stops the run (exit 1, PAUSED); resume checks the inputs and goes on.
TEST_F(CliTest, PausedExecutionResumesWithInputs) {
  auto run = Floe("run " + Source("tests/flows/approval.yml") + " --json", false);
  EXPECT_EQ(run.exit_code, 1);
  auto doc = tmpl::ParseJson(run.out);
  ASSERT_TRUE(doc.ok()) << run.out;
  std::string id = doc->Get("id")->AsString();
  EXPECT_EQ(doc->Get("state")->AsString(), "PAUSED");
  auto bad = Floe("executions resume " + id + " --input approved=perhaps");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.out, HasSubstr("'perhaps' is not true or false"));
  EXPECT_EQ(StateOf(*this, id), "PAUSED");
  auto resumed = Floe("executions resume " + id + " --input approved=false");
  EXPECT_EQ(resumed.exit_code, 1) << resumed.out;
  EXPECT_THAT(resumed.out, HasSubstr("not approved"));
  // Restart runs the failed task again (and it fails again: same input).
  auto restarted = Floe("executions restart " + id);
  EXPECT_EQ(restarted.exit_code, 1);
  // Replay from the pause: a new execution that pauses again.
  auto replayed = Floe("executions replay " + id + " --task ask");
  EXPECT_EQ(replayed.exit_code, 1);
  EXPECT_THAT(replayed.out, HasSubstr("PAUSED"));
}

TEST_F(CliTest, FlowsListsTheFlowsFolder) {
  auto listed = Floe("--flows " + Source("tests/flows/kestra") + " flows");
  EXPECT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_THAT(listed.out, HasSubstr("company.team.kestra_compat "));
  EXPECT_THAT(listed.out, HasSubstr("company.team.kestra_compat_child"));
  auto broken = Floe("--flows " + Source("tests/flows") + " flows");
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.out, HasSubstr("invalid.yml  (does not load)"));
}

// Writes a flow file into the test's home; returns its path.
std::string WriteFlow(CliTest& t, const std::string& name, const std::string& yaml) {
  fs::create_directories(t.home() / "flows");
  fs::path file = t.home() / "flows" / (name + ".yml");
  std::ofstream(file) << yaml;
  return file.string();
}

std::string RunForId(CliTest& t, const std::string& flow, const std::string& args = "") {
  auto run = t.Floe("--flows '" + (t.home() / "flows").string() + "' run " + flow + " " + args + " --json", false);
  auto doc = tmpl::ParseJson(run.out);
  return doc.ok() ? doc->Get("id")->AsString() : "no JSON: " + run.out;
}

// Kestra: a Pause without pauseDuration fails once its timeout has passed;
// a resume after that does not resume it, and says why.
TEST_F(CliTest, PauseTimeoutFailsThePauseInsteadOfResumingIt) {
  std::string flow = WriteFlow(*this, "timed_pause", R"yaml(id: timed_pause
namespace: dev
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT1S
  - id: after
    type: core.Log
    message: approved
errors:
  - id: alert
    type: core.Log
    message: "not approved in time"
)yaml");
  std::string id = RunForId(*this, flow);
  ASSERT_EQ(StateOf(*this, id), "PAUSED") << id;
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  auto late = Floe("executions resume " + id);
  EXPECT_NE(late.exit_code, 0) << late.out;
  EXPECT_THAT(late.out, HasSubstr("was not resumed: its pause task 'approve'"));
  EXPECT_THAT(late.out, HasSubstr("timeout PT1S"));
  EXPECT_EQ(StateOf(*this, id), "FAILED");
  auto logs = Floe("logs " + id);
  EXPECT_THAT(logs.out, HasSubstr("paused longer than its timeout"));
  EXPECT_THAT(logs.out, HasSubstr("not approved in time"));
  EXPECT_THAT(logs.out, ::testing::Not(HasSubstr("approved\n")));
}

// execution.Resume resumes another, paused execution with onResume inputs;
// execution.PurgeExecutions deletes ended executions, their logs and files.
TEST_F(CliTest, ResumeAndPurgeExecutionsTasks) {
  std::string paused = WriteFlow(*this, "waits", R"yaml(id: waits
namespace: dev.team
tasks:
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: answer
        type: STRING
  - id: got
    type: core.Log
    message: "answer {{ outputs.ask.onResume.answer }}"
)yaml");
  std::string waiting = RunForId(*this, paused);
  ASSERT_EQ(StateOf(*this, waiting), "PAUSED");
  std::string resumer = WriteFlow(*this, "resumer", R"yaml(id: resumer
namespace: dev
inputs:
  - id: target
    type: STRING
tasks:
  - id: resume
    type: io.kestra.plugin.core.execution.Resume
    executionId: "{{ inputs.target }}"
    namespace: dev.team
    flowId: waits
    inputs:
      answer: yes please
)yaml");
  std::string resumed_by = RunForId(*this, resumer, "--input target=" + waiting);
  EXPECT_EQ(StateOf(*this, resumed_by), "SUCCESS");
  EXPECT_EQ(StateOf(*this, waiting), "SUCCESS");
  EXPECT_THAT(Floe("logs " + waiting).out, HasSubstr("answer yes please"));
  // Resuming it again is an error of the task, with why.
  std::string again = RunForId(*this, resumer, "--input target=" + waiting);
  EXPECT_EQ(StateOf(*this, again), "FAILED");
  EXPECT_THAT(Floe("logs " + again).out, HasSubstr("cannot resume execution " + waiting + ": it is SUCCESS"));

  std::string purge = WriteFlow(*this, "purge", R"yaml(id: purge
namespace: ops
tasks:
  - id: purge
    type: io.kestra.plugin.core.execution.PurgeExecutions
    namespace: dev
    states: [SUCCESS]
    endDate: "{{ now() }}"
  - id: counts
    type: core.Log
    message: "{{ outputs.purge.executionsCount }} executions, {{ outputs.purge.logsCount > 0 }}"
)yaml");
  std::string purged_by = RunForId(*this, purge);
  EXPECT_EQ(StateOf(*this, purged_by), "SUCCESS");
  // dev and dev.team: the two successful runs (waits, the first resumer); the failed resumer stays.
  EXPECT_THAT(Floe("logs " + purged_by).out, HasSubstr("2 executions, true"));
  EXPECT_EQ(StateOf(*this, waiting), "?");
  EXPECT_EQ(StateOf(*this, again), "FAILED");
}

// WorkingDirectory cache: files matching its patterns are put back in the
// next execution's folder, until the ttl passes.
TEST_F(CliTest, WorkingDirectoryCacheKeepsFilesBetweenExecutions) {
  std::string flow = WriteFlow(*this, "cached", R"yaml(id: cached
namespace: dev
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    cache:
      patterns: [deps/**]
      ttl: PT1H
    tasks:
      - id: install
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - if [ -f deps/lib.txt ]; then echo "cached $(cat deps/lib.txt)"; else mkdir -p deps && echo v1 > deps/lib.txt && echo installed; fi
)yaml");
  std::string first = RunForId(*this, flow);
  EXPECT_EQ(StateOf(*this, first), "SUCCESS");
  EXPECT_THAT(Floe("logs " + first).out, HasSubstr("installed"));
  std::string second = RunForId(*this, flow);
  auto logs = Floe("logs " + second).out;
  EXPECT_THAT(logs, HasSubstr("cached v1"));
  EXPECT_THAT(logs, HasSubstr("restored 1 cached file(s)"));
  EXPECT_THAT(logs, HasSubstr("the cached files did not change"));
}

// logToFile: the task's lines are in a file in execution storage, named on
// its task run, and not in the logs.
TEST_F(CliTest, LogToFileStoresTheTaskLinesAsAFile) {
  std::string flow = WriteFlow(*this, "to_file", R"yaml(id: to_file
namespace: dev
tasks:
  - id: quiet
    type: core.Log
    logToFile: true
    message: written to a file
)yaml");
  std::string id = RunForId(*this, flow);
  auto doc = tmpl::ParseJson(Floe("executions show " + id + " --json", false).out);
  ASSERT_TRUE(doc.ok());
  const tmpl::Value* file = doc->Get("taskRunList")->AsList()[0].Get("logFile");
  ASSERT_NE(file, nullptr);
  std::string uri = file->AsString();
  EXPECT_THAT(uri, ::testing::StartsWith("floe:///dev/to_file/executions/" + id + "/tasks/quiet/"));
  std::ifstream stored(home() / "storage" / uri.substr(std::string("floe:///").size()));
  std::string content((std::istreambuf_iterator<char>(stored)), std::istreambuf_iterator<char>());
  EXPECT_THAT(content, HasSubstr("INFO written to a file"));
  EXPECT_THAT(Floe("logs " + id).out, ::testing::Not(HasSubstr("written to a file")));
}

// A task retry with CREATE_NEW_EXECUTION: each failed execution ends
// RETRIED, a new one runs the flow again, until maxAttempts executions.
TEST_F(CliTest, RetryWithANewExecutionEndsTheFailedOneRetried) {
  std::string flow = WriteFlow(*this, "retried", R"yaml(id: retried
namespace: dev
tasks:
  - id: always
    type: core.Fail
    errorMessage: broken
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
      behavior: CREATE_NEW_EXECUTION
)yaml");
  std::string last = RunForId(*this, flow);
  EXPECT_EQ(StateOf(*this, last), "FAILED");
  auto list = Floe("executions list --json", false);
  auto doc = tmpl::ParseJson(list.out);
  ASSERT_TRUE(doc.ok()) << list.out;
  std::map<std::string, int> states;
  for (const auto& e : doc->AsList()) ++states[e.Get("state")->AsString()];
  EXPECT_EQ(states["RETRIED"], 2);
  EXPECT_EQ(states["FAILED"], 1);
}

// Kestra's flow `disabled: true`: it validates, and refuses to run.
TEST_F(CliTest, ADisabledFlowValidatesAndRefusesToRun) {
  std::string flow = WriteFlow(*this, "off", R"yaml(id: off
namespace: dev
disabled: true
tasks:
  - id: say
    type: core.Log
    message: hi
)yaml");
  auto checked = Floe("validate " + flow);
  EXPECT_EQ(checked.exit_code, 0) << checked.out;
  EXPECT_THAT(checked.out, HasSubstr("ok (dev.off, 1 tasks, disabled)"));
  auto run = Floe("run " + flow);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("flow dev.off is disabled: it does not run"));
  EXPECT_THAT(run.out, HasSubstr("set disabled: false"));
}

// Subflow scheduleDate: the subflow's execution starts at that date; a
// waiting Subflow task waits for it.
TEST_F(CliTest, SubflowScheduleDateStartsItLater) {
  WriteFlow(*this, "child", R"yaml(id: child
namespace: dev
tasks:
  - id: hi
    type: core.Log
    message: child ran
)yaml");
  std::string parent = WriteFlow(*this, "parent", R"yaml(id: parent
namespace: dev
tasks:
  - id: later
    type: io.kestra.plugin.core.flow.Subflow
    namespace: dev
    flowId: child
    scheduleDate: "{{ now() | dateAdd(1500, 'MILLIS') }}"
)yaml");
  auto started = std::chrono::steady_clock::now();
  std::string id = RunForId(*this, parent);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(StateOf(*this, id), "SUCCESS");
  EXPECT_GE(took, std::chrono::milliseconds(1400));
  EXPECT_THAT(Floe("logs " + id).out, HasSubstr("is scheduled at"));
}

// A SELECT input's choices from an expression over the KV store, as
// Kestra's docs show it: a value outside them is refused, naming them.
TEST_F(CliTest, SelectChoicesFromTheKvStore) {
  std::string setter = WriteFlow(*this, "set_choices", R"yaml(id: set_choices
namespace: dev
tasks:
  - id: put
    type: io.kestra.plugin.core.kv.Set
    key: regions
    value: ["eu-west-1", "us-east-1"]
)yaml");
  std::string picker = WriteFlow(*this, "pick", R"yaml(id: pick
namespace: dev
inputs:
  - id: region
    type: SELECT
    expression: "{{ kv('regions') }}"
tasks:
  - id: show
    type: core.Log
    message: "region {{ inputs.region }}"
)yaml");
  EXPECT_EQ(StateOf(*this, RunForId(*this, setter)), "SUCCESS");
  std::string ok = RunForId(*this, picker, "--input region=us-east-1");
  EXPECT_EQ(StateOf(*this, ok), "SUCCESS");
  EXPECT_THAT(Floe("logs " + ok).out, HasSubstr("region us-east-1"));
  auto bad = Floe("run " + picker + " --input region=ap-south-1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.out, HasSubstr("'ap-south-1' is not one of eu-west-1, us-east-1"));
}

}  // namespace
}  // namespace floe
