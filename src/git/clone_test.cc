// Clones of a local repository made with the git CLI; remote failures only
// against closed loopback ports.
#include "git/clone.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "core/id.h"
#include "tests/support/git_repo.h"

namespace floe::git {
namespace {

using test_support::GitOutput;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CloneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_git_test_" + NewId());
    std::filesystem::create_directories(dir_);
    repo_ = test_support::MakeGitRepo(dir_);
    ASSERT_FALSE(repo_.path.empty()) << repo_.error;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CloneOptions Options(std::string name = "clone") {
    return CloneOptions{.url = repo_.path.string(), .directory = dir_ / name};
  }

  std::filesystem::path dir_;
  test_support::GitRepo repo_;
};

TEST_F(CloneTest, DefaultBranchOfAPlainPath) {
  CloneOptions o = Options();
  ASSERT_TRUE(Clone(o).ok());
  EXPECT_EQ(ReadFile(o.directory / "a.txt"), "two\n");
  EXPECT_FALSE(std::filesystem::exists(o.directory / "dev.txt"));
  EXPECT_EQ(*HeadCommit(o.directory), repo_.two);
  EXPECT_EQ(GitOutput(o.directory, "symbolic-ref HEAD"), "refs/heads/main");
  EXPECT_EQ(GitOutput(o.directory, "status --porcelain"), "");
}

TEST_F(CloneTest, FileUrl) {
  CloneOptions o = Options();
  o.url = "file://" + repo_.path.string();
  Status s = Clone(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*HeadCommit(o.directory), repo_.two);
}

TEST_F(CloneTest, NamedBranchTracksItsRemote) {
  CloneOptions o = Options();
  o.branch = "dev";
  Status s = Clone(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadFile(o.directory / "dev.txt"), "dev\n");
  EXPECT_EQ(ReadFile(o.directory / "a.txt"), "one\n");
  EXPECT_EQ(*HeadCommit(o.directory), repo_.dev);
  EXPECT_EQ(GitOutput(o.directory, "symbolic-ref HEAD"), "refs/heads/dev");
  EXPECT_EQ(GitOutput(o.directory, "rev-parse --abbrev-ref dev@{upstream}"), "origin/dev");
  EXPECT_EQ(GitOutput(o.directory, "status --porcelain"), "");
}

TEST_F(CloneTest, DefaultBranchByName) {
  CloneOptions o = Options();
  o.branch = "main";
  Status s = Clone(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*HeadCommit(o.directory), repo_.two);
  EXPECT_EQ(GitOutput(o.directory, "symbolic-ref HEAD"), "refs/heads/main");
}

TEST_F(CloneTest, TagsCheckOutDetached) {
  for (const char* tag : {"v1", "light"}) {
    CloneOptions o = Options(tag);
    o.branch = tag;
    Status s = Clone(o);
    ASSERT_TRUE(s.ok()) << tag << ": " << s.ToString();
    EXPECT_EQ(*HeadCommit(o.directory), repo_.one) << tag;
    EXPECT_EQ(ReadFile(o.directory / "a.txt"), "one\n") << tag;
    EXPECT_EQ(GitOutput(o.directory, "rev-parse --abbrev-ref HEAD"), "HEAD") << tag;  // detached
    EXPECT_EQ(GitOutput(o.directory, "status --porcelain"), "") << tag;
  }
}

TEST_F(CloneTest, CommitFullOrAbbreviated) {
  for (const std::string& sha : {repo_.one, repo_.one.substr(0, 8)}) {
    CloneOptions o = Options("c" + sha);
    o.commit = sha;
    Status s = Clone(o);
    ASSERT_TRUE(s.ok()) << sha << ": " << s.ToString();
    EXPECT_EQ(*HeadCommit(o.directory), repo_.one);
    EXPECT_EQ(ReadFile(o.directory / "a.txt"), "one\n");
    EXPECT_EQ(GitOutput(o.directory, "rev-parse --abbrev-ref HEAD"), "HEAD");
  }
}

TEST_F(CloneTest, CommitWinsOverBranch) {
  CloneOptions o = Options();
  o.branch = "dev";
  o.commit = repo_.one;
  Status s = Clone(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*HeadCommit(o.directory), repo_.one);
  EXPECT_FALSE(std::filesystem::exists(o.directory / "dev.txt"));
}

TEST_F(CloneTest, TagWinsOverBranchAndMustExist) {
  CloneOptions o = Options();
  o.branch = "dev";
  o.tag = "v1";
  Status s = Clone(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*HeadCommit(o.directory), repo_.one);

  CloneOptions missing = Options("missing");
  missing.tag = "v9";
  s = Clone(missing);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("tag 'v9' not found in " + repo_.path.string() + "; tags there: light, v1"));
}

TEST_F(CloneTest, UnknownBranchListsBranchesAndTagsAndLeavesNothing) {
  CloneOptions o = Options();
  o.branch = "nope";
  Status s = Clone(o);
  ASSERT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("branch 'nope' not found in " + repo_.path.string()));
  EXPECT_THAT(s.message(), HasSubstr("branches there: dev, main; tags: light, v1"));
  EXPECT_FALSE(std::filesystem::exists(o.directory));
}

