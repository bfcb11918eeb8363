// git.Clone: clones a repository into the task's working directory, with
// Kestra's properties. Those floe cannot honour are errors, never ignored.
#include "git/clone.h"
#include "tasks/builtin.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

class GitCloneTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    RETURN_IF_ERROR(RefuseWhatFloeCannotDo(ctx));
    git::CloneOptions options;
    ASSIGN_OR_RETURN(options.url, ctx.RequiredString("url"));
    ASSIGN_OR_RETURN(options.branch, ctx.StringOr("branch", ""));
    ASSIGN_OR_RETURN(options.tag, ctx.StringOr("tag", ""));
    ASSIGN_OR_RETURN(options.commit, ctx.StringOr("commit", ""));
    ASSIGN_OR_RETURN(options.username, ctx.StringOr("username", ""));
    ASSIGN_OR_RETURN(options.password, ctx.StringOr("password", ""));
    ASSIGN_OR_RETURN(options.private_key, ctx.StringOr("privateKey", ""));
    ASSIGN_OR_RETURN(options.passphrase, ctx.StringOr("passphrase", ""));
    ASSIGN_OR_RETURN(bool no_proxy, ctx.BoolOr("noProxy", false));
    options.use_proxy = !no_proxy;
    ASSIGN_OR_RETURN(options.no_tags, ctx.BoolOr("noTags", false));
    ASSIGN_OR_RETURN(options.depth, Depth(ctx));
    ASSIGN_OR_RETURN(options.config, GitConfig(ctx));
    options.cancelled = [&ctx] { return ctx.Cancelled(); };

    ASSIGN_OR_RETURN(std::filesystem::path wd, ctx.WorkingDirectory());
    ASSIGN_OR_RETURN(options.directory, Destination(ctx, wd));

    std::string shown = git::UrlForMessages(options.url);
    if (options.depth > 0 && !git::ShallowCloneSupported()) {
      ctx.Log(LogLevel::kInfo, "depth " + std::to_string(options.depth) +
                                   ": this floe's libgit2 cannot clone shallow; the whole history is fetched");
    }
    ctx.Log(LogLevel::kInfo, "cloning " + shown + " into " + options.directory.string());
    Status s = git::Clone(options);
    if (!s.ok()) {
      if (s.code() == StatusCode::kCancelled) return s;
      return ctx.PropertyError(PropertyOf(s, options), s.ToString());
    }
    ASSIGN_OR_RETURN(std::string commit, git::HeadCommit(options.directory));
    ctx.Log(LogLevel::kInfo, "checked out " + commit);
    tmpl::ValueMap outputs;
    outputs.Set("directory", Value(options.directory.string()));
    outputs.Set("commit", Value(commit));
    return Value(std::move(outputs));
  }

 private:
  // Which property a clone error is about, so the error points at it.
  static std::string_view PropertyOf(const Status& s, const git::CloneOptions& o) {
    const std::string& m = s.message();
    if (!o.commit.empty() && m.starts_with("commit '")) return "commit";
    if (!o.tag.empty() && m.starts_with("tag '")) return "tag";
    if (!o.branch.empty() && m.starts_with("branch '")) return "branch";
    if (s.code() == StatusCode::kFailedPrecondition) return "directory";
    return "url";
  }

  // Kestra properties floe does not run: an error that says so. Their
  // defaults (Kestra's) are accepted.
  static Status RefuseWhatFloeCannotDo(flow::TaskContext& ctx) {
    ASSIGN_OR_RETURN(bool submodules, ctx.BoolOr("cloneSubmodules", false));
    if (submodules) return ctx.PropertyError("cloneSubmodules", "floe does not clone submodules yet");
    ASSIGN_OR_RETURN(bool all_branches, ctx.BoolOr("cloneAllBranches", true));
    if (!all_branches)
      return ctx.PropertyError("cloneAllBranches", "floe always fetches every branch; remove cloneAllBranches: false");
    ASSIGN_OR_RETURN(bool cache, ctx.BoolOr("cache", false));
    if (cache) return ctx.PropertyError("cache", "floe does not cache repositories between executions yet");
    struct NotRun {
      const char* property;
      const char* why;
    };
    static constexpr NotRun kNotRun[] = {
        {"cacheTtl", "floe does not cache repositories between executions yet"},
        {"connectTimeout", "libgit2 1.5 (floe's git library) has no per-clone connect timeout; use the task's timeout"},
        {"readTimeout", "libgit2 1.5 (floe's git library) has no per-clone read timeout; use the task's timeout"},
        {"trustedCaPemPath",
         "floe cannot add a CA for one clone (libgit2 takes CA locations for the whole process); "
         "add the CA to the system's trust store"},
        {"kestraUrl", "floe's git.Clone does not call a Kestra API"},
        {"auth", "floe's git.Clone does not call a Kestra API"},
    };
    for (const auto& n : kNotRun) {
      ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property(n.property));
      if (v && !v->is_null()) return ctx.PropertyError(n.property, n.why);
    }
    return Status::Ok();
  }

  static Result<int> Depth(flow::TaskContext& ctx) {
    ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property("depth"));
    if (!v || v->is_null()) return 0;
    int64_t depth = -1;
    if (v->is_int()) depth = v->AsInt();
    if (v->is_string()) {
      try {
        size_t used = 0;
        depth = std::stoll(v->AsString(), &used);
        if (used != v->AsString().size()) depth = -1;
      } catch (const std::exception&) {
        depth = -1;  // reported below
      }
    }
    if (depth < 1 || depth > 1'000'000)
      return ctx.PropertyError("depth", "must be a whole number of commits, 1 or more");
    return static_cast<int>(depth);
  }

  static Result<std::vector<std::pair<std::string, std::string>>> GitConfig(flow::TaskContext& ctx) {
    std::vector<std::pair<std::string, std::string>> out;
    ASSIGN_OR_RETURN(std::optional<Value> config, ctx.OptionalMap("gitConfig"));
    if (!config) return out;
    for (const auto& [key, value] : config->AsMap()) {
      if (value.is_string()) {
        out.emplace_back(key, value.AsString());
      } else if (value.is_bool()) {
        out.emplace_back(key, value.AsBool() ? "true" : "false");
      } else if (value.is_int()) {
        out.emplace_back(key, std::to_string(value.AsInt()));
      } else {
        return ctx.PropertyError("gitConfig", "'" + key + "' must be a string, a number or true/false, not " +
                                                  std::string(value.TypeName()));
      }
    }
    return out;
  }

  // The working directory, or `directory` inside it (never outside).
  static Result<std::filesystem::path> Destination(flow::TaskContext& ctx, const std::filesystem::path& wd) {
    ASSIGN_OR_RETURN(std::optional<std::string> directory, ctx.OptionalString("directory"));
    if (!directory) return wd;
    std::filesystem::path p(*directory);
    bool bad = directory->empty() || p.is_absolute();
    for (const auto& part : p) bad = bad || part == "..";
    if (bad) return ctx.PropertyError("directory", "'" + *directory + "' must be a relative folder name without '..'");
    return (wd / p).lexically_normal();
  }
};

}  // namespace

