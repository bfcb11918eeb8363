// Table maintenance. ExpireSnapshots: metadata first (one commit), then the
// files only the expired snapshots reached; a crash between the two leaves
// unreferenced files behind, never a snapshot without its files.
// RemoveOrphanFiles, and RewriteManifests (new manifests first, then one
// commit).
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "iceberg/internal/commit_util.h"
#include "iceberg/table.h"
#include "iceberg/values.h"

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

namespace floe::iceberg {

Result<Tables::RewriteManifestsResult> Tables::RewriteManifests(const TableIdent& ident) {
  ASSIGN_OR_RETURN(LoadedTable table, Load(ident));
  const TableMetadata& base = table.metadata;
  RewriteManifestsResult result{.table = table};
  const Snapshot* head = base.CurrentSnapshot();
  if (!head) return result;
  ASSIGN_OR_RETURN(std::string list_bytes, Read(head->manifest_list));
  ASSIGN_OR_RETURN(ManifestList old_list, ReadManifestList(list_bytes, head->manifest_list));
  std::map<int, std::vector<const ManifestFile*>> by_spec;
  for (const auto& mf : old_list.manifests)
    if (!mf.deletes) by_spec[mf.partition_spec_id].push_back(&mf);
  bool worth_it = false;
  for (const auto& [spec, manifests] : by_spec) worth_it |= manifests.size() > 1;
  if (!worth_it) return result;

  const int64_t target = Property(base, "commit.manifest.target-size-bytes", int64_t{8} << 20);
  const int64_t snapshot_id = NewSnapshotId();
  const int64_t sequence = base.last_sequence_number + 1;
  ManifestList list{.snapshot_id = snapshot_id, .parent_snapshot_id = head->snapshot_id, .sequence_number = sequence};
  for (const auto& mf : old_list.manifests)
    if (mf.deletes) list.manifests.push_back(mf);
  std::vector<std::string> written;
  auto fail = [&](Status s) {
    for (const auto& f : written) Delete(f);
    return s;
  };
  for (const auto& [spec_id, manifests] : by_spec) {
    if (manifests.size() < 2) {
      list.manifests.push_back(*manifests[0]);
      continue;
    }
    const PartitionSpec* spec = base.FindSpec(spec_id);
    const Schema* schema = spec ? base.SchemaFor(*spec) : nullptr;
    if (!schema) return fail(FailedPrecondition("partition spec " + std::to_string(spec_id) + " cannot be described"));
    std::vector<ManifestEntry> live;
    int64_t old_bytes = 0;
    for (const ManifestFile* mf : manifests) {
      auto bytes = Read(mf->manifest_path);
      if (!bytes.ok()) return fail(bytes.status());
      auto manifest = ReadManifest(*bytes, mf->manifest_path);
      if (!manifest.ok()) return fail(manifest.status());
      InheritFrom(*mf, manifest->entries);
      for (auto& e : manifest->entries) {
        if (e.status == EntryStatus::kDeleted) continue;
        e.status = EntryStatus::kExisting;  // ids and sequence numbers stay as inherited
        live.push_back(std::move(e));
      }
      old_bytes += mf->manifest_length;
      ++result.replaced;
    }
    // Neighbouring partitions together, so a manifest's partition range is
    // narrow and planning can skip it.
    std::stable_sort(live.begin(), live.end(), [](const ManifestEntry& a, const ManifestEntry& b) {
      return std::lexicographical_compare(a.file.partition.begin(), a.file.partition.end(), b.file.partition.begin(),
                                          b.file.partition.end(), [](const tmpl::Value& x, const tmpl::Value& y) {
                                            if (x.is_null() || y.is_null()) return x.is_null() && !y.is_null();
                                            return ValueLess(x, y);
                                          });
    });
    const int64_t per_entry = live.empty() ? 1 : std::max<int64_t>(1, old_bytes / static_cast<int64_t>(live.size()));
    const size_t per_manifest = static_cast<size_t>(std::max<int64_t>(1, target / per_entry));
    for (size_t start = 0; start < live.size(); start += per_manifest) {
      Manifest manifest{.schema = *schema, .spec = *spec};
      ManifestFile out{.partition_spec_id = spec_id,
                       .sequence_number = sequence,
                       .min_sequence_number = sequence,
                       .added_snapshot_id = snapshot_id};
      std::vector<DataFile> files;
      for (size_t i = start; i < std::min(live.size(), start + per_manifest); ++i) {
        out.min_sequence_number = std::min(out.min_sequence_number, live[i].sequence_number.value_or(sequence));
        ++out.existing_files_count;
        out.existing_rows_count += live[i].file.record_count;
        files.push_back(live[i].file);
        manifest.entries.push_back(live[i]);
      }
      auto bytes = WriteManifest(manifest);
      if (!bytes.ok()) return fail(bytes.status());
      auto summaries = Summaries(*spec, *schema, files);
      if (!summaries.ok()) return fail(summaries.status());
      out.partitions = std::move(*summaries);
      out.manifest_path = base.location + "/metadata/" + NewUuid() + "-m" + std::to_string(written.size()) + ".avro";
      out.manifest_length = static_cast<int64_t>(bytes->size());
      if (Status put = Write(out.manifest_path, *bytes); !put.ok()) return fail(put);
      written.push_back(out.manifest_path);
      list.manifests.push_back(std::move(out));
      ++result.created;
    }
  }
  auto bytes = WriteManifestList(list);
  if (!bytes.ok()) return fail(bytes.status());
  std::string list_path = base.location + "/metadata/snap-" + std::to_string(snapshot_id) + "-1-" + NewUuid() + ".avro";
  if (Status put = Write(list_path, *bytes); !put.ok()) return fail(put);
  written.push_back(list_path);

  const int64_t read_from = head->snapshot_id;
  auto committed = UpdateMetadata(ident, [&](TableMetadata& m) -> Status {
    // The manifests describe the snapshot they were read from: a commit
    // that landed meanwhile would be lost.
    if (m.current_snapshot_id != read_from || m.last_sequence_number != base.last_sequence_number)
      return FailedPrecondition(ident.ToString() +
                                ": the table changed while its manifests were rewritten; run it again");
    Snapshot snapshot{.snapshot_id = snapshot_id,
                      .parent_snapshot_id = read_from,
                      .sequence_number = sequence,
                      .timestamp_ms = std::max(Ms(clock_.Now()), m.last_updated_ms),
                      .manifest_list = list_path,
                      .schema_id = m.current_schema_id};
    const Snapshot* parent = m.FindSnapshot(read_from);
    snapshot.summary = {{"operation", "replace"},
                        {"manifests-created", std::to_string(result.created)},
                        {"manifests-replaced", std::to_string(result.replaced)},
                        {"manifests-kept", std::to_string(list.manifests.size() - result.created)}};
    for (const char* key : {"total-data-files", "total-records", "total-files-size", "total-delete-files",
                            "total-position-deletes", "total-equality-deletes"})
      snapshot.summary[key] = std::to_string(Counter(parent, key));
    m.snapshots.push_back(snapshot);
    m.last_sequence_number = sequence;
    MoveMain(m, snapshot_id, snapshot.timestamp_ms);
    return Status::Ok();
  });
  if (!committed.ok()) return fail(committed.status());
  result.table = std::move(*committed);
  return result;
}

}  // namespace floe::iceberg
