// dbt projects inside flows, through the real binary: the Level-2 example
// (git.Clone of a local repository -> DbtCLI), models.Build with selection
// and vars, and a failing model failing its task with dbt's message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class ModelsFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() / ("floe_models_flow_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    fs::create_directories(home_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(home_);
  }

  testing::CommandResult Floe(const std::string& args) {
    return testing::RunShell("cd '" + home_.string() + "' && " + FLOE_BINARY + " --home '" + home_.string() + "' " +
                             args + " 2>/dev/null");
  }
  std::string Write(const std::string& name, const std::string& text) {
    fs::path p = home_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  static const tmpl::Value* TaskOutputs(const tmpl::Value& execution, const std::string& task) {
    for (const auto& run : execution.Get("taskRunList")->AsList())
      if (run.Get("taskId")->AsString() == task) return run.Get("outputs");
    return nullptr;
  }

  fs::path home_;
};

TEST_F(ModelsFlowTest, Level2ExampleClonesAndBuildsTheProject) {
  auto setup =
      testing::RunShell("FLOE_HOME='" + home_.string() + "' " + FLOE_SOURCE_DIR + "/examples/level2_setup 2>&1");
  ASSERT_EQ(setup.exit_code, 0) << setup.out;
  std::string flow = std::string(FLOE_SOURCE_DIR) + "/examples/level2_models.yml";
  std::string repo = (home_ / "repos" / "lakehouse_shop").string();
  auto run = Floe("run " + flow + " --input repository=" + repo + " --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto doc = tmpl::ParseJson(run.out);
  ASSERT_TRUE(doc.ok()) << run.out;
  EXPECT_EQ(doc->Get("state")->AsString(), "SUCCESS");
  const tmpl::Value* build = TaskOutputs(*doc, "build");
  ASSERT_NE(build, nullptr);
  EXPECT_EQ(build->Get("exitCode")->AsInt(), 0);
  EXPECT_EQ(build->Get("summary")->Get("pass")->AsInt(), 33);
  EXPECT_EQ(build->Get("summary")->Get("error")->AsInt(), 0);
  EXPECT_THAT(build->Get("manifest")->AsString(), HasSubstr("manifest.json"));
  EXPECT_THAT(build->Get("runResults")->AsString(), HasSubstr("run_results.json"));
  const tmpl::Value* summary = TaskOutputs(*doc, "summary");
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary->Get("row")->Get("orders")->AsInt(), 18);
  const tmpl::Value* clone = TaskOutputs(*doc, "clone");
  ASSERT_NE(clone, nullptr);
  EXPECT_EQ(clone->Get("commit")->AsString().size(), 40u);

  // Again with a selection: only the marts and their tests run; the
  // incremental model merges into what the first run built.
  auto again = Floe("run " + flow + " --input repository=" + repo + " --input select=tag:marts --json");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  auto second = tmpl::ParseJson(again.out);
  ASSERT_TRUE(second.ok());
  const tmpl::Value* rebuilt = TaskOutputs(*second, "build");
  ASSERT_NE(rebuilt, nullptr);
  EXPECT_GT(rebuilt->Get("summary")->Get("pass")->AsInt(), 0);
  EXPECT_LT(rebuilt->Get("summary")->Get("pass")->AsInt(), 33);
  EXPECT_EQ(TaskOutputs(*second, "summary")->Get("row")->Get("orders")->AsInt(), 18);
}

