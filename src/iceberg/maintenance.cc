// Tables::ExpireSnapshots: metadata first (one commit), then the files only
// the expired snapshots reached. A crash between the two leaves unreferenced
// files behind, never a snapshot without its files.
#include <limits>
#include <set>

#include "iceberg/table.h"

namespace floe::iceberg {

Result<ExpireResult> Tables::ExpireSnapshots(const TableIdent& ident, int64_t older_than_ms, int retain_last) {
  if (retain_last < 1) return InvalidArgument("retain_last must be at least 1");
  std::vector<Snapshot> expired;
  auto committed = UpdateMetadata(ident, [&](TableMetadata& m) -> Status {
    expired.clear();
    std::set<int64_t> keep;
    for (const auto& [name, ref] : m.refs) keep.insert(ref.snapshot_id);
    int kept = 0;
    for (const Snapshot* s = m.CurrentSnapshot(); s && kept < retain_last;
         s = s->parent_snapshot_id ? m.FindSnapshot(*s->parent_snapshot_id) : nullptr, ++kept)
      keep.insert(s->snapshot_id);
    std::vector<Snapshot> remaining;
    for (auto& s : m.snapshots) {
      if (keep.count(s.snapshot_id) || s.timestamp_ms >= older_than_ms) {
        remaining.push_back(std::move(s));
      } else {
        expired.push_back(std::move(s));
      }
    }
    m.snapshots = std::move(remaining);
    std::set<int64_t> gone;
    for (const auto& s : expired) gone.insert(s.snapshot_id);
    // As Iceberg's: the log keeps only what follows the last expired
    // snapshot, so time travel to before it fails instead of reading an
    // older snapshot that survived (a tag's).
    size_t last_gone = 0;
    for (size_t i = 0; i < m.snapshot_log.size(); ++i)
      if (gone.count(m.snapshot_log[i].second)) last_gone = i + 1;
    m.snapshot_log.erase(m.snapshot_log.begin(), m.snapshot_log.begin() + static_cast<std::ptrdiff_t>(last_gone));
    return Status::Ok();
  });
  if (!committed.ok()) return committed.status();
  ExpireResult result{.table = *committed, .snapshots = static_cast<int64_t>(expired.size())};
  if (expired.empty()) return result;

  // What the kept snapshots reach.
  std::set<std::string> lists, manifests, data;
  for (const auto& s : committed->metadata.snapshots) {
    if (s.manifest_list.empty()) continue;
    lists.insert(s.manifest_list);
    ASSIGN_OR_RETURN(std::string bytes, Read(s.manifest_list));
    ASSIGN_OR_RETURN(ManifestList list, ReadManifestList(bytes, s.manifest_list));
    for (const auto& mf : list.manifests) {
      if (!manifests.insert(mf.manifest_path).second) continue;
      ASSIGN_OR_RETURN(std::string mbytes, Read(mf.manifest_path));
      ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(mbytes, mf.manifest_path));
      for (const auto& e : manifest.entries)
        if (e.status != EntryStatus::kDeleted) data.insert(e.file.file_path);
    }
  }
  // What only the expired ones reached goes.
  std::set<std::string> seen_manifests;
  for (const auto& s : expired) {
    if (s.manifest_list.empty() || lists.count(s.manifest_list)) continue;
    auto bytes = Read(s.manifest_list);
    if (!bytes.ok()) continue;  // already gone (an earlier, interrupted expiry)
    auto list = ReadManifestList(*bytes, s.manifest_list);
    if (!list.ok()) continue;
    for (const auto& mf : list->manifests) {
      if (manifests.count(mf.manifest_path) || !seen_manifests.insert(mf.manifest_path).second) continue;
      auto mbytes = Read(mf.manifest_path);
      if (!mbytes.ok()) continue;
      auto manifest = ReadManifest(*mbytes, mf.manifest_path);
      if (!manifest.ok()) continue;
      for (const auto& e : manifest->entries) {
        if (data.count(e.file.file_path)) continue;
        data.insert(e.file.file_path);  // deleted once
        Delete(e.file.file_path);
        ++result.data_files;
      }
      Delete(mf.manifest_path);
      ++result.manifests;
    }
    Delete(s.manifest_list);
    ++result.manifest_lists;
  }
  return result;
}

Result<OrphanResult> Tables::RemoveOrphanFiles(const TableIdent& ident, int64_t older_than_ms, bool dry_run) {
  ASSIGN_OR_RETURN(LoadedTable table, Load(ident));
  const TableMetadata& m = table.metadata;
  // Everything the metadata reaches, every snapshot's files included.
  std::set<std::string> reached = {table.metadata_location};
  for (const auto& [ms, file] : m.metadata_log) reached.insert(file);
  std::set<std::string> manifests;
  for (const auto& s : m.snapshots) {
    if (s.manifest_list.empty()) continue;
    reached.insert(s.manifest_list);
    ASSIGN_OR_RETURN(std::string bytes, Read(s.manifest_list));
    ASSIGN_OR_RETURN(ManifestList list, ReadManifestList(bytes, s.manifest_list));
    for (const auto& mf : list.manifests) manifests.insert(mf.manifest_path);
  }
  for (const auto& path : manifests) {
    reached.insert(path);
    ASSIGN_OR_RETURN(std::string bytes, Read(path));
    ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(bytes, path));
    for (const auto& e : manifest.entries) reached.insert(e.file.file_path);
  }
  // Only the table's own data and metadata folders: a table nested under
  // this one's location (lake.orders.daily under lake.orders) is not ours.
  OrphanResult result;
  for (const std::string& folder : {m.location + "/data/", m.location + "/metadata/"}) {
    ASSIGN_OR_RETURN(storage::ObjectLocation at, stores_.Open(folder));
    auto listed = storage::ListAll(*at.store, at.key);
    if (!listed.ok()) return Status(listed.status()).WithContext("listing " + folder);
    for (const auto& o : *listed) {
      std::string uri = folder + o.key.substr(at.key.size());
      if (reached.count(uri) || reached.count(at.store->Uri(o.key)) || o.key.ends_with("version-hint.text")) {
        ++result.kept;
        continue;
      }
      auto modified = ParseTimestamp(o.last_modified);
      int64_t ms = modified.ok()
                       ? std::chrono::duration_cast<std::chrono::milliseconds>(modified->time_since_epoch()).count()
                       : std::numeric_limits<int64_t>::max();
      if (ms >= older_than_ms) {
        result.too_new.push_back(uri);
        continue;
      }
      if (!dry_run) Delete(uri);
      result.deleted.push_back(uri);
    }
  }
  return result;
}

}  // namespace floe::iceberg
