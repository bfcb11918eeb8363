// FlowCatalog: the flows `floe server` serves — its flows folder, kept in
// step with the disk, and changed through the API — with every version kept
// as a revision in the store.
//
//   FlowCatalog catalog(home.flows, registry, store, clock);
//   catalog.OnChange([&](const FlowsFolder::Changes& c) { scheduler.SetFlows(catalog.flows()); });
//   catalog.Refresh();                                      // the watcher, every few seconds
//   ASSIGN_OR_RETURN(FlowCatalog::Saved saved, catalog.Save(yaml));   // the API
//
// The folder stays the one source of truth: the API writes flows as files
// (an existing flow's own file, a new one as <folder>/<namespace>/<id>.yml),
// atomically (a temporary file renamed), so that a git checkout of the
// folder, `floe run` and the server agree. A file edited by hand becomes a
// revision too, at the next refresh.
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "flow/flow.h"
#include "server/flows_folder.h"
#include "state/store.h"

namespace floe::server {

class FlowCatalog {
 public:
  FlowCatalog(std::filesystem::path dir, const flow::TaskRegistry& registry, state::Store& store, const Clock& clock);

  // Called (under no lock of the catalog) after each refresh or save that
  // changed the flows.
  void OnChange(std::function<void(const FlowsFolder::Changes&)> callback);

  // Rereads the changed files; records revisions of the flows that changed
  // and the removal of the ones gone.
  FlowsFolder::Changes Refresh();

  std::vector<std::shared_ptr<const flow::Flow>> flows() const;
  std::shared_ptr<const flow::Flow> Find(const std::string& ns, const std::string& id) const;
  // The flow's latest revision number (0 when unknown).
  int Revision(const std::string& ns, const std::string& id) const;

  struct Saved {
    std::shared_ptr<const flow::Flow> flow;
    int revision = 0;
    bool created = false;  // no flow of that namespace and id existed
  };
  // Parses `yaml` (every error with its line and column: InvalidArgument)
  // and writes it as its flow's file. `expect_ns`/`expect_id`, when given,
  // must be the flow's (an update of a named flow); `must_be_new` refuses a
  // flow that exists (AlreadyExists).
  Result<Saved> Save(std::string_view yaml, const std::string& expect_ns = "", const std::string& expect_id = "",
                     bool must_be_new = false);
  // Removes the flow's file; NotFound when there is no such flow.
  Status Delete(const std::string& ns, const std::string& id);

  const std::filesystem::path& dir() const { return dir_; }
  const flow::TaskRegistry& registry() const { return registry_; }

 private:
  FlowsFolder::Changes RefreshLocked();
  void Notify(const FlowsFolder::Changes& changes);

  std::filesystem::path dir_;
  const flow::TaskRegistry& registry_;
  state::Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  FlowsFolder folder_;
  std::map<std::string, int> revisions_;  // "namespace.id" -> latest revision
  std::function<void(const FlowsFolder::Changes&)> on_change_;
};

}  // namespace floe::server
