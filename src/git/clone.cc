#include "git/clone.h"

#include <git2.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <system_error>

#include "core/strings.h"

namespace floe::git {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using RepositoryPtr = std::unique_ptr<git_repository, Freer<git_repository, git_repository_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Freer<git_reference, git_reference_free>>;
using ObjectPtr = std::unique_ptr<git_object, Freer<git_object, git_object_free>>;
using ConfigPtr = std::unique_ptr<git_config, Freer<git_config, git_config_free>>;
using BranchIteratorPtr = std::unique_ptr<git_branch_iterator, Freer<git_branch_iterator, git_branch_iterator_free>>;

// libgit2's message for the last failure on this thread (it keeps them per
// thread).
std::string LastError() {
  const git_error* e = git_error_last();
  return e != nullptr && e->message != nullptr ? e->message : "unknown libgit2 error";
}

// libgit2 is initialized once per process and never shut down: clones may
// run on any thread at any time, and a shutdown racing a clone would pull
// its global state away. A function-local static is initialized exactly once
// even when threads arrive together.
Status EnsureInitialized() {
  struct Init {
    int code;
    std::string error;
  };
  static const Init init = [] {
    int code = git_libgit2_init();
    return Init{code, code < 0 ? LastError() : std::string()};
  }();
  if (init.code < 0) return Internal("cannot initialize libgit2: " + init.error);
  return Status::Ok();
}

// The parts of a message that must never be shown: the password, the
// passphrase, the key and the URL's user:password, in every form a
// library message might hold them.
class Redactor {
 public:
  explicit Redactor(const CloneOptions& options) : url_(options.url), shown_url_(UrlForMessages(options.url)) {
    Add(options.password);
    Add(options.passphrase);
    Add(options.private_key);
    size_t scheme = url_.find("://");
    if (scheme != std::string::npos) {
      size_t start = scheme + 3;
      size_t end = url_.find('/', start);
      std::string authority = url_.substr(start, end == std::string::npos ? std::string::npos : end - start);
      size_t at = authority.rfind('@');
      if (at != std::string::npos) {
        std::string userinfo = authority.substr(0, at);
        size_t colon = userinfo.find(':');
        if (colon != std::string::npos) {
          Add(userinfo.substr(colon + 1));
          Add(UrlDecode(userinfo.substr(colon + 1)));
        }
        Add(userinfo);
      }
    }
  }

  std::string operator()(std::string message) const {
    if (url_ != shown_url_) Replace(message, url_, shown_url_);
    for (const auto& secret : secrets_) Replace(message, secret, "******");
    return message;
  }

  const std::string& url() const { return shown_url_; }

 private:
  // Values shorter than 3 characters would mask ordinary words; as
  // elsewhere in floe (SecretMask), they are not masked.
  void Add(const std::string& secret) {
    if (secret.size() >= 3) secrets_.push_back(secret);
  }
  static void Replace(std::string& s, const std::string& what, const std::string& with) {
    for (size_t at = 0; (at = s.find(what, at)) != std::string::npos; at += with.size())
      s.replace(at, what.size(), with);
  }

