// Cloning git repositories (libgit2, kept private to this module).
//
// Clone() makes a working copy of a repository reached by a local path,
// file://, https:// or ssh (ssh://host/path or user@host:path), checked out at
// the remote's default branch, a named branch, a tag or a commit. Errors name
// the URL without its user:password part and never hold a password, key or
// passphrase.
//
//   git::CloneOptions options{.url = "https://github.com/dbt-labs/jaffle_shop",
//                             .directory = work / "jaffle_shop", .branch = "main"};
//   RETURN_IF_ERROR(git::Clone(options));
//   ASSIGN_OR_RETURN(std::string sha, git::HeadCommit(options.directory));
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace floe::git {

struct CloneOptions {
  // What to clone: a local path, file://, http(s):// or an ssh URL.
  std::string url;
  // Where: created if missing; must be empty if it exists.
  std::filesystem::path directory;
  // A branch or a tag of the remote; empty: the remote's default branch. A
  // branch is checked out as a local branch tracking origin/<branch>, a tag
  // as a detached HEAD.
  std::string branch;
  // A tag to check out, detached.
  std::string tag;
  // A commit (full or abbreviated sha, or any revision libgit2 resolves) to
  // check out, detached.
  std::string commit;
  // When several of branch, tag and commit are set, each must exist and the
  // most precise wins: commit, then tag, then branch (as Kestra's git.Clone).
  // Shallow clone depth (0: full history). libgit2 1.5 (Debian 12) cannot
  // clone shallow, so with it a depth is accepted and the whole history is
  // fetched: the files checked out are the same, only the transfer is larger,
  // and refusing would break every Kestra flow (Kestra's default depth is 1).
  // Callers tell their users (the git.Clone task logs it); see
  // ShallowCloneSupported(). Negative: InvalidArgument.
  int depth = 0;
  // Tags: false fetches every tag of the remote; true fetches none (then a
  // tag in `branch` is not found).
  bool no_tags = false;
  // Credentials, offered when the server asks for them: `username` and
  // `password` (or a token) for http(s); `private_key` (the PEM or OpenSSH
  // text itself, not a file name) with its `passphrase` for ssh, as the
  // user in the URL or else `username`, or else "git".
  std::string username;
  std::string password;
  std::string private_key;
  std::string passphrase;
  // false: connect directly. true: use the proxy git would (http.proxy in
  // the git configuration, then $https_proxy/$http_proxy).
  bool use_proxy = true;
  // Written to the clone's .git/config once it is made ("core.autocrlf" ->
  // "false"); keys are section.name or section.subsection.name.
  std::vector<std::pair<std::string, std::string>> config;
  // Asked while objects arrive; true stops the clone with a Cancelled
  // status and removes what was written.
  std::function<bool()> cancelled;
};

// Clones `options.url` into `options.directory`. On success the directory
// holds the repository (.git) and the checked-out files; on any failure it is
// left as it was found (absent, or empty). Errors: InvalidArgument (bad
// options), FailedPrecondition (the directory is not empty), NotFound (no
// such repository, branch, tag or commit; a missing branch's error lists the
// branches and tags there are), Unavailable (the remote cannot be reached),
// Cancelled, IoError/Internal otherwise. SSH host keys are not checked
// against known_hosts: libgit2 1.5 does not, and floe does not yet either.
// Thread-safe: clones may run concurrently into different directories.
Status Clone(const CloneOptions& options);

// The sha of the commit HEAD points to in the repository at `directory`.
// NotFound when it is no repository or HEAD has no commit yet.
Result<std::string> HeadCommit(const std::filesystem::path& directory);

// Whether this build's libgit2 can clone shallow (CloneOptions::depth).
bool ShallowCloneSupported();

// `url` without a user:password@ part, for messages ("https://host/x.git").
std::string UrlForMessages(std::string_view url);

}  // namespace floe::git
