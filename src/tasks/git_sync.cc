// git.SyncFlows and git.SyncNamespaceFiles (Kestra's io.kestra.plugin.git
// tasks of those names): a repository's flows and files become the flows
// folder's and the namespace files' the flow runs with — GitOps from inside a
// flow. The same plan as `floe deploy` (flow/folder_sync.h), applied to the
// folders: a server watching its flows folder picks the changes up, with
// their revisions.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "flow/folder_sync.h"
#include "flow/repository.h"
#include "git/clone.h"
#include "tasks/builtin.h"

namespace floe::tasks {
namespace {

namespace fs = std::filesystem;
using flow::PropertyType;
using flow::SyncKey;
using tmpl::Value;

// Clones the task's repository into its working directory; returns the
// folder `gitDirectory` names inside it.
Result<fs::path> CloneRepository(flow::TaskContext& ctx, const std::string& default_directory) {
  git::CloneOptions options;
  ASSIGN_OR_RETURN(options.url, ctx.RequiredString("url"));
  ASSIGN_OR_RETURN(options.branch, ctx.StringOr("branch", ""));
  ASSIGN_OR_RETURN(options.username, ctx.StringOr("username", ""));
  ASSIGN_OR_RETURN(options.password, ctx.StringOr("password", ""));
  ASSIGN_OR_RETURN(options.private_key, ctx.StringOr("privateKey", ""));
  ASSIGN_OR_RETURN(options.passphrase, ctx.StringOr("passphrase", ""));
  options.cancelled = [&ctx] { return ctx.Cancelled(); };
  ASSIGN_OR_RETURN(fs::path wd, ctx.WorkingDirectory());
  options.directory = wd / "repository";
  ctx.Log(LogLevel::kInfo, "cloning " + git::UrlForMessages(options.url));
  if (Status s = git::Clone(options); !s.ok()) {
    if (s.code() == StatusCode::kCancelled) return s;
    return ctx.PropertyError(options.branch.empty() ? "url" : "branch", s.ToString());
  }
  ASSIGN_OR_RETURN(std::string directory, ctx.StringOr("gitDirectory", default_directory));
  fs::path dir = (options.directory / directory).lexically_normal();
  bool inside = !fs::path(directory).is_absolute();
  for (const auto& part : fs::path(directory)) inside = inside && part != "..";
  if (!inside) return ctx.PropertyError("gitDirectory", "'" + directory + "' must be a folder inside the repository");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return ctx.PropertyError("gitDirectory", "the repository has no folder '" + directory + "'");
  return dir;
}

Value Changes(const flow::SyncPlan& plan, const std::map<SyncKey, std::string>& existing, const char* key_a,
              const char* key_b) {
  tmpl::ValueList out;
  auto add = [&](const SyncKey& key, const char* state) {
    auto [a, b] = flow::SplitSyncKey(key);
    out.push_back(Value::MakeMap({{key_a, a}, {key_b, b}, {"syncState", state}}));
  };
  for (const auto& k : plan.added) add(k, "ADDED");
  for (const auto& k : plan.changed) add(k, "UPDATED");
  for (const auto& k : plan.deleted) add(k, "DELETED");
  (void)existing;
  return Value(std::move(out));
}

void LogPlan(flow::TaskContext& ctx, const flow::SyncPlan& plan, const char* what, bool dry_run) {
  std::string text = flow::DescribePlan(plan, what);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) ctx.Log(LogLevel::kInfo, (dry_run ? "(dry run) " : "") + line);
  ctx.Log(LogLevel::kInfo, std::to_string(plan.added.size()) + " added, " + std::to_string(plan.changed.size()) +
                               " updated, " + std::to_string(plan.deleted.size()) + " deleted, " +
                               std::to_string(plan.unchanged) + " unchanged" +
                               (dry_run ? " (dry run: none made)" : ""));
}

class SyncFlowsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    fs::path flows_dir = ctx.FlowsDir();
    if (flows_dir.empty())
      return Status(StatusCode::kFailedPrecondition, "git.SyncFlows: this executor has no flows folder");
    ASSIGN_OR_RETURN(std::string target, ctx.RequiredString("targetNamespace"));
    ASSIGN_OR_RETURN(bool children, ctx.BoolOr("includeChildNamespaces", false));
    ASSIGN_OR_RETURN(bool remove, ctx.BoolOr("delete", false));
    ASSIGN_OR_RETURN(bool dry_run, ctx.BoolOr("dryRun", false));
    ASSIGN_OR_RETURN(fs::path source, CloneRepository(ctx, "_flows"));
    flow::SyncScope scope{.namespace_ = target, .include_children = children};
    ASSIGN_OR_RETURN(flow::FlowFolder wanted, flow::ReadFlowFolder(source, ctx.Registry(), scope, false));
    ASSIGN_OR_RETURN(flow::FlowFolder everything, flow::ReadFlowFolder(source, ctx.Registry(), {}, false));
    if (size_t outside = everything.flows.size() - wanted.flows.size(); outside > 0)
      ctx.Log(LogLevel::kWarn, std::to_string(outside) + " flow(s) of the repository are outside namespace " + target +
                                   (children ? " and those under it" : "") + ": not synced");