  std::string url_;
  std::string shown_url_;
  std::vector<std::string> secrets_;
};

// What libgit2's callbacks share with the clone that set them.
struct CallbackState {
  const CloneOptions* options = nullptr;
  // Each kind of credential is offered once: libgit2 asks again after the
  // server refused one, and offering the same again would loop.
  unsigned int offered = 0;
  bool cancelled = false;
  std::string error;  // set when a callback fails the clone; holds no secret
};

int Refuse(CallbackState& state, std::string message) {
  state.error = std::move(message);
  git_error_set_str(GIT_ERROR_CALLBACK, state.error.c_str());
  return GIT_EAUTH;
}

int OfferCredential(git_credential** out, const char* /*url*/, const char* username_from_url,
                    unsigned int allowed_types, void* payload) {
  auto& state = *static_cast<CallbackState*>(payload);
  const CloneOptions& o = *state.options;
  std::string user = username_from_url != nullptr && *username_from_url != '\0' ? username_from_url
                     : !o.username.empty()                                      ? o.username
                                                                                : "git";
  if ((allowed_types & GIT_CREDENTIAL_USERNAME) != 0 && (state.offered & GIT_CREDENTIAL_USERNAME) == 0) {
    state.offered |= GIT_CREDENTIAL_USERNAME;
    return git_credential_username_new(out, user.c_str());
  }
  unsigned int ssh = GIT_CREDENTIAL_SSH_MEMORY | GIT_CREDENTIAL_SSH_KEY;
  if ((allowed_types & ssh) != 0 && !o.private_key.empty()) {
    if ((state.offered & ssh) != 0) return Refuse(state, "the server refused the private key for user '" + user + "'");
    if ((allowed_types & GIT_CREDENTIAL_SSH_MEMORY) == 0)
      return Refuse(state, "this libgit2 cannot use a private key held in memory");
    state.offered |= ssh;
    return git_credential_ssh_key_memory_new(out, user.c_str(), nullptr, o.private_key.c_str(),
                                             o.passphrase.empty() ? nullptr : o.passphrase.c_str());
  }
  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && !o.password.empty()) {
    if ((state.offered & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0)
      return Refuse(state, "the server refused the username and password");
    state.offered |= GIT_CREDENTIAL_USERPASS_PLAINTEXT;
    // A token alone (GitHub, GitLab) takes any non-empty user name.
    std::string name = !o.username.empty() ? o.username : user;
    return git_credential_userpass_plaintext_new(out, name.c_str(), o.password.c_str());
  }
  if ((allowed_types & ssh) != 0) return Refuse(state, "the server asks for an SSH key; set a private key");
  return Refuse(state, "the server asks for credentials; set a username and password (or token)");
}

int OnTransfer(const git_indexer_progress* /*progress*/, void* payload) {
  auto& state = *static_cast<CallbackState*>(payload);
  if (state.options->cancelled && state.options->cancelled()) {
    state.cancelled = true;
    return GIT_EUSER;
  }
  return 0;
}

// Puts the destination back as Clone found it: absent, or empty.
void RemoveClone(const fs::path& directory, bool existed) {
  std::error_code ec;  // ignored: best effort on a path that already failed
  if (!existed) {
    fs::remove_all(directory, ec);
    return;
  }
  for (const auto& entry : fs::directory_iterator(directory, ec)) fs::remove_all(entry.path(), ec);
}

// The folder a URL names when it is local (a path or file://); nullopt for
// a remote one (scheme://, or scp-like user@host:path).
std::optional<fs::path> LocalPath(std::string_view url) {
  if (url.starts_with("file://")) return fs::path(std::string(url.substr(7)));
  if (url.find("://") != std::string_view::npos) return std::nullopt;
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) return std::nullopt;
  return fs::path(std::string(url));
}

Status CloneFailure(int code, const CallbackState& state, const CloneOptions& o, const Redactor& redact) {
  std::string what = "cannot clone " + redact.url() + ": ";
  if (state.cancelled) return {StatusCode::kCancelled, "the clone of " + redact.url() + " was cancelled"};
  if (!state.error.empty()) {
    return Status(StatusCode::kInvalidArgument, what + redact(state.error))
        .WithHint("check the username/password or private key the clone is given");
  }
  const git_error* e = git_error_last();
  int klass = e != nullptr ? e->klass : GIT_ERROR_NONE;
  std::string message = what + redact(LastError());
  if (code == GIT_EAUTH) return Status(StatusCode::kInvalidArgument, message);
  if (code == GIT_ENOTFOUND) return NotFound(message);
  bool remote = !LocalPath(o.url).has_value();
  // A refused connection is an OS error to libgit2.
  if (code == GIT_ECERTIFICATE || klass == GIT_ERROR_NET || klass == GIT_ERROR_HTTP || klass == GIT_ERROR_SSH ||
      klass == GIT_ERROR_SSL || (remote && klass == GIT_ERROR_OS)) {
    return Unavailable(message).WithHint("check the URL, and that its host can be reached from here");
  }
  if (klass == GIT_ERROR_OS) return IoError(message);
  return NotFound(message);
}

