#include "exec/local_file_access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace floe::exec {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class LocalFileAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("floe_access_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "_files" / "team.a" / "sub");
    fs::create_directories(root_ / "_files" / "team.b");
    fs::create_directories(root_ / "shared");
    std::ofstream(root_ / "_files" / "team.a" / "sub" / "mine.txt") << "mine";
    std::ofstream(root_ / "_files" / "team.b" / "theirs.txt") << "theirs";
    std::ofstream(root_ / "shared" / "data.csv") << "a,b";
    fs::create_symlink("/etc/passwd", root_ / "_files" / "team.a" / "escape");
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
};

TEST_F(LocalFileAccessTest, ReadsTheNamespacesOwnFiles) {
  LocalFileAccess files(root_ / "_files" / "team.a", {});
  auto f = files.Resolve("sub/mine.txt");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->filename(), "mine.txt");
  EXPECT_EQ(files.Resolve("sub/none.txt").status().code(), StatusCode::kNotFound);
}

TEST_F(LocalFileAccessTest, RefusesHostFilesOtherNamespacesAndEscapes) {
  LocalFileAccess files(root_ / "_files" / "team.a", {});
  for (const std::string& path : std::vector<std::string>{
           "/etc/passwd", "file:///etc/passwd", "../team.b/theirs.txt", "sub/../../team.b/theirs.txt", "escape",
           (root_ / "shared" / "data.csv").string(), "file://etc/passwd"}) {
    auto f = files.Resolve(path);
    EXPECT_FALSE(f.ok()) << path;
    // The error names the path as given, never the folders looked in.
    EXPECT_THAT(f.status().ToString(), Not(HasSubstr("_files"))) << path;
  }
  EXPECT_THAT(files.Resolve("/etc/passwd").status().ToString(), HasSubstr("FLOE_ALLOWED_PATHS"));
  // Not relative to floe's working folder either.
  LocalFileAccess none;
  EXPECT_FALSE(none.Resolve("CMakeLists.txt").ok());
}

TEST_F(LocalFileAccessTest, AllowedFoldersAreReadable) {
  LocalFileAccess files(root_ / "_files" / "team.a", {root_ / "shared"});
  EXPECT_TRUE(files.Resolve((root_ / "shared" / "data.csv").string()).ok());
  EXPECT_TRUE(files.Resolve("file://" + (root_ / "shared" / "data.csv").string()).ok());
  EXPECT_FALSE(files.Resolve((root_ / "shared" / ".." / "_files" / "team.b" / "theirs.txt").string()).ok());
  // A folder whose name merely starts like an allowed one is not inside it.
  fs::create_directories(root_ / "shared2");
  std::ofstream(root_ / "shared2" / "x") << "x";
  EXPECT_FALSE(files.Resolve((root_ / "shared2" / "x").string()).ok());
}

}  // namespace
}  // namespace floe::exec
