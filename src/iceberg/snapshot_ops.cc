// Snapshot and ref operations that move branches rather than write data:
// rollback, publish (fast-forward), branches and tags, cherry-pick.
#include <set>

#include "iceberg/internal/commit_util.h"
#include "iceberg/table.h"

namespace floe::iceberg {

Result<LoadedTable> Tables::Rollback(const TableIdent& ident, int64_t snapshot_id) {
  int64_t now = Ms(clock_.Now());
  return UpdateMetadata(ident, [&](TableMetadata& m) -> Status {
    if (!m.FindSnapshot(snapshot_id))
      return NotFound(ident.ToString() + " has no snapshot " + std::to_string(snapshot_id));
    if (!m.current_snapshot_id || !IsAncestor(m, snapshot_id, *m.current_snapshot_id))
      return FailedPrecondition(ident.ToString() + ": snapshot " + std::to_string(snapshot_id) +
                                " is not an ancestor of the current snapshot; roll back only along main's history");
    MoveMain(m, snapshot_id, std::max(now, m.last_updated_ms));
    return Status::Ok();
  });
}

Result<std::vector<LoadedTable>> Tables::Publish(const std::vector<TableIdent>& idents, const std::string& branch,
                                                 bool drop_branch) {
  int64_t now = Ms(clock_.Now());
  return UpdateTogether(idents, [&](const TableIdent& ident, TableMetadata& m) -> Status {
    auto ref = m.refs.find(branch);
    if (ref == m.refs.end() || !ref->second.branch)
      return NotFound(ident.ToString() + " has no branch '" + branch + "'");
    int64_t head = ref->second.snapshot_id;
    if (m.current_snapshot_id && !IsAncestor(m, *m.current_snapshot_id, head))
      return FailedPrecondition(ident.ToString() + ": main has moved on since branch '" + branch +
                                "' was made; it cannot be fast-forwarded (write the branch again from main)");
    if (m.current_snapshot_id != head) MoveMain(m, head, std::max(now, m.last_updated_ms));
    if (drop_branch && branch != "main") m.refs.erase(branch);
    return Status::Ok();
  });
}

Result<LoadedTable> Tables::SetRef(const TableIdent& ident, const std::string& name, bool branch, int64_t snapshot_id) {
  if (name.empty()) return InvalidArgument("a branch or tag needs a name");
  if (name == "main" && !branch) return InvalidArgument("'main' is the main branch; it cannot be a tag");
  int64_t now = Ms(clock_.Now());
  return UpdateMetadata(ident, [&](TableMetadata& m) -> Status {
    int64_t target = snapshot_id ? snapshot_id : m.current_snapshot_id.value_or(0);
    if (!target) return FailedPrecondition(ident.ToString() + " has no snapshot to point '" + name + "' at");
    if (!m.FindSnapshot(target)) return NotFound(ident.ToString() + " has no snapshot " + std::to_string(target));
    if (auto old = m.refs.find(name); old != m.refs.end() && old->second.branch != branch)
      return FailedPrecondition(ident.ToString() + ": '" + name + "' is a " + (old->second.branch ? "branch" : "tag") +
                                " already");
    if (name == "main") {
      MoveMain(m, target, std::max(now, m.last_updated_ms));
      return Status::Ok();
    }
    SnapshotRef ref = m.refs.count(name) ? m.refs[name] : SnapshotRef{};
    ref.snapshot_id = target;
    ref.branch = branch;
    m.refs[name] = ref;
    return Status::Ok();
  });
}

Result<LoadedTable> Tables::DropRef(const TableIdent& ident, const std::string& name) {
  if (name == "main") return InvalidArgument("the main branch cannot be dropped");
  return UpdateMetadata(ident, [&](TableMetadata& m) -> Status {
    if (!m.refs.erase(name)) return NotFound(ident.ToString() + " has no branch or tag '" + name + "'");
    return Status::Ok();
  });
}

Result<LoadedTable> Tables::CherryPick(const TableIdent& ident, int64_t snapshot_id) {
  ASSIGN_OR_RETURN(LoadedTable table, Load(ident));
  const TableMetadata& m = table.metadata;
  const Snapshot* picked = m.FindSnapshot(snapshot_id);
  if (!picked) return NotFound(ident.ToString() + " has no snapshot " + std::to_string(snapshot_id));
  const std::string name = ident.ToString() + ": snapshot " + std::to_string(snapshot_id);
  const std::optional<int64_t> head = m.current_snapshot_id;
  if (head && IsAncestor(m, snapshot_id, *head)) return FailedPrecondition(name + " is already in main's history");
  for (const Snapshot* s = m.CurrentSnapshot(); s;
       s = s->parent_snapshot_id ? m.FindSnapshot(*s->parent_snapshot_id) : nullptr) {
    auto source = s->summary.find("source-snapshot-id");
    if (source != s->summary.end() && source->second == std::to_string(snapshot_id))
      return FailedPrecondition(name + " was cherry-picked before, as snapshot " + std::to_string(s->snapshot_id));
  }
  if (picked->parent_snapshot_id == head) {
    // Main is where the snapshot was made from: main simply moves to it.
    int64_t now = Ms(clock_.Now());
    return UpdateMetadata(ident, [&](TableMetadata& next) -> Status {
      if (next.current_snapshot_id != head)
        return FailedPrecondition(ident.ToString() + ": main moved while cherry-picking; run it again");
      MoveMain(next, snapshot_id, std::max(now, next.last_updated_ms));
      return Status::Ok();
    });
  }
  const std::string operation = picked->summary.count("operation") ? picked->summary.at("operation") : "append";
  // Onto a main that moved on, only appends carry over: an overwrite or
  // delete was computed from rows main may no longer hold (as Iceberg's).
  if (operation != "append")
    return FailedPrecondition(name + " is a '" + operation +
                              "' made from a snapshot main has moved on from; only appends can be cherry-picked "
                              "onto it (publish the branch, or write the change again on main)");
  // The snapshot's own change: the entries it added.
  TableChange change{.operation = operation, .summary = {{"source-snapshot-id", std::to_string(snapshot_id)}}};
  ASSIGN_OR_RETURN(std::string list_bytes, Read(picked->manifest_list));
  ASSIGN_OR_RETURN(ManifestList list, ReadManifestList(list_bytes, picked->manifest_list));
  for (const auto& mf : list.manifests) {
    if (mf.added_snapshot_id != snapshot_id) continue;
    if (mf.deletes)
      return Status(StatusCode::kUnimplemented, name + " adds delete files, which floe cannot cherry-pick yet");
    ASSIGN_OR_RETURN(std::string bytes, Read(mf.manifest_path));
    ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(bytes, mf.manifest_path));
    InheritFrom(mf, manifest.entries);
    for (auto& e : manifest.entries) {
      if (e.snapshot_id != snapshot_id) continue;
      if (e.status == EntryStatus::kAdded) {
        if (mf.partition_spec_id != m.DefaultSpec()->spec_id)
          return FailedPrecondition(name + " wrote files with partition spec " + std::to_string(mf.partition_spec_id) +
                                    ", which is no longer the table's; write them again");
        change.added.push_back(std::move(e.file));
      }
    }
  }
  if (change.added.empty()) return FailedPrecondition(name + " adds no data file");
  // Checked against this main: a commit that lands meanwhile (a publish of
  // the same snapshot, say) fails this one rather than add the files twice.
  change.read_snapshot = head.value_or(0);
  change.spec_id = m.DefaultSpec()->spec_id;
  return Commit(ident, change);
}

}  // namespace floe::iceberg
