#include "flow/folder_sync.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/id.h"

namespace floe::flow {
namespace {

namespace fs = std::filesystem;

const TaskRegistry& Registry() {
  static const TaskRegistry registry = [] {
    TaskRegistry r;
    r.Register({.name = "core.Log", .aliases = {"io.kestra.plugin.core.log.Log"}, .factory = [] {
                  return std::unique_ptr<Task>();
                }});
    return r;
  }();
  return registry;
}

std::string Flow(const std::string& ns, const std::string& id) {
  return "id: " + id + "\nnamespace: " + ns + "\ntasks:\n  - id: t\n    type: core.Log\n";
}

class FolderSyncTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fs::temp_directory_path() / ("floe_sync_" + NewId()); }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  fs::path dir_;
};

TEST_F(FolderSyncTest, ReadsFlowsAndNamespaceFilesInScope) {
  Write("a.yml", Flow("company.team", "a"));
  Write("nested/b.yaml", Flow("company.team.sub", "b"));
  Write("other/c.yml", Flow("other", "c"));
  Write("_files/company.team/queries/q.sql", "select 1");
  Write("_files/other/x.txt", "x");
  Write(".git/config.yml", "not a flow");
  auto all = ReadFlowFolder(dir_, Registry(), {});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->flows.size(), 3u);
  EXPECT_EQ(all->files.size(), 2u);
  EXPECT_EQ(all->files.at("company.team:/queries/q.sql"), "select 1");
  EXPECT_EQ(all->namespaces, (std::vector<std::string>{"company.team", "company.team.sub", "other"}));

  auto team = ReadFlowFolder(dir_, Registry(), {.namespace_ = "company.team", .include_children = false});
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(team->flows.size(), 1u);
  EXPECT_TRUE(team->flows.count("company.team/a"));
  EXPECT_EQ(team->files.size(), 1u);
  auto with_children = ReadFlowFolder(dir_, Registry(), {.namespace_ = "company.team"});
  EXPECT_EQ(with_children->flows.size(), 2u);
  EXPECT_EQ(SplitSyncKey("company.team/a"), (std::pair<std::string, std::string>{"company.team", "a"}));
  EXPECT_EQ(SplitSyncKey("company.team:/q/a.sql"), (std::pair<std::string, std::string>{"company.team", "/q/a.sql"}));
}

TEST_F(FolderSyncTest, ABrokenFlowStopsTheWholeSync) {
  Write("a.yml", Flow("company.team", "a"));
  Write("b.yml", "id: b\nnamespace: company.team\ntasks:\n  - id: t\n    type: no.Such\n");
  auto read = ReadFlowFolder(dir_, Registry(), {});
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().ToString().find("nothing was synced"), std::string::npos);
  EXPECT_EQ(read.status().location().line, 5);
}

TEST(SyncPlanTest, AddsChangesAndDeletesOnlyWhenAsked) {
  std::map<SyncKey, std::string> wanted{{"n/a", "1"}, {"n/b", "2"}, {"n/c", "3"}};
  std::map<SyncKey, std::string> existing{{"n/b", "2"}, {"n/c", "old"}, {"n/d", "4"}};
  SyncPlan keep = PlanSync(wanted, existing, false);
  EXPECT_EQ(keep.added, std::vector<SyncKey>{"n/a"});
  EXPECT_EQ(keep.changed, std::vector<SyncKey>{"n/c"});
  EXPECT_TRUE(keep.deleted.empty());
  EXPECT_EQ(keep.unchanged, 1u);
  SyncPlan prune = PlanSync(wanted, existing, true);
  EXPECT_EQ(prune.deleted, std::vector<SyncKey>{"n/d"});
  EXPECT_EQ(DescribePlan(prune, "flow"), "+ flow n/a\n~ flow n/c\n- flow n/d\n");
  EXPECT_TRUE(PlanSync(wanted, wanted, true).empty());
}

}  // namespace
}  // namespace floe::flow