TEST_F(CloneTest, NoTagsFetchesNone) {
  CloneOptions o = Options();
  o.branch = "v1";
  o.no_tags = true;
  Status s = Clone(o);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_THAT(s.message(), Not(HasSubstr("tags:")));
}

TEST_F(CloneTest, UnknownCommitIsNotFoundAndLeavesAnEmptyFolderEmpty) {
  CloneOptions o = Options();
  std::filesystem::create_directories(o.directory);
  o.commit = "0123456789abcdef0123456789abcdef01234567";
  Status s = Clone(o);
  ASSERT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("commit '0123456789abcdef0123456789abcdef01234567' not found"));
  ASSERT_TRUE(std::filesystem::exists(o.directory));
  EXPECT_TRUE(std::filesystem::is_empty(o.directory));
}

TEST_F(CloneTest, MissingRepositoryIsAClearError) {
  CloneOptions o = Options();
  o.url = (dir_ / "missing").string();
  Status s = Clone(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("cannot clone " + o.url));
  EXPECT_FALSE(std::filesystem::exists(o.directory));
}

TEST_F(CloneTest, NonEmptyDestinationIsRefusedAndKept) {
  CloneOptions o = Options();
  std::filesystem::create_directories(o.directory);
  std::ofstream(o.directory / "mine.txt") << "keep";
  Status s = Clone(o);
  ASSERT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("is not empty"));
  EXPECT_EQ(ReadFile(o.directory / "mine.txt"), "keep");
}

TEST_F(CloneTest, UnreachableRemoteNeverShowsThePassword) {
  CloneOptions o = Options();
  o.url = "https://user:s3cr%40t-pass@127.0.0.1:1/x.git";  // a closed loopback port
  o.username = "user";
  o.password = "hunter2-pass";
  Status s = Clone(o);
  ASSERT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.ToString(), HasSubstr("https://127.0.0.1:1/x.git"));
  for (const char* secret : {"s3cr", "hunter2", "user:"}) EXPECT_THAT(s.ToString(), Not(HasSubstr(secret)));
  EXPECT_FALSE(std::filesystem::exists(o.directory));
}

TEST_F(CloneTest, UnreachableSshRemoteNeverShowsTheKey) {
  CloneOptions o = Options();
  o.url = "ssh://git@127.0.0.1:1/x.git";
  o.private_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n";
  o.passphrase = "phrase-of-pass";
  Status s = Clone(o);
  ASSERT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.ToString(), Not(HasSubstr("not-a-real-key")));
  EXPECT_THAT(s.ToString(), Not(HasSubstr("phrase-of-pass")));
}

TEST_F(CloneTest, ConfigIsWrittenToTheClone) {
  CloneOptions o = Options();
  o.config = {{"core.autocrlf", "false"}, {"floe.test.key", "yes"}};
  Status s = Clone(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(GitOutput(o.directory, "config core.autocrlf"), "false");
  EXPECT_EQ(GitOutput(o.directory, "config floe.test.key"), "yes");

  CloneOptions bad = Options("bad");
  bad.config = {{"autocrlf", "false"}};
  EXPECT_EQ(Clone(bad).code(), StatusCode::kInvalidArgument);
}

TEST_F(CloneTest, CancelledCloneLeavesNothing) {
  CloneOptions o = Options();
  o.url = "file://" + repo_.path.string();  // file:// goes through the transport, and its progress callback
  o.cancelled = [] { return true; };
  Status s = Clone(o);
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(o.directory));
}

TEST_F(CloneTest, ConcurrentClones) {
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = Clone(Options("c" + std::to_string(i))); });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(CloneTest, BadOptions) {
  EXPECT_EQ(Clone(CloneOptions{.directory = dir_ / "x"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Clone(CloneOptions{.url = repo_.path.string()}).code(), StatusCode::kInvalidArgument);
  CloneOptions o = Options();
  o.depth = -1;
  EXPECT_EQ(Clone(o).code(), StatusCode::kInvalidArgument);
}

TEST_F(CloneTest, DepthIsAcceptedAndTheCheckoutIsTheSame) {
  CloneOptions o = Options();
  o.depth = 1;
  Status s = Clone(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*HeadCommit(o.directory), repo_.two);
}

TEST_F(CloneTest, HeadCommitOfAFolderThatIsNoRepository) {
  std::filesystem::create_directories(repo_.path / "sub");
  EXPECT_EQ(HeadCommit(repo_.path / "sub").status().code(), StatusCode::kNotFound);  // no search upwards
}

TEST(UrlForMessagesTest, DropsUserInfo) {
  EXPECT_EQ(UrlForMessages("https://u:p@host/x.git"), "https://host/x.git");
  EXPECT_EQ(UrlForMessages("https://token@host:8443/a/b"), "https://host:8443/a/b");
  EXPECT_EQ(UrlForMessages("https://host/a@b"), "https://host/a@b");
  EXPECT_EQ(UrlForMessages("ssh://git@host/x"), "ssh://host/x");
  EXPECT_EQ(UrlForMessages("git@github.com:o/r.git"), "git@github.com:o/r.git");
  EXPECT_EQ(UrlForMessages("/srv/repo"), "/srv/repo");
}

}  // namespace
}  // namespace floe::git
