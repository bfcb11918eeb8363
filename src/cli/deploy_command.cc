#include "cli/deploy_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <set>

#include "cli/command_support.h"
#include "cli/server_client.h"
#include "core/id.h"
#include "flow/folder_sync.h"
#include "git/clone.h"
#include "runtime/home.h"
#include "tmpl/json.h"

namespace floe::cli {
namespace {

namespace fs = std::filesystem;
using flow::SyncKey;

struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

std::string Text(const tmpl::Value& v, const char* key) {
  const tmpl::Value* f = v.is_map() ? v.Get(key) : nullptr;
  return f && f->is_string() ? f->AsString() : "";
}

// The server's flows in scope, with their sources.
Result<std::map<SyncKey, std::string>> ServerFlows(const ServerClient& client, const flow::SyncScope& scope,
                                                   const std::set<std::string>& namespaces) {
  std::string query = "/api/v1/flows/search?size=10000";
  if (!scope.namespace_.empty()) query += "&namespace=" + UrlEncode(scope.namespace_);
  ASSIGN_OR_RETURN(tmpl::Value found, client.Json("GET", query));
  std::map<SyncKey, std::string> out;
  const tmpl::Value* results = found.Get("results");
  if (!results || !results->is_list()) return out;
  for (const auto& f : results->AsList()) {
    std::string ns = Text(f, "namespace"), id = Text(f, "id");
    if (!scope.Covers(ns) || (scope.namespace_.empty() && !namespaces.count(ns))) continue;
    ASSIGN_OR_RETURN(tmpl::Value full,
                     client.Json("GET", "/api/v1/flows/" + UrlEncode(ns) + "/" + UrlEncode(id) + "?source=true"));
    out[flow::FlowSyncKey(ns, id)] = Text(full, "source");
  }
  return out;
}

// A namespace's files on the server, with their contents, walking its folders.
Status ServerFiles(const ServerClient& client, const std::string& ns, const std::string& folder,
                   std::map<SyncKey, std::string>* out) {
  std::string base = "/api/v1/namespaces/" + UrlEncode(ns) + "/files";
  ASSIGN_OR_RETURN(tmpl::Value entries, client.Json("GET", base + "/directory?path=" + UrlEncode(folder)));
  if (!entries.is_list()) return Status::Ok();
  for (const auto& e : entries.AsList()) {
    std::string path = (folder == "/" ? "" : folder) + "/" + Text(e, "fileName");
    if (Text(e, "type") == "Directory") {
      RETURN_IF_ERROR(ServerFiles(client, ns, path, out));
    } else {
      ASSIGN_OR_RETURN(auto content, client.Call("GET", base + "?path=" + UrlEncode(path)));
      (*out)[flow::FileSyncKey(ns, path)] = content.body;
    }
  }
  return Status::Ok();
}

Status Apply(const ServerClient& client, const flow::SyncPlan& flows, const flow::SyncPlan& files,
             const flow::FlowFolder& wanted) {
  for (const auto& key : flows.added)
    RETURN_IF_ERROR(client.Call("POST", "/api/v1/flows", wanted.flows.at(key), "application/x-yaml").status());
  for (const auto& key : flows.changed) {
    auto [ns, id] = flow::SplitSyncKey(key);
    RETURN_IF_ERROR(client
                        .Call("PUT", "/api/v1/flows/" + UrlEncode(ns) + "/" + UrlEncode(id), wanted.flows.at(key),
                              "application/x-yaml")
                        .status());
  }
  for (const auto& key : flows.deleted) {
    auto [ns, id] = flow::SplitSyncKey(key);
    RETURN_IF_ERROR(client.Call("DELETE", "/api/v1/flows/" + UrlEncode(ns) + "/" + UrlEncode(id)).status());
  }
  std::vector<SyncKey> uploads = files.added;
  uploads.insert(uploads.end(), files.changed.begin(), files.changed.end());
  for (const auto& key : uploads) {
    auto [ns, path] = flow::SplitSyncKey(key);
    std::string boundary = "floe-" + NewId();
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"fileContent\"; filename=\"" +
                       fs::path(path).filename().string() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                       wanted.files.at(key) + "\r\n--" + boundary + "--\r\n";
    RETURN_IF_ERROR(client
                        .Call("POST", "/api/v1/namespaces/" + UrlEncode(ns) + "/files?path=" + UrlEncode(path), body,
                              "multipart/form-data; boundary=" + boundary)
                        .status());
  }
  for (const auto& key : files.deleted) {
    auto [ns, path] = flow::SplitSyncKey(key);
    RETURN_IF_ERROR(
        client.Call("DELETE", "/api/v1/namespaces/" + UrlEncode(ns) + "/files?path=" + UrlEncode(path)).status());
  }
  return Status::Ok();
}

}  // namespace

struct DeployCommand::Options {
  CLI::App* cmd = nullptr;
  std::string source;
  std::string ns;
  std::string branch;
  bool remove = false;
  bool dry_run = false;
};

DeployCommand::DeployCommand() : options_(std::make_unique<Options>()) {}
DeployCommand::~DeployCommand() = default;

void DeployCommand::Add(CLI::App& app) {
  Options& o = *options_;
  o.cmd = app.add_subcommand("deploy",
                             "Sync flows and namespace files from a folder or a git repository to a server "
                             "(--server or $FLOE_SERVER), printing the changes first");
  o.cmd->add_option("source", o.source, "A folder laid out as a flows folder, or a git URL")->required();
  o.cmd->add_option("--namespace", o.ns, "Only this namespace and those under it");
  o.cmd->add_option("--branch", o.branch, "The git branch or tag to deploy (a git URL's default branch otherwise)");
  o.cmd->add_flag("--delete", o.remove, "Delete the server's flows and files in scope that the source does not hold");
  o.cmd->add_flag("--dry-run", o.dry_run, "Print the changes without making them");
}

std::optional<int> DeployCommand::Run(const ServerClient* client) {
  Options& o = *options_;
  if (!o.cmd->parsed()) return std::nullopt;
  if (!client) return Report(InvalidArgument("floe deploy needs a server: --server http://host:8080 or $FLOE_SERVER"));
  TempDir clone;
  fs::path dir = o.source;
  std::error_code ec;
  // A bare repository is a folder too, but its flows are in its commits.
  bool bare_repository = fs::is_regular_file(dir / "HEAD", ec) && fs::is_directory(dir / "objects", ec) &&
                         fs::is_directory(dir / "refs", ec);
  if (!fs::is_directory(dir, ec) || bare_repository || (!o.branch.empty() && fs::exists(dir / ".git", ec))) {
    clone.path = fs::temp_directory_path() / ("floe-deploy-" + NewId());
    git::CloneOptions options{.url = o.source, .directory = clone.path, .branch = o.branch};
    if (Status s = git::Clone(options); !s.ok()) return Report(std::move(s).WithContext("floe deploy"));
    auto commit = git::HeadCommit(clone.path);
    std::printf("cloned %s at %s\n", git::UrlForMessages(o.source).c_str(), commit.ok() ? commit->c_str() : "?");
    dir = clone.path;
  } else if (!o.branch.empty()) {
    return Report(InvalidArgument("--branch is for a git repository; '" + o.source + "' is a plain folder"));
  }
  flow::SyncScope scope{.namespace_ = o.ns};
  auto wanted = flow::ReadFlowFolder(dir, runtime::BuiltinRegistry(), scope);
  if (!wanted.ok()) return Report(wanted.status());
  std::set<std::string> namespaces(wanted->namespaces.begin(), wanted->namespaces.end());
  auto server_flows = ServerFlows(*client, scope, namespaces);
  if (!server_flows.ok()) return Report(server_flows.status());
  // Files of the namespaces in scope: the folder's, and (with --namespace) those the server has flows in.
  std::set<std::string> file_namespaces = namespaces;
  for (const auto& [key, source] : *server_flows) file_namespaces.insert(flow::SplitSyncKey(key).first);
  std::map<SyncKey, std::string> server_files;
  for (const auto& ns : file_namespaces)
    if (Status s = ServerFiles(*client, ns, "/", &server_files); !s.ok()) return Report(s);
  flow::SyncPlan flows = flow::PlanSync(wanted->flows, *server_flows, o.remove);
  flow::SyncPlan files = flow::PlanSync(wanted->files, server_files, o.remove);
  std::printf("%s%s", flow::DescribePlan(flows, "flow").c_str(), flow::DescribePlan(files, "file").c_str());
  // What --delete would remove, said even without it.
  flow::SyncPlan would = flow::PlanSync(wanted->flows, *server_flows, true);
  flow::SyncPlan would_files = flow::PlanSync(wanted->files, server_files, true);
  size_t kept = o.remove ? 0 : would.deleted.size() + would_files.deleted.size();
  size_t added = flows.added.size() + files.added.size(), changed = flows.changed.size() + files.changed.size(),
         deleted = flows.deleted.size() + files.deleted.size();
  std::printf(
      "deploy%s: %zu to add, %zu to change, %zu to delete, %zu unchanged%s\n", o.dry_run ? " (dry run)" : "", added,
      changed, deleted, flows.unchanged + files.unchanged,
      kept ? (", " + std::to_string(kept) + " on the server but not in the source (kept: no --delete)").c_str() : "");
  if (o.dry_run || (flows.empty() && files.empty())) return kExitOk;
  if (Status s = Apply(*client, flows, files, *wanted); !s.ok())
    return Report(std::move(s).WithContext("deploy stopped part way; run it again to finish"));
  std::printf("deployed to %s\n", client->base_url().c_str());
  return kExitOk;
}

}  // namespace floe::cli