void RegisterGitTasks(flow::TaskRegistry& registry) {
  auto text = [](std::string name, std::string description, bool required = false) {
    return flow::PropertySpec{
        .name = std::move(name), .type = PropertyType::kString, .required = required, .description = description};
  };
  auto flag = [](std::string name, std::string description) {
    return flow::PropertySpec{.name = std::move(name), .type = PropertyType::kBool, .description = description};
  };
  auto not_run = [](std::string name, PropertyType type, std::string description) {
    return flow::PropertySpec{.name = std::move(name), .type = type, .description = "Not supported: " + description};
  };
  registry.Register({
      .name = "git.Clone",
      .aliases = {"io.kestra.plugin.git.Clone"},
      .description = "Clones a git repository (a local path, file://, https or ssh) into the task's working "
                     "directory, at the default branch, a branch, a tag or a commit. Outputs: directory (absolute "
                     "path) and commit (the sha checked out).",
      .properties =
          {
              text("url", "The repository: a local path, file://, https://, ssh:// or user@host:path.", true),
              text("directory",
                   "A folder under the working directory to clone into (it must be new or empty); the "
                   "working directory itself by default."),
              text("branch", "A branch (checked out tracking origin) or a tag; the remote's default branch if unset."),
              text("tag", "A tag to check out (detached); wins over branch."),
              text("commit", "A commit sha, full or abbreviated, to check out (detached); wins over branch and tag."),
              {.name = "depth",
               .type = PropertyType::kInt,
               .description = "Accepted; floe's libgit2 (1.5) cannot clone shallow, so the whole history is fetched "
                              "(the task logs it). The files checked out are the same."},
              text("username", "User name for https (any non-empty name with a token) or ssh."),
              text("password", "Password or access token for https; never logged."),
              text("privateKey", "An SSH private key (PEM or OpenSSH text, not a file name); never logged."),
              text("passphrase", "The private key's passphrase; never logged."),
              flag("noProxy", "true: connect directly, without the proxy of git's config or $https_proxy."),
              flag("noTags", "true: fetch no tags."),
              {.name = "gitConfig",
               .type = PropertyType::kMap,
               .description = "git config entries written to the clone (core.autocrlf: false, ...)."},
              flag("cloneSubmodules", "Only false: floe does not clone submodules yet."),
              flag("cloneAllBranches", "Only true (the default): floe fetches every branch."),
              flag("cache", "Only false: floe does not cache repositories between executions yet."),
              not_run("cacheTtl", PropertyType::kDuration, "floe does not cache repositories."),
              not_run("connectTimeout", PropertyType::kInt, "libgit2 1.5 has no per-clone timeout; use timeout."),
              not_run("readTimeout", PropertyType::kInt, "libgit2 1.5 has no per-clone timeout; use timeout."),
              not_run("trustedCaPemPath", PropertyType::kString, "add the CA to the system's trust store instead."),
              not_run("kestraUrl", PropertyType::kString, "a Kestra API setting."),
              not_run("auth", PropertyType::kAny, "a Kestra API setting."),
          },
      .factory = [] { return std::make_unique<GitCloneTask>(); },
  });
}

}  // namespace floe::tasks