std::vector<std::string> RemoteBranches(git_repository* repo) {
  std::vector<std::string> names;
  git_branch_iterator* raw = nullptr;
  if (git_branch_iterator_new(&raw, repo, GIT_BRANCH_REMOTE) < 0) return names;
  BranchIteratorPtr it(raw);
  git_reference* ref = nullptr;
  git_branch_t type;
  while (git_branch_next(&ref, &type, it.get()) == 0) {
    ReferencePtr owned(ref);
    std::string name = git_reference_shorthand(ref);  // "origin/main"
    if (name.starts_with("origin/")) name.erase(0, 7);
    if (name != "HEAD") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> Tags(git_repository* repo) {
  std::vector<std::string> names;
  git_strarray tags{};
  if (git_tag_list(&tags, repo) < 0) return names;
  for (size_t i = 0; i < tags.count; ++i) names.emplace_back(tags.strings[i]);
  git_strarray_dispose(&tags);
  std::sort(names.begin(), names.end());
  return names;
}

std::string NameList(const std::vector<std::string>& names) {
  constexpr size_t kShown = 20;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

// The commit `ref_name` names, or nullptr when there is no such reference.
Result<ObjectPtr> PeeledCommit(git_repository* repo, const std::string& ref_name) {
  git_reference* raw = nullptr;
  if (git_reference_lookup(&raw, repo, ref_name.c_str()) < 0) return ObjectPtr();
  ReferencePtr ref(raw);
  git_object* commit = nullptr;
  if (git_reference_peel(&commit, ref.get(), GIT_OBJECT_COMMIT) < 0)
    return InvalidArgument("'" + ref_name + "' does not point to a commit: " + LastError());
  return ObjectPtr(commit);
}

// The local branch `name` at `commit`, tracking origin/<name>. The clone
// already made the one for the remote's default branch.
Status MakeLocalBranch(git_repository* repo, const std::string& name, const git_object* commit) {
  git_reference* raw = nullptr;
  if (git_branch_lookup(&raw, repo, name.c_str(), GIT_BRANCH_LOCAL) == 0) {
    git_reference_free(raw);
    return Status::Ok();
  }
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo, git_object_id(commit)) < 0) return Internal("cannot read commit: " + LastError());
  int rc = git_branch_create(&raw, repo, name.c_str(), c, 0);
  git_commit_free(c);
  if (rc < 0) return Internal("cannot create branch '" + name + "': " + LastError());
  ReferencePtr branch(raw);
  if (git_branch_set_upstream(branch.get(), ("origin/" + name).c_str()) < 0)
    return Internal("cannot make branch '" + name + "' track origin/" + name + ": " + LastError());
  return Status::Ok();
}

// Checks out what the options ask for; the clone itself wrote no files.
Status CheckOut(git_repository* repo, const CloneOptions& o, const Redactor& redact) {
  ObjectPtr target;
  // What HEAD becomes: as the clone left it (the default branch), a branch,
  // or detached at `target`.
  enum class Head { kAsCloned, kBranch, kDetached } head = Head::kDetached;
  if (!o.branch.empty()) {
    ASSIGN_OR_RETURN(target, PeeledCommit(repo, "refs/remotes/origin/" + o.branch));
    if (target) {
      RETURN_IF_ERROR(MakeLocalBranch(repo, o.branch, target.get()));
      head = Head::kBranch;
    } else {
      ASSIGN_OR_RETURN(target, PeeledCommit(repo, "refs/tags/" + o.branch));
    }
    if (!target) {
      std::vector<std::string> branches = RemoteBranches(repo);
      std::vector<std::string> tags = Tags(repo);
      std::string message = "branch '" + o.branch + "' not found in " + redact.url() + "; ";
      message += branches.empty() ? "it has no branches" : "branches there: " + NameList(branches);
      if (!tags.empty()) message += "; tags: " + NameList(tags);
      return NotFound(message);
    }
  }
  if (!o.tag.empty()) {
    ASSIGN_OR_RETURN(target, PeeledCommit(repo, "refs/tags/" + o.tag));
    if (!target) {
      std::vector<std::string> tags = Tags(repo);
      return NotFound("tag '" + o.tag + "' not found in " + redact.url() + "; " +
                      (tags.empty() ? "it has no tags" : "tags there: " + NameList(tags)));
    }
    head = Head::kDetached;
  }
  if (!o.commit.empty()) {
    git_object* raw = nullptr;
    if (git_revparse_single(&raw, repo, o.commit.c_str()) < 0)
      return NotFound("commit '" + o.commit + "' not found in " + redact.url() + ": " + redact(LastError()));
    ObjectPtr object(raw);
    git_object* commit = nullptr;
    if (git_object_peel(&commit, object.get(), GIT_OBJECT_COMMIT) < 0)
      return InvalidArgument("'" + o.commit + "' in " + redact.url() + " is not a commit");
    target.reset(commit);
    head = Head::kDetached;
  }
  if (!target) {
    // The remote's default branch; the clone pointed HEAD at it. An empty
    // repository has nothing to check out.
    if (git_repository_head_unborn(repo) == 1) return Status::Ok();
    git_object* raw = nullptr;
    if (git_revparse_single(&raw, repo, "HEAD^{commit}") < 0) return Internal("cannot read HEAD: " + LastError());
    target.reset(raw);
    head = Head::kAsCloned;
  }
  git_checkout_options checkout = GIT_CHECKOUT_OPTIONS_INIT;
  checkout.checkout_strategy = GIT_CHECKOUT_FORCE;  // a fresh clone: there is nothing local to keep
  if (git_checkout_tree(repo, target.get(), &checkout) < 0)
    return IoError("cannot check out the files of " + redact.url() + ": " + redact(LastError()));
  int rc = 0;
  if (head == Head::kBranch) rc = git_repository_set_head(repo, ("refs/heads/" + o.branch).c_str());
  if (head == Head::kDetached) rc = git_repository_set_head_detached(repo, git_object_id(target.get()));
  if (rc < 0) return Internal("cannot set HEAD: " + LastError());
  return Status::Ok();
}

Status WriteConfig(git_repository* repo, const CloneOptions& o) {
  if (o.config.empty()) return Status::Ok();
  git_config* raw = nullptr;
  if (git_repository_config(&raw, repo) < 0) return Internal("cannot open the clone's git config: " + LastError());
  ConfigPtr all(raw);
  if (git_config_open_level(&raw, all.get(), GIT_CONFIG_LEVEL_LOCAL) < 0)
    return Internal("cannot open the clone's .git/config: " + LastError());
  ConfigPtr local(raw);
  for (const auto& [key, value] : o.config) {
    if (git_config_set_string(local.get(), key.c_str(), value.c_str()) < 0)
      return InvalidArgument("cannot set git config '" + key + "': " + LastError());
  }
  return Status::Ok();
}

Status CheckOptions(const CloneOptions& o) {
  if (o.url.empty()) return InvalidArgument("no URL to clone from");
  if (o.directory.empty()) return InvalidArgument("no directory to clone into");
  if (o.depth < 0) return InvalidArgument("depth must be 0 (full history) or more, not " + std::to_string(o.depth));
  for (const auto& entry : o.config) {
    const std::string& key = entry.first;
    size_t dot = key.find('.');
    if (dot == std::string::npos || dot == 0 || key.back() == '.')
      return InvalidArgument("git config key '" + key + "' must be section.name (e.g. core.autocrlf)");
  }
  std::error_code ec;
  // libgit2 says "unsupported URL protocol" for a path that does not exist.
  if (std::optional<fs::path> local = LocalPath(o.url); local && !fs::exists(*local, ec))
    return NotFound("cannot clone " + UrlForMessages(o.url) + ": there is no such folder");
  if (!fs::exists(o.directory, ec)) return Status::Ok();
  if (!fs::is_directory(o.directory, ec))
    return FailedPrecondition("cannot clone into '" + o.directory.string() + "': it exists and is not a folder");
  if (!fs::is_empty(o.directory, ec) || ec) {
    return FailedPrecondition("cannot clone into '" + o.directory.string() + "': it is not empty")
        .WithHint("clone into a new or empty folder");
  }
  return Status::Ok();
}

}  // namespace

