// Syncing a folder of flows and namespace files (GitOps): what the folder
// holds, and what a target must change to hold the same. Used by
// `floe deploy` (the target is a server, through its API) and by the
// git.SyncFlows / git.SyncNamespaceFiles tasks (the target is the flows
// folder the flow runs from).
//
//   ASSIGN_OR_RETURN(FlowFolder wanted, ReadFlowFolder("repo", registry, {.namespace_ = "company"}));
//   SyncPlan plan = PlanSync(wanted.flows, target_flows, /*delete_missing=*/true);
//   std::printf("%s", DescribePlan(plan, "flow").c_str());   // "+ flow company.team/hello" ...
//
// A folder is laid out as floe's flows folder: every *.yml / *.yaml file is
// a flow (folders starting with '_' or '.' are skipped), and
// _files/<namespace>/... holds namespace files.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "flow/registry.h"

namespace floe::flow {

// "namespace/id" for a flow, "namespace:/path/in/it" for a namespace file.
using SyncKey = std::string;
std::string FlowSyncKey(const std::string& ns, const std::string& id);
std::string FileSyncKey(const std::string& ns, const std::string& path);
// Splits a key back: {namespace, id} or {namespace, "/path"}.
std::pair<std::string, std::string> SplitSyncKey(const SyncKey& key);

// Which namespaces a sync covers.
struct SyncScope {
  std::string namespace_;  // empty: every namespace the folder holds
  bool include_children = true;
  bool Covers(const std::string& ns) const;
};

struct FlowFolder {
  std::map<SyncKey, std::string> flows;  // key -> YAML source
  std::map<SyncKey, std::string> files;  // key -> content
  std::vector<std::string> namespaces;   // of the flows and files read, sorted
};

// Reads the flows (and, with `with_files`, the namespace files) of `dir` in
// `scope`. A flow that does not load is an error naming it (with every
// error): nothing is synced from a folder that is half broken. Two files
// declaring one flow are an error.
Result<FlowFolder> ReadFlowFolder(const std::filesystem::path& dir, const TaskRegistry& registry,
                                  const SyncScope& scope, bool with_files = true);

struct SyncPlan {
  std::vector<SyncKey> added, changed, deleted;
  size_t unchanged = 0;
  bool empty() const { return added.empty() && changed.empty() && deleted.empty(); }
};
// What `existing` must change to equal `wanted`; keys of `existing` missing
// from `wanted` are deleted only with `delete_missing`.
SyncPlan PlanSync(const std::map<SyncKey, std::string>& wanted, const std::map<SyncKey, std::string>& existing,
                  bool delete_missing);

// "+ flow a/b\n~ flow a/c\n- flow a/d\n" (what: "flow", "file").
std::string DescribePlan(const SyncPlan& plan, const std::string& what);

// Writes `text` to `path` through a temporary file in the same folder (made
// if missing), renamed over it, so a reader (a server's watcher, `floe run`)
// never sees half a file.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view text);

}  // namespace floe::flow
