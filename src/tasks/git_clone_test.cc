// git.Clone run through the real executor, cloning a repository made with
// the git CLI; remote failures only against a closed loopback port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tasks/builtin.h"
#include "tests/support/builtin_tasks.h"
#include "tests/support/executor_fixture.h"
#include "tests/support/git_repo.h"

namespace floe::tasks {
namespace {

using state::State;
using ::testing::HasSubstr;
using ::testing::Not;

const flow::TaskRegistry& TestTasks() { return test_support::BuiltinTasks(); }

class GitCloneTest : public floe::test_support::ExecutorFixture {
 protected:
  const flow::TaskRegistry& Registry() override { return TestTasks(); }

  void SetUp() override {
    ExecutorFixture::SetUp();
    repo_ = test_support::MakeGitRepo(dir_);
    ASSERT_FALSE(repo_.path.empty()) << repo_.error;
  }

  // Replaces REPO in a flow with the test repository's path.
  state::Execution RunWithRepo(std::string yaml) {
    for (size_t at; (at = yaml.find("REPO")) != std::string::npos;) yaml.replace(at, 4, repo_.path.string());
    return Run(std::move(yaml));
  }

  static const state::TaskRun& RunOf(const state::Execution& e, const std::string& task) {
    for (const auto& r : e.task_runs)
      if (r.task_id == task) return r;
    static const state::TaskRun kNone;
    ADD_FAILURE() << "no run of " << task;
    return kNone;
  }

  std::string AllMessages(const state::Execution& e) {
    std::string out;
    for (const auto& m : Messages(e.id)) out += m + "\n";
    return out;
  }

  test_support::GitRepo repo_;
};

TEST_F(GitCloneTest, ClonesABranchForTheNextTasksOfAWorkingDirectory) {
  state::Execution e = RunWithRepo(R"(id: f
namespace: dev
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: REPO
        branch: dev
        depth: 1
      - id: read
        type: scripts.Shell
        commands: ["cat dev.txt a.txt"]
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  tmpl::Value out = *tmpl::ParseJson(RunOf(e, "clone").outputs_json);
  EXPECT_EQ(out.Get("commit")->AsString(), repo_.dev);
  EXPECT_TRUE(std::filesystem::path(out.Get("directory")->AsString()).is_absolute());
  std::string logs = AllMessages(e);
  EXPECT_THAT(logs, HasSubstr("read: dev"));
  EXPECT_THAT(logs, HasSubstr("read: one"));
  EXPECT_THAT(logs, HasSubstr("clone: depth 1: this floe's libgit2 cannot clone shallow"));
}

TEST_F(GitCloneTest, CommitIntoADirectory) {
  state::Execution e = RunWithRepo(R"(id: f
namespace: dev
tasks:
  - id: wd
    type: flow.WorkingDirectory
    tasks:
      - id: clone
        type: git.Clone
        url: "file://REPO"
        commit: ")" + repo_.one.substr(0, 10) +
                                   R"("
        directory: src/repo
        gitConfig:
          core.autocrlf: false
      - id: read
        type: scripts.Shell
        commands: ["cat src/repo/a.txt", "git -C src/repo config core.autocrlf"]
)");
  ASSERT_EQ(e.state, State::kSuccess) << e.error;
  tmpl::Value out = *tmpl::ParseJson(RunOf(e, "clone").outputs_json);
  EXPECT_EQ(out.Get("commit")->AsString(), repo_.one);
  EXPECT_THAT(out.Get("directory")->AsString(), ::testing::EndsWith("/src/repo"));
  std::string logs = AllMessages(e);
  EXPECT_THAT(logs, HasSubstr("read: one"));
  EXPECT_THAT(logs, HasSubstr("read: false"));
}

TEST_F(GitCloneTest, DirectoryMustStayInTheWorkingDirectory) {
  for (const char* directory : {"../out", "/tmp/x", "a/../../b"}) {
    state::Execution e = RunWithRepo(std::string("id: f\nnamespace: dev\ntasks:\n  - id: clone\n    type: git.Clone\n"
                                                 "    url: REPO\n    directory: \"") +
                                     directory + "\"\n");
    EXPECT_EQ(e.state, State::kFailed) << directory;
    EXPECT_THAT(RunOf(e, "clone").error, HasSubstr("must be a relative folder name without '..'")) << directory;
  }
}

TEST_F(GitCloneTest, UnknownBranchNamesTheBranchesThere) {
  state::Execution e = RunWithRepo(R"(id: f
namespace: dev
tasks:
  - id: clone
    type: git.Clone
    url: REPO
    branch: nope
)");
  ASSERT_EQ(e.state, State::kFailed);
  std::string error = RunOf(e, "clone").error;
  EXPECT_THAT(error, HasSubstr("property 'branch'"));
  EXPECT_THAT(error, HasSubstr("branch 'nope' not found in " + repo_.path.string() + "; branches there: dev, main"));
}

TEST_F(GitCloneTest, CredentialsAppearNowhere) {
  state::Execution e = Run(R"(id: f
namespace: dev
tasks:
  - id: clone
    type: git.Clone
    url: "https://someone:url-secret-1@127.0.0.1:1/x.git"
    username: someone
    password: "{{ 'password-secret-2' }}"
    privateKey: "key-secret-3"
    passphrase: "phrase-secret-4"
)");
  ASSERT_EQ(e.state, State::kFailed);
  std::string all = RunOf(e, "clone").error + "\n" + e.error + "\n" + AllMessages(e);
  EXPECT_THAT(all, HasSubstr("https://127.0.0.1:1/x.git"));
  for (const char* secret : {"url-secret-1", "password-secret-2", "key-secret-3", "phrase-secret-4"})
    EXPECT_THAT(all, Not(HasSubstr(secret)));
}

TEST_F(GitCloneTest, KestraPropertiesFloeCannotHonourAreErrors) {
  struct Case {
    const char* yaml;
    const char* error;
  };
  for (const Case& c : {Case{"cloneSubmodules: true", "floe does not clone submodules"},
                        Case{"cloneAllBranches: false", "floe always fetches every branch"},
                        Case{"connectTimeout: 5000", "no per-clone connect timeout"},
                        Case{"trustedCaPemPath: /etc/ca.pem", "system's trust store"},
                        Case{"cache: true", "does not cache repositories"}}) {
    state::Execution e = RunWithRepo(std::string("id: f\nnamespace: dev\ntasks:\n  - id: clone\n    type: git.Clone\n"
                                                 "    url: REPO\n    ") +
                                     c.yaml + "\n");
    EXPECT_EQ(e.state, State::kFailed) << c.yaml;
    EXPECT_THAT(RunOf(e, "clone").error, HasSubstr(c.error)) << c.yaml;
  }
  // Kestra's defaults, written out, are fine.
  state::Execution e = RunWithRepo(R"(id: f
namespace: dev
tasks:
  - id: clone
    type: git.Clone
    url: REPO
    cloneSubmodules: false
    cloneAllBranches: true
    cache: false
    noTags: true
)");
  EXPECT_EQ(e.state, State::kSuccess) << e.error;
}

}  // namespace
}  // namespace floe::tasks