std::string UrlForMessages(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t start = scheme + 3;
  size_t end = url.find('/', start);
  std::string_view authority = url.substr(start, end == std::string_view::npos ? url.npos : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
}

bool ShallowCloneSupported() {
#if LIBGIT2_VER_MAJOR > 1 || (LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR >= 7)
  return true;
#else
  return false;
#endif
}

Status Clone(const CloneOptions& options) {
  RETURN_IF_ERROR(EnsureInitialized());
  RETURN_IF_ERROR(CheckOptions(options));
  Redactor redact(options);
  std::error_code ec;
  bool existed = fs::exists(options.directory, ec);

  CallbackState state{.options = &options};
  git_clone_options clone = GIT_CLONE_OPTIONS_INIT;
  // Files are checked out afterwards, once the branch, tag or commit is
  // known to exist (libgit2's checkout_branch knows branches only).
  clone.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
  clone.fetch_opts.callbacks.credentials = OfferCredential;
  clone.fetch_opts.callbacks.transfer_progress = OnTransfer;
  clone.fetch_opts.callbacks.payload = &state;
  clone.fetch_opts.download_tags = options.no_tags ? GIT_REMOTE_DOWNLOAD_TAGS_NONE : GIT_REMOTE_DOWNLOAD_TAGS_ALL;
  clone.fetch_opts.proxy_opts.type = options.use_proxy ? GIT_PROXY_AUTO : GIT_PROXY_NONE;
#if LIBGIT2_VER_MAJOR > 1 || (LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR >= 7)
  // A commit may be anywhere in the history: only a clone without one is
  // made shallow.
  if (options.commit.empty()) clone.fetch_opts.depth = options.depth;
#endif

  git_repository* raw = nullptr;
  int rc = git_clone(&raw, options.url.c_str(), options.directory.c_str(), &clone);
  RepositoryPtr repo(raw);
  if (rc < 0) {
    Status failure = CloneFailure(rc, state, options, redact);
    repo.reset();
    RemoveClone(options.directory, existed);
    return failure;
  }
  Status s = CheckOut(repo.get(), options, redact);
  if (s.ok()) s = WriteConfig(repo.get(), options);
  if (!s.ok()) {
    repo.reset();
    RemoveClone(options.directory, existed);
  }
  return s;
}

Result<std::string> HeadCommit(const std::filesystem::path& directory) {
  RETURN_IF_ERROR(EnsureInitialized());
  git_repository* raw = nullptr;
  // NO_SEARCH: a folder inside another repository is not that repository.
  if (git_repository_open_ext(&raw, directory.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return NotFound("no git repository at '" + directory.string() + "': " + LastError());
  RepositoryPtr repo(raw);
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo.get(), "HEAD") < 0)
    return NotFound("HEAD of '" + directory.string() + "' has no commit yet");
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), &oid);
  return std::string(hex);
}

}  // namespace floe::git
