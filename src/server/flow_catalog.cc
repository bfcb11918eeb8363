#include "server/flow_catalog.h"

#include <fstream>
#include <system_error>

#include "core/id.h"
#include "flow/folder_sync.h"

namespace floe::server {
namespace fs = std::filesystem;

namespace {

std::string Key(const std::string& ns, const std::string& id) { return ns + "." + id; }

// A name safe as one path segment: what a namespace or id may hold anyway
// (letters, digits, '.', '_', '-'); flow parsing has checked them already.
bool SafeSegment(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

FlowCatalog::FlowCatalog(fs::path dir, const flow::TaskRegistry& registry, state::Store& store, const Clock& clock)
    : dir_(dir), registry_(registry), store_(store), clock_(clock), folder_(std::move(dir), registry) {}

void FlowCatalog::OnChange(std::function<void(const FlowsFolder::Changes&)> callback) {
  std::lock_guard lock(mu_);
  on_change_ = std::move(callback);
}

FlowsFolder::Changes FlowCatalog::RefreshLocked() {
  FlowsFolder::Changes changes = folder_.Refresh();
  Timestamp now = clock_.Now();
  for (const auto& f : changes.loaded) {
    Result<int> revision = store_.RecordFlowRevision(f->namespace_, f->id, f->source, now);
    if (!revision.ok()) {
      changes.errors.push_back(
          Status(revision.status()).WithContext("recording a revision of " + Key(f->namespace_, f->id)));
      continue;
    }
    revisions_[Key(f->namespace_, f->id)] = *revision;
  }
  for (const std::string& key : changes.removed) {
    auto dot = key.rfind('.');
    Status s = store_.RecordFlowDeleted(key.substr(0, dot), key.substr(dot + 1), now);
    if (!s.ok()) changes.errors.push_back(std::move(s).WithContext("recording the removal of " + key));
    revisions_.erase(key);
  }
  return changes;
}

void FlowCatalog::Notify(const FlowsFolder::Changes& changes) {
  std::function<void(const FlowsFolder::Changes&)> callback;
  {
    std::lock_guard lock(mu_);
    callback = on_change_;
  }
  if (callback && (changes.any() || !changes.errors.empty())) callback(changes);
}

FlowsFolder::Changes FlowCatalog::Refresh() {
  FlowsFolder::Changes changes;
  {
    std::lock_guard lock(mu_);
    changes = RefreshLocked();
  }
  Notify(changes);
  return changes;
}

std::vector<std::shared_ptr<const flow::Flow>> FlowCatalog::flows() const {
  std::lock_guard lock(mu_);
  return folder_.flows();
}

std::shared_ptr<const flow::Flow> FlowCatalog::Find(const std::string& ns, const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& f : folder_.flows())
    if (f->namespace_ == ns && f->id == id) return f;
  return nullptr;
}

int FlowCatalog::Revision(const std::string& ns, const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = revisions_.find(Key(ns, id));
  return it == revisions_.end() ? 0 : it->second;
}

Result<FlowCatalog::Saved> FlowCatalog::Save(std::string_view yaml, const std::string& expect_ns,
                                             const std::string& expect_id, bool must_be_new) {
  flow::FlowParse parsed = flow::ParseFlow(yaml, "flow", registry_);
  if (!parsed.flow) return flow::CombineErrors(parsed.errors);
  const flow::Flow& f = *parsed.flow;
  if ((!expect_ns.empty() && f.namespace_ != expect_ns) || (!expect_id.empty() && f.id != expect_id))
    return InvalidArgument("the flow's source declares " + Key(f.namespace_, f.id) + ", not " +
                           Key(expect_ns, expect_id) + " (a flow's namespace and id cannot change; create a new flow)");
  if (!SafeSegment(f.namespace_) || !SafeSegment(f.id))
    return InvalidArgument("the namespace and id of a flow saved by the API are letters, digits, '.', '_' and '-'");
  Saved saved;
  FlowsFolder::Changes changes;
  {
    std::lock_guard lock(mu_);
    fs::path path = folder_.PathOf(f.namespace_, f.id);
    saved.created = path.empty();
    if (must_be_new && !saved.created)
      return Status(StatusCode::kAlreadyExists, "flow " + Key(f.namespace_, f.id) + " already exists (in " +
                                                    path.string() + "); update it with PUT");
    if (!must_be_new && !expect_id.empty() && saved.created)
      return NotFound("no flow " + Key(f.namespace_, f.id) + " to update; create it with POST");
    if (saved.created) {
      // A new file beside any other of that name (a file that does not load keeps its name).
      path = dir_ / f.namespace_ / (f.id + ".yml");
      std::error_code ec;
      for (int n = 2; fs::exists(path, ec); ++n) path = dir_ / f.namespace_ / (f.id + "." + std::to_string(n) + ".yml");
    }
    RETURN_IF_ERROR(flow::WriteFileAtomically(path, yaml));
    folder_.Invalidate(path);
    changes = RefreshLocked();
    for (const auto& loaded : changes.loaded)
      if (loaded->namespace_ == f.namespace_ && loaded->id == f.id) saved.flow = loaded;
    auto it = revisions_.find(Key(f.namespace_, f.id));
    saved.revision = it == revisions_.end() ? 0 : it->second;
  }
  Notify(changes);
  if (!saved.flow) {
    // Another file declares the same flow and won (it sorts first), or the write raced an edit.
    for (const Status& e : changes.errors)
      if (e.message().find(Key(f.namespace_, f.id)) != std::string::npos) return e;
    return Internal("flow " + Key(f.namespace_, f.id) + " was written but did not load");
  }
  return saved;
}

Status FlowCatalog::Delete(const std::string& ns, const std::string& id) {
  FlowsFolder::Changes changes;
  {
    std::lock_guard lock(mu_);
    fs::path path = folder_.PathOf(ns, id);
    if (path.empty()) return NotFound("no flow " + Key(ns, id));
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) return IoError("cannot delete '" + path.string() + "': " + ec.message());
    changes = RefreshLocked();
  }
  Notify(changes);
  return Status::Ok();
}

}  // namespace floe::server
