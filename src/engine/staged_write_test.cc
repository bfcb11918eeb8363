#include "engine/staged_write.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/id.h"

namespace floe::engine {
namespace {

namespace fs = std::filesystem;

class StagedWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floe_staged_" + NewId());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void Write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Names in a folder, sorted; relative paths of files for a tree.
  static std::set<std::string> Tree(const fs::path& root) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (!e.is_directory()) out.insert(fs::relative(e.path(), root).string() + "=" + Read(e.path()));
    return out;
  }
  std::set<std::string> Entries() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.insert(e.path().filename().string());
    return out;
  }
  // A process id that is not running: a child that has exited.
  static long DeadPid() {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status;
    waitpid(pid, &status, 0);
    return pid;
  }

  fs::path dir_;
};

TEST(StagingNameTest, RoundTripsAndRejectsOtherNames) {
  std::string id = "4242-" + NewId();
  std::string name = MakeStagingName("tmp", id, "orders.parquet");
  EXPECT_EQ(name, ".floe-tmp-" + id + ".orders.parquet");
  auto parsed = ParseStagingName(name, "orders.parquet");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->kind, "tmp");
  EXPECT_EQ(parsed->id, id);
  EXPECT_EQ(parsed->pid, 4242);
  EXPECT_TRUE(ParseStagingName(MakeStagingName("commit", id, "o"), "o"));
  EXPECT_FALSE(ParseStagingName(name, "parquet")) << "another target's staging";
  EXPECT_FALSE(ParseStagingName(name, "x.orders.parquet"));
  EXPECT_FALSE(ParseStagingName(MakeStagingName("junk", id, "o"), "o"));
  EXPECT_FALSE(ParseStagingName(".floe-tmp-x-" + NewId() + ".o", "o")) << "no pid";
  EXPECT_FALSE(ParseStagingName("orders.parquet", "orders.parquet"));
}

TEST_F(StagedWriteTest, AFileReplacesTheOldOneOnlyOnCommit) {
  fs::path target = dir_ / "out.csv";
  Write(target, "old");
  auto w = StagedWrite::Begin(target.string(), ExistingOutput::kRefuse, nullptr);
  ASSERT_TRUE(w.ok() && *w) << w.status().ToString();
  fs::path staging((*w)->staging());
  EXPECT_EQ(staging.parent_path(), dir_);
  EXPECT_TRUE(staging.filename().string().starts_with(".floe-tmp-"));
  EXPECT_TRUE(staging.filename().string().ends_with(".out.csv")) << "keeps the extension";
  Write(staging, "new");
  EXPECT_EQ(Read(target), "old");
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(Read(target), "new");
  EXPECT_EQ(Entries(), std::set<std::string>{"out.csv"});
}

TEST_F(StagedWriteTest, AFolderIsSwappedWholeOnCommit) {
  fs::path target = dir_ / "orders";
  Write(target / "region=eu/a.parquet", "old a");
  Write(target / "region=us/b.parquet", "old b");
  auto w = StagedWrite::Begin(target.string() + "/", ExistingOutput::kReplace, nullptr);
  ASSERT_TRUE(w.ok() && *w) << w.status().ToString();
  Write(fs::path((*w)->staging()) / "region=eu/c.parquet", "new c");
  EXPECT_EQ(Tree(target), (std::set<std::string>{"region=eu/a.parquet=old a", "region=us/b.parquet=old b"}));
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(Tree(target), std::set<std::string>{"region=eu/c.parquet=new c"});
  EXPECT_EQ(Entries(), std::set<std::string>{"orders"}) << "the old folder is gone";
}

TEST_F(StagedWriteTest, KeepingOldFilesMergesThemUnderTheNewOnes) {
  fs::path target = dir_ / "orders";
  Write(target / "region=eu/a.parquet", "old a");
  Write(target / "region=us/b.parquet", "old b");
  auto w = StagedWrite::Begin(target.string(), ExistingOutput::kKeep, nullptr);
  ASSERT_TRUE(w.ok() && *w);
  Write(fs::path((*w)->staging()) / "region=us/b.parquet", "new b");
  Write(fs::path((*w)->staging()) / "region=asia/c.parquet", "new c");
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(Tree(target), (std::set<std::string>{"region=asia/c.parquet=new c", "region=eu/a.parquet=old a",
                                                 "region=us/b.parquet=new b"}));
  EXPECT_EQ(Entries(), std::set<std::string>{"orders"});
}

