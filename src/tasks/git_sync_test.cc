// git.SyncFlows and git.SyncNamespaceFiles through the real executor, from a
// repository made with the git CLI into the executor's flows folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "flow/repository.h"
#include "tests/support/builtin_tasks.h"
#include "tests/support/executor_fixture.h"
#include "tests/support/git_repo.h"

namespace floe::tasks {
namespace {

namespace fs = std::filesystem;
using state::State;
using ::testing::HasSubstr;

std::string Flow(const std::string& ns, const std::string& id, const std::string& message) {
  return "id: " + id + "\nnamespace: " + ns +
         "\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: " + message + "\n";
}

class GitSyncTest : public floe::test_support::ExecutorFixture {
 protected:
  const flow::TaskRegistry& Registry() override { return test_support::BuiltinTasks(); }
  void Tune(exec::ExecutorSettings& settings) override {
    settings.flows_dir = dir_ / "flows";
    settings.namespace_files = dir_ / "flows" / "_files";
  }
  void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // Commits the repository's files as they are now.
  void Commit() {
    std::string git = test_support::GitCommand("-C '" + repo_.string() + "' ");
    std::string script = "set -e; cd '" + repo_.string() + "'; [ -d .git ] || " + git + "init -q -b main; " + git +
                         "add -A; " + git + "commit -qm sync --allow-empty";
    ASSERT_EQ(std::system(("sh -c \"" + script + "\" > /dev/null 2>&1").c_str()), 0);
  }
  state::Execution Sync(const std::string& extra) {
    return Run("id: sync\nnamespace: ops\ntasks:\n  - id: flows\n    type: io.kestra.plugin.git.SyncFlows\n    url: " +
               repo_.string() + "\n    targetNamespace: company\n    includeChildNamespaces: true\n" + extra);
  }
  void SetUp() override {
    ExecutorFixture::SetUp();
    repo_ = dir_ / "repo";
  }
  fs::path repo_;
};

TEST_F(GitSyncTest, FlowsAreAddedUpdatedAndDeletedOnlyWhenAsked) {
  Write(repo_ / "_flows" / "a.yml", Flow("company", "a", "one"));
  Write(repo_ / "_flows" / "team" / "b.yml", Flow("company.team", "b", "one"));
  Write(repo_ / "_flows" / "c.yml", Flow("elsewhere", "c", "one"));
  Commit();
  state::Execution first = Sync("");
  ASSERT_EQ(first.state, State::kSuccess) << first.error;
  EXPECT_TRUE(fs::exists(dir_ / "flows" / "company" / "a.yml"));
  EXPECT_TRUE(fs::exists(dir_ / "flows" / "company.team" / "b.yml"));
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "elsewhere"));  // outside targetNamespace
  std::string logs;
  for (const auto& m : Messages(first.id)) logs += m + "\n";
  EXPECT_THAT(logs, HasSubstr("+ flow company/a"));
  EXPECT_THAT(logs, HasSubstr("1 flow(s) of the repository are outside namespace company"));

  // A flow the folder has that the repository lacks stays without delete: true.
  Write(dir_ / "flows" / "mine.yml", Flow("company", "mine", "local"));
  Write(repo_ / "_flows" / "a.yml", Flow("company", "a", "two"));
  fs::remove(repo_ / "_flows" / "team" / "b.yml");
  Commit();
  state::Execution second = Sync("");
  ASSERT_EQ(second.state, State::kSuccess) << (second.task_runs.empty() ? second.error : second.task_runs[0].error);
  EXPECT_TRUE(fs::exists(dir_ / "flows" / "mine.yml"));
  EXPECT_TRUE(fs::exists(dir_ / "flows" / "company.team" / "b.yml"));
  auto a = flow::LoadFlowFile(dir_ / "flows" / "company" / "a.yml", Registry());
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(a->source, HasSubstr("message: two"));

  // dryRun changes nothing; delete: true removes what the repository lacks.
  ASSERT_EQ(Sync("    delete: true\n    dryRun: true\n").state, State::kSuccess);
  EXPECT_TRUE(fs::exists(dir_ / "flows" / "mine.yml"));
  state::Execution pruned = Sync("    delete: true\n");
  ASSERT_EQ(pruned.state, State::kSuccess);
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "mine.yml"));
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "company.team" / "b.yml"));
  EXPECT_TRUE(fs::exists(dir_ / "flows" / "company" / "a.yml"));
  tmpl::Value out = *tmpl::ParseJson(pruned.task_runs[0].outputs_json);
  EXPECT_EQ(out.Get("flows")->AsList().size(), 2u);
}

TEST_F(GitSyncTest, ABrokenFlowInTheRepositoryChangesNothing) {
  Write(repo_ / "_flows" / "a.yml", Flow("company", "a", "one"));
  Write(repo_ / "_flows" / "bad.yml", "id: bad\nnamespace: company\ntasks:\n  - id: t\n    type: no.Such\n");
  Commit();
  state::Execution e = Sync("");
  EXPECT_EQ(e.state, State::kFailed);
  EXPECT_THAT(e.task_runs[0].error, HasSubstr("nothing was synced"));
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "company"));
}

TEST_F(GitSyncTest, NamespaceFilesFollowTheRepository) {
  Write(repo_ / "_files" / "queries" / "a.sql", "select 1");
  Write(repo_ / "_files" / "b.txt", "b");
  Commit();
  Write(dir_ / "flows" / "_files" / "company" / "old.txt", "old");
  std::string flow =
      "id: sync\nnamespace: ops\ntasks:\n  - id: files\n    type: io.kestra.plugin.git.SyncNamespaceFiles\n    url: " +
      repo_.string() + "\n    namespace: company\n    delete: true\n";
  state::Execution e = Run(flow);
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  std::ifstream in(dir_ / "flows" / "_files" / "company" / "queries" / "a.sql");
  std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(sql, "select 1");
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "_files" / "company" / "old.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "_files" / "company" / ".git"));
}

}  // namespace
}  // namespace floe::tasks
