// FlowsFolder: the flows `floe server` runs, read from a folder and kept in
// step with it. Refresh() looks at every *.yml / *.yaml file's modification
// time and size (the same files FlowRepository scans: folders starting with
// '_' or '.' are skipped) and reloads only the files that changed.
//
//   FlowsFolder folder("flows", runtime::BuiltinRegistry());
//   FlowsFolder::Changes changes = folder.Refresh();   // first call: loads everything
//   for (const Status& e : changes.errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
//   if (changes.any()) scheduler.SetFlows(folder.flows());
//
// A file that stops loading keeps its previous version (and its error is
// reported once per change of the file); a removed file's flow goes away.
// Two files declaring the same namespace and id: the first by path wins, the
// second is reported. Not thread-safe: one thread refreshes.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "flow/flow.h"

namespace floe::server {

class FlowsFolder {
 public:
  FlowsFolder(std::filesystem::path dir, const flow::TaskRegistry& registry);

  struct Changes {
    std::vector<std::shared_ptr<const flow::Flow>> loaded;  // new or changed, loaded
    std::vector<std::string> removed;                       // "namespace.id" of flows gone
    std::vector<Status> errors;                             // files that do not load (file:line:col)
    bool any() const { return !loaded.empty() || !removed.empty(); }
  };
  Changes Refresh();

  // The flows loaded now, sorted by namespace and id.
  std::vector<std::shared_ptr<const flow::Flow>> flows() const;
  // The file that declares the flow; empty when none does.
  std::filesystem::path PathOf(const std::string& ns, const std::string& id) const;
  // Makes the next Refresh reload `path` even if its time and size look the
  // same (a write within the file system's time resolution).
  void Invalidate(const std::filesystem::path& path);
  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct File {
    std::filesystem::file_time_type mtime;
    uintmax_t size = 0;
    std::shared_ptr<const flow::Flow> flow;  // the last version that loaded; null if none did
  };
  std::filesystem::path dir_;
  const flow::TaskRegistry& registry_;
  std::map<std::filesystem::path, File> files_;
};

// "  company.team.hello  (schedule: Schedule 0 * * * *, hook: Webhook)": a
// flow and its triggers, as `floe server` prints them.
std::string DescribeFlowTriggers(const flow::Flow& flow);

}  // namespace floe::server
