// A small git repository made with the git CLI, for tests that clone:
//
//   main: one (a.txt "one") -- two (a.txt "two")        HEAD -> main
//   dev:  one -- dev (adds dev.txt "dev")
//   tags: v1 (annotated) and light (lightweight), both at "one"
//
//   test_support::GitRepo repo = test_support::MakeGitRepo(dir_);
//   ASSERT_FALSE(repo.path.empty()) << repo.error;
#pragma once

#include <filesystem>
#include <sstream>
#include <string>

#include "tests/support/shell.h"

namespace floe::test_support {

struct GitRepo {
  std::filesystem::path path;  // empty when it could not be made
  std::string error;           // what git printed then
  std::string one, two, dev;   // the commits' shas
};

// The git CLI without the user's or the system's configuration.
inline std::string GitCommand(const std::string& args) {
  return "env GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com "
         "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com git " +
         args;
}

// Makes the repository at `parent`/origin.
inline GitRepo MakeGitRepo(const std::filesystem::path& parent) {
  std::filesystem::path path = parent / "origin";
  std::string git = GitCommand("-C '" + path.string() + "' ");
  std::string script = "set -e; mkdir -p '" + path.string() + "'; " + git + "init -q -b main; " + "echo one > '" +
                       (path / "a.txt").string() + "'; " + git + "add a.txt; " + git + "commit -qm one; " + git +
                       "tag -a v1 -m v1; " + git + "tag light; " + git + "checkout -qb dev; echo dev > '" +
                       (path / "dev.txt").string() + "'; " + git + "add dev.txt; " + git + "commit -qm dev; " + git +
                       "checkout -q main; echo two > '" + (path / "a.txt").string() + "'; " + git +
                       "commit -qam two; " + git + "rev-parse main~1 main dev";
  floe::testing::CommandResult r = floe::testing::RunShell("sh -c \"" + script + "\" 2>&1");
  GitRepo repo;
  if (r.exit_code != 0) {
    repo.error = r.out;
    return repo;
  }
  std::istringstream shas(r.out);
  shas >> repo.one >> repo.two >> repo.dev;
  repo.path = path;
  return repo;
}

// What `git <args>` prints in `repo`, without the final newline.
inline std::string GitOutput(const std::filesystem::path& repo, const std::string& args) {
  floe::testing::CommandResult r = floe::testing::RunShell(GitCommand("-C '" + repo.string() + "' " + args));
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

}  // namespace floe::test_support