// A project given as input files: models.Build with select and vars; then a
// broken model fails the DbtCLI task with dbt's message, skips its child,
// and leaves the relation the first build made.
TEST_F(ModelsFlowTest, ModelsBuildSelectsAndAFailingModelFailsTheTask) {
  std::string flow = Write("models.yml", R"(id: models
namespace: t
inputs:
  - id: bad
    type: BOOL
    defaults: false
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      dbt_project.yml: |
        name: p
        profile: p
      models/a.sql: "select {{ '{{' }} var('n', 1) {{ '}}' }} as n{{ inputs.bad ? ' from nowhere' : '' }}"
      models/b.sql: "select n + 1 as m from {{ '{{' }} ref('a') {{ '}}' }}"
      models/c.sql: "select 42 as answer"
    tasks:
      - id: build
        type: models.Build
        select: [+b]
        vars: {n: 5}
        profiles: |
          p:
            target: dev
            outputs:
              dev: {type: duckdb, path: "{{ globals.lake }}/p.duckdb"}
  - id: read
    type: duckdb.Query
    url: "jdbc:duckdb:{{ globals.lake }}/p.duckdb"
    sql: SELECT (SELECT m FROM main.b) AS m, (SELECT count(*) FROM information_schema.tables WHERE table_name = 'c') AS c
    fetchType: FETCH_ONE
)");
  auto good = Floe("run " + flow + " --json");
  ASSERT_EQ(good.exit_code, 0) << good.out;
  auto doc = tmpl::ParseJson(good.out);
  ASSERT_TRUE(doc.ok()) << good.out;
  EXPECT_EQ(TaskOutputs(*doc, "build")->Get("summary")->Get("pass")->AsInt(), 2);
  EXPECT_EQ(TaskOutputs(*doc, "read")->Get("row")->Get("m")->AsInt(), 6);  // var n = 5, c not selected
  EXPECT_EQ(TaskOutputs(*doc, "read")->Get("row")->Get("c")->AsInt(), 0);

  auto bad = Floe("run " + flow + " --input bad=true --json");
  EXPECT_NE(bad.exit_code, 0);
  auto failed = tmpl::ParseJson(bad.out);
  ASSERT_TRUE(failed.ok()) << bad.out;
  EXPECT_EQ(failed->Get("state")->AsString(), "FAILED");
  std::string id = failed->Get("id")->AsString();
  auto logs = Floe("logs " + id);
  EXPECT_THAT(logs.out, HasSubstr("Error in model a (models/a.sql)"));
  EXPECT_THAT(logs.out, HasSubstr("nowhere"));
  EXPECT_THAT(logs.out, HasSubstr("ERROR=1 SKIP=1"));
  EXPECT_THAT(logs.out, HasSubstr("a model, seed, snapshot or test failed"));

  // The failed build left the relations of the good one: read them back.
  std::string read = Write("read.yml", R"(id: read
namespace: t
tasks:
  - id: read
    type: duckdb.Query
    url: "jdbc:duckdb:{{ globals.lake }}/p.duckdb"
    sql: SELECT m FROM main.b
    fetchType: FETCH_ONE
)");
  auto after = Floe("run " + read + " --json");
  ASSERT_EQ(after.exit_code, 0) << after.out;
  auto kept = tmpl::ParseJson(after.out);
  EXPECT_EQ(TaskOutputs(*kept, "read")->Get("row")->Get("m")->AsInt(), 6);
}

// Kestra's DbtCLI with properties floe cannot honour: an error that says
// why, never a silent skip.
TEST_F(ModelsFlowTest, DbtCliRejectsWhatItCannotRun) {
  std::string flow = Write("cli.yml", R"(id: cli
namespace: t
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      dbt_project.yml: "name: p\nprofile: p\n"
      models/a.sql: select 1 as x
    tasks:
      - id: dbt
        type: io.kestra.plugin.dbt.cli.DbtCLI
        beforeCommands: [echo hello]
        commands: [dbt build]
        profiles: "p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: ':memory:'}\n"
)");
  auto run = Floe("run " + flow + " --json");
  EXPECT_NE(run.exit_code, 0);
  auto doc = tmpl::ParseJson(run.out);
  ASSERT_TRUE(doc.ok()) << run.out;
  auto logs = Floe("logs " + doc->Get("id")->AsString());
  EXPECT_THAT(logs.out, HasSubstr("'echo hello' would not run"));
}

}  // namespace
}  // namespace floe