    // The flows folder's flows in scope, and the file each comes from.
    std::map<SyncKey, std::string> existing;
    std::map<SyncKey, fs::path> paths;
    flow::FlowRepository repo = flow::FlowRepository::Scan({flows_dir}, ctx.Registry());
    for (const auto& entry : repo.entries()) {
      if (!entry.errors.empty() || !scope.Covers(entry.namespace_)) continue;
      ASSIGN_OR_RETURN(std::string text, flow::ReadFlowFile(entry.path));
      SyncKey key = flow::FlowSyncKey(entry.namespace_, entry.id);
      existing[key] = std::move(text);
      paths[key] = entry.path;
    }
    flow::SyncPlan plan = flow::PlanSync(wanted.flows, existing, remove);
    LogPlan(ctx, plan, "flow", dry_run);
    if (!dry_run) {
      for (const auto& key : plan.added) {
        auto [ns, id] = flow::SplitSyncKey(key);
        fs::path path = flows_dir / ns / (id + ".yml");
        std::error_code ec;
        for (int n = 2; fs::exists(path, ec); ++n) path = flows_dir / ns / (id + "." + std::to_string(n) + ".yml");
        RETURN_IF_ERROR(flow::WriteFileAtomically(path, wanted.flows.at(key)));
      }
      for (const auto& key : plan.changed)
        RETURN_IF_ERROR(flow::WriteFileAtomically(paths.at(key), wanted.flows.at(key)));
      for (const auto& key : plan.deleted) {
        std::error_code ec;
        fs::remove(paths.at(key), ec);
        if (ec) return IoError("cannot delete '" + paths.at(key).string() + "': " + ec.message());
      }
    }
    tmpl::ValueMap out;
    out.Set("flows", Changes(plan, existing, "namespace", "flowId"));
    return Value(std::move(out));
  }
};

class SyncNamespaceFilesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    fs::path root = ctx.NamespaceFilesRoot();
    if (root.empty())
      return Status(StatusCode::kFailedPrecondition, "git.SyncNamespaceFiles: this executor has no namespace files");
    ASSIGN_OR_RETURN(std::string ns, ctx.RequiredString("namespace"));
    ASSIGN_OR_RETURN(bool remove, ctx.BoolOr("delete", false));
    ASSIGN_OR_RETURN(bool dry_run, ctx.BoolOr("dryRun", false));
    ASSIGN_OR_RETURN(fs::path source, CloneRepository(ctx, "_files"));
    auto read_tree = [&ns](const fs::path& dir) -> Result<std::map<SyncKey, std::string>> {
      std::map<SyncKey, std::string> out;
      std::error_code ec;
      if (!fs::is_directory(dir, ec)) return out;
      for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (it->is_directory() && name == ".git") {
          it.disable_recursion_pending();
          continue;
        }
        if (!it->is_regular_file()) continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::stringstream data;
        data << in.rdbuf();
        out[flow::FileSyncKey(ns, "/" + fs::relative(it->path(), dir).generic_string())] = data.str();
      }
      if (ec) return IoError("cannot list '" + dir.string() + "': " + ec.message());
      return out;
    };
    ASSIGN_OR_RETURN(auto wanted, read_tree(source));
    fs::path target = root / ns;
    ASSIGN_OR_RETURN(auto existing, read_tree(target));
    flow::SyncPlan plan = flow::PlanSync(wanted, existing, remove);
    LogPlan(ctx, plan, "file", dry_run);
    if (!dry_run) {
      for (const auto* keys : {&plan.added, &plan.changed})
        for (const auto& key : *keys)
          RETURN_IF_ERROR(flow::WriteFileAtomically(target / flow::SplitSyncKey(key).second.substr(1), wanted.at(key)));
      for (const auto& key : plan.deleted) {
        std::error_code ec;
        fs::remove(target / flow::SplitSyncKey(key).second.substr(1), ec);
      }
    }
    tmpl::ValueMap out;
    out.Set("files", Changes(plan, existing, "namespace", "path"));
    return Value(std::move(out));
  }
};

}  // namespace

void RegisterGitSyncTasks(flow::TaskRegistry& registry) {
  auto text = [](std::string name, std::string description, bool required = false) {
    return flow::PropertySpec{
        .name = std::move(name), .type = PropertyType::kString, .required = required, .description = description};
  };
  auto flag = [](std::string name, std::string description) {
    return flow::PropertySpec{.name = std::move(name), .type = PropertyType::kBool, .description = description};
  };
  std::vector<flow::PropertySpec> repository = {
      text("url", "The repository: a local path, file://, https://, ssh:// or user@host:path.", true),
      text("branch", "The branch (or tag) to sync from; the remote's default branch if unset."),
      text("username", "User for https."),
      text("password", "Password or token for https."),
      text("privateKey", "An SSH private key (PEM), for ssh URLs."),
      text("passphrase", "The private key's passphrase."),
      flag("delete", "Delete what the target holds in scope and the repository does not (default false)."),
      flag("dryRun", "Log the changes without making them (default false)."),
  };
  auto with = [&](std::vector<flow::PropertySpec> extra) {
    extra.insert(extra.end(), repository.begin(), repository.end());
    return extra;
  };
  registry.Register({
      .name = "git.SyncFlows",
      .aliases = {"io.kestra.plugin.git.SyncFlows"},
      .description = "Syncs the flows of a git repository's folder (gitDirectory, default _flows) into the flows "
                     "folder: new flows are added, changed ones updated, and with delete: true flows of the target "
                     "namespace the repository lacks are deleted. A flow of the repository that does not load stops "
                     "the sync before anything changes. Output: flows [{namespace, flowId, syncState}].",
      .properties = with({text("targetNamespace", "The namespace synced.", true),
                          flag("includeChildNamespaces", "The namespaces under targetNamespace too (default false)."),
                          text("gitDirectory", "The repository's folder holding the flows (default _flows).")}),
      .factory = [] { return std::make_unique<SyncFlowsTask>(); },
  });
  registry.Register({
      .name = "git.SyncNamespaceFiles",
      .aliases = {"io.kestra.plugin.git.SyncNamespaceFiles"},
      .description = "Syncs the files of a git repository's folder (gitDirectory, default _files) into a "
                     "namespace's files; with delete: true, the namespace's files the repository lacks are "
                     "deleted. Output: files [{namespace, path, syncState}].",
      .properties = with({text("namespace", "The namespace whose files are synced.", true),
                          text("gitDirectory", "The repository's folder holding the files (default _files).")}),
      .factory = [] { return std::make_unique<SyncNamespaceFilesTask>(); },
  });
}

}  // namespace floe::tasks