TEST_F(StagedWriteTest, RefusingLeavesANonEmptyFolderToDuckDb) {
  fs::path target = dir_ / "orders";
  Write(target / "a.parquet", "old");
  auto w = StagedWrite::Begin(target.string(), ExistingOutput::kRefuse, nullptr);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, nullptr) << "DuckDB reports the folder is not empty";
  fs::remove(target / "a.parquet");
  w = StagedWrite::Begin(target.string(), ExistingOutput::kRefuse, nullptr);
  ASSERT_TRUE(w.ok() && *w) << "an empty folder is written";
}

TEST_F(StagedWriteTest, AnUncommittedWriteLeavesNothing) {
  fs::path target = dir_ / "orders";
  Write(target / "a.parquet", "old");
  {
    auto w = StagedWrite::Begin(target.string(), ExistingOutput::kReplace, nullptr);
    ASSERT_TRUE(w.ok() && *w);
    Write(fs::path((*w)->staging()) / "half.parquet", "half");
  }
  EXPECT_EQ(Tree(target), std::set<std::string>{"a.parquet=old"});
  EXPECT_EQ(Entries(), std::set<std::string>{"orders"});
}

TEST_F(StagedWriteTest, NothingStagedLeavesTheTarget) {
  Write(dir_ / "orders/a.parquet", "old");
  auto w = StagedWrite::Begin((dir_ / "orders").string(), ExistingOutput::kReplace, nullptr);
  ASSERT_TRUE(w.ok() && *w);
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(Tree(dir_ / "orders"), std::set<std::string>{"a.parquet=old"});
}

// What a SIGKILL leaves: staging of a dead process (removed by the next
// write), a commit cut between its two renames (rolled back), and a live
// process's staging (left alone).
TEST_F(StagedWriteTest, TheNextWriteCleansWhatKilledWritesLeft) {
  std::string dead = std::to_string(DeadPid()) + "-" + NewId();
  std::string live = std::to_string(getppid()) + "-" + NewId();
  Write(dir_ / MakeStagingName("tmp", dead, "orders") / "half.parquet", "no footer");
  Write(dir_ / MakeStagingName("old", dead, "orders") / "a.parquet", "old a");
  Write(dir_ / MakeStagingName("tmp", live, "orders") / "busy.parquet", "being written");
  Write(dir_ / MakeStagingName("tmp", dead, "other") / "x.parquet", "another target's");
  ASSERT_TRUE(CleanLocalStaging((dir_ / "orders").string()).ok());
  EXPECT_EQ(Tree(dir_ / "orders"), std::set<std::string>{"a.parquet=old a"}) << "the moved-aside folder is back";
  EXPECT_EQ(Entries(), (std::set<std::string>{"orders", MakeStagingName("tmp", live, "orders"),
                                              MakeStagingName("tmp", dead, "other")}));

  // With the target present, a moved-aside folder is stale and goes.
  Write(dir_ / MakeStagingName("old", dead, "orders") / "a.parquet", "older");
  auto w = StagedWrite::Begin((dir_ / "orders").string(), ExistingOutput::kReplace, nullptr);
  ASSERT_TRUE(w.ok() && *w);
  EXPECT_FALSE(fs::exists(dir_ / MakeStagingName("old", dead, "orders")));
  EXPECT_EQ(Tree(dir_ / "orders"), std::set<std::string>{"a.parquet=old a"});
}

TEST_F(StagedWriteTest, OtherTargetsAreWrittenAsIs) {
  for (std::string target : {"/", ".", "http://example.com/x.csv", "/dev/null"}) {
    auto w = StagedWrite::Begin(target, ExistingOutput::kReplace, nullptr);
    ASSERT_TRUE(w.ok()) << target;
    EXPECT_EQ(*w, nullptr) << target;
  }
  auto w = StagedWrite::Begin("s3://bucket/x", ExistingOutput::kReplace, nullptr);
  EXPECT_FALSE(w.ok()) << "s3:// needs a client";
}

}  // namespace
}  // namespace floe::engine
