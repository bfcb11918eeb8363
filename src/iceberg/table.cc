#include "iceberg/table.h"

#include <thread>

#include "iceberg/internal/commit_util.h"
#include "iceberg/values.h"

namespace floe::iceberg {

int64_t CutoffMs(std::chrono::nanoseconds age, const Clock& clock) {
  return Ms(clock.Now() - std::chrono::duration_cast<Timestamp::duration>(age));
}

std::string NewUuid() {
  uint64_t hi = Rng()(), lo = Rng()();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

Tables::Tables(SqlCatalog& catalog, storage::ObjectStores& stores, const Clock& clock)
    : catalog_(catalog), stores_(stores), clock_(clock) {}

Result<std::string> Tables::Read(const std::string& uri) {
  ASSIGN_OR_RETURN(storage::ObjectLocation at, stores_.Open(uri));
  auto bytes = at.store->Get(at.key);
  if (!bytes.ok()) return Status(bytes.status()).WithContext("reading " + uri);
  return bytes;
}

Status Tables::Write(const std::string& uri, std::string_view bytes) {
  ASSIGN_OR_RETURN(storage::ObjectLocation at, stores_.Open(uri));
  Status s = at.store->Put(at.key, bytes);
  return s.ok() ? s : std::move(s).WithContext("writing " + uri);
}

void Tables::Delete(const std::string& uri) {
  auto at = stores_.Open(uri);
  if (at.ok()) at->store->Delete(at->key).IgnoreError();
}

Result<LoadedTable> Tables::Create(const TableIdent& ident, const std::string& location, Schema schema,
                                   PartitionSpec spec, std::map<std::string, std::string> properties) {
  if (location.empty()) return InvalidArgument("table " + ident.ToString() + " needs a location");
  std::string base = location.back() == '/' ? location.substr(0, location.size() - 1) : location;
  ASSIGN_OR_RETURN(TypePtr partition, PartitionType(spec, schema));  // checks the spec against the schema
  (void)partition;
  TableMetadata m;
  m.table_uuid = NewUuid();
  m.location = base;
  m.last_updated_ms = Ms(clock_.Now());
  m.last_column_id = schema.HighestFieldId();
  m.current_schema_id = schema.schema_id;
  m.schemas.push_back(std::move(schema));
  m.default_spec_id = spec.spec_id;
  for (const auto& f : spec.fields) m.last_partition_id = std::max(m.last_partition_id, f.field_id);
  m.specs.push_back(std::move(spec));
  m.sort_orders.push_back(SortOrder{});
  m.properties = std::move(properties);
  ASSIGN_OR_RETURN(std::string json, TableMetadataToJson(m, 2));
  std::string file = MetadataFile(base, 0);
  RETURN_IF_ERROR(Write(file, json));
  Status registered = catalog_.CreateTable(ident, file);
  if (!registered.ok()) {
    Delete(file);
    return registered;
  }
  return LoadedTable{ident, file, std::move(m)};
}

Result<LoadedTable> Tables::Load(const TableIdent& ident) {
  ASSIGN_OR_RETURN(std::string location, catalog_.LoadTable(ident));
  ASSIGN_OR_RETURN(std::string json, Read(location));
  ASSIGN_OR_RETURN(TableMetadata m, ParseTableMetadata(json, location));
  return LoadedTable{ident, location, std::move(m)};
}

Result<LoadedTable> Tables::UpdateMetadata(const TableIdent& ident, const std::function<Status(TableMetadata&)>& edit) {
  ASSIGN_OR_RETURN(std::vector<LoadedTable> updated,
                   UpdateTogether({ident}, [&](const TableIdent&, TableMetadata& m) { return edit(m); }));
  return std::move(updated[0]);
}

Result<std::vector<LoadedTable>> Tables::UpdateTogether(
    const std::vector<TableIdent>& idents, const std::function<Status(const TableIdent&, TableMetadata&)>& edit) {
  if (idents.empty()) return std::vector<LoadedTable>{};
  std::vector<LoadedTable> tables;
  for (const auto& ident : idents) {
    ASSIGN_OR_RETURN(LoadedTable t, Load(ident));
    tables.push_back(std::move(t));
  }
  const int64_t retries = Property(tables[0].metadata, "commit.retry.num-retries", 4);
  const int64_t min_wait = Property(tables[0].metadata, "commit.retry.min-wait-ms", 100);
  for (int64_t attempt = 0;; ++attempt) {
    std::vector<LoadedTable> next;
    std::vector<SqlCatalog::TableCommit> commits;
    auto abandon = [&](Status s) {
      for (const auto& c : commits) Delete(c.new_location);
      return s;
    };
    for (const auto& table : tables) {
      TableMetadata m = table.metadata;
      if (Status s = edit(table.ident, m); !s.ok()) return abandon(s);
      m.last_updated_ms = std::max(Ms(clock_.Now()), table.metadata.last_updated_ms);
      m.metadata_log.emplace_back(table.metadata.last_updated_ms, table.metadata_location);
      auto json = TableMetadataToJson(m, 2);
      if (!json.ok()) return abandon(json.status());
      std::string file = MetadataFile(m.location, std::max(MetadataVersion(table.metadata_location), 0) + 1);
      if (Status s = Write(file, *json); !s.ok()) return abandon(s);
      commits.push_back({table.ident, table.metadata_location, file});
      next.push_back(LoadedTable{table.ident, file, std::move(m)});
    }
    Status committed = catalog_.CommitTables(commits);
    if (committed.ok()) return next;
    abandon(committed).IgnoreError();  // the written files are unreachable; the commit's error is what matters
    if (committed.code() != StatusCode::kFailedPrecondition || attempt >= retries) return committed;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(0, min_wait << std::min<int64_t>(attempt, 10))(Rng())));
    for (auto& t : tables) {
      ASSIGN_OR_RETURN(t, Load(t.ident));
    }
  }
}

Result<LoadedTable> Tables::Append(const TableIdent& ident, const std::vector<DataFile>& files) {
  if (files.empty()) return InvalidArgument("nothing to append to " + ident.ToString());
  return Commit(ident, TableChange{.operation = "append", .added = files});
}

namespace {

// The head of `branch` (main: the current snapshot); a branch that does not
// exist yet starts from the current snapshot.
const Snapshot* BranchHead(const TableMetadata& m, const std::string& branch) {
  auto ref = m.refs.find(branch);
  if (ref != m.refs.end()) return m.FindSnapshot(ref->second.snapshot_id);
  return m.CurrentSnapshot();
}

}  // namespace

Status Tables::MergeManifests(const TableMetadata& base, const Schema& schema, const PartitionSpec& spec,
                              int64_t snapshot_id, int64_t sequence, ManifestList& list,
                              std::vector<std::string>& written) {
  const int64_t min_count = Property(base, "commit.manifest.min-count-to-merge", 100);
  const int64_t target = Property(base, "commit.manifest.target-size-bytes", int64_t{8} << 20);
  // Candidates: the parent's data manifests of the default spec (not this
  // commit's own new manifest, nor rewritten ones, which carry its id).
  std::vector<size_t> candidates;
  for (size_t i = 0; i < list.manifests.size(); ++i) {
    const ManifestFile& mf = list.manifests[i];
    if (!mf.deletes && mf.partition_spec_id == spec.spec_id && mf.added_snapshot_id != snapshot_id)
      candidates.push_back(i);
  }
  if (static_cast<int64_t>(candidates.size()) < min_count) return Status::Ok();
  // Bins of consecutive manifests up to the target size.
  std::vector<std::vector<size_t>> bins(1);
  int64_t size = 0;
  for (size_t i : candidates) {
    if (size > 0 && size + list.manifests[i].manifest_length > target) {
      bins.emplace_back();
      size = 0;
    }
    bins.back().push_back(i);
    size += list.manifests[i].manifest_length;
  }
  std::set<size_t> replaced;
  std::vector<ManifestFile> merged_files;
  for (const auto& bin : bins) {
    if (bin.size() < 2) continue;
    Manifest merged{.schema = schema, .spec = spec};
    ManifestFile out{.partition_spec_id = spec.spec_id,
                     .sequence_number = sequence,
                     .min_sequence_number = sequence,
                     .added_snapshot_id = snapshot_id};
    std::vector<DataFile> live;
    for (size_t i : bin) {
      const ManifestFile& mf = list.manifests[i];
      ASSIGN_OR_RETURN(std::string bytes, Read(mf.manifest_path));
      ASSIGN_OR_RETURN(Manifest m, ReadManifest(bytes, mf.manifest_path));
      InheritFrom(mf, m.entries);
      for (auto& e : m.entries) {
        if (e.status == EntryStatus::kDeleted) continue;
        e.status = EntryStatus::kExisting;
        out.min_sequence_number = std::min(out.min_sequence_number, e.sequence_number.value_or(sequence));
        ++out.existing_files_count;
        out.existing_rows_count += e.file.record_count;
        live.push_back(e.file);
        merged.entries.push_back(std::move(e));
      }
    }
    ASSIGN_OR_RETURN(std::string bytes, WriteManifest(merged));
    ASSIGN_OR_RETURN(out.partitions, Summaries(spec, schema, live));
    out.manifest_path = base.location + "/metadata/" + NewUuid() + "-m" + std::to_string(written.size() + 1) + ".avro";
    out.manifest_length = static_cast<int64_t>(bytes.size());
    RETURN_IF_ERROR(Write(out.manifest_path, bytes));
    written.push_back(out.manifest_path);
    merged_files.push_back(std::move(out));
    replaced.insert(bin.begin(), bin.end());
  }
  if (replaced.empty()) return Status::Ok();
  std::vector<ManifestFile> kept;
  for (size_t i = 0; i < list.manifests.size(); ++i)
    if (!replaced.count(i)) kept.push_back(std::move(list.manifests[i]));
  for (auto& m : merged_files) kept.push_back(std::move(m));
  list.manifests = std::move(kept);
  return Status::Ok();
}

Result<LoadedTable> Tables::Commit(const TableIdent& ident, const TableChange& change) {
  if (change.added.empty() && change.removed.empty() && change.added_deletes.empty())
    return InvalidArgument("nothing to commit to " + ident.ToString());
  ASSIGN_OR_RETURN(LoadedTable table, Load(ident));
  if (auto ref = table.metadata.refs.find(change.branch); ref != table.metadata.refs.end() && !ref->second.branch)
    return FailedPrecondition(ident.ToString() + ": '" + change.branch + "' is a tag; commits go to branches");
  // The metadata as this commit leaves it (schema and spec changes that
  // land with the data).
  auto edited = [&](const TableMetadata& m) -> Result<TableMetadata> {
    TableMetadata out = m;
    if (change.metadata_edit) RETURN_IF_ERROR(change.metadata_edit(out));
    return out;
  };
  ASSIGN_OR_RETURN(TableMetadata target, edited(table.metadata));
  if ((change.spec_id && *change.spec_id != target.DefaultSpec()->spec_id) ||
      (change.schema_id && *change.schema_id != target.CurrentSchema()->schema_id))
    return FailedPrecondition("committing to " + ident.ToString() +
                              ": the table's schema or partition spec changed since the files were written; write "
                              "them again");
  const int64_t retries = Property(table.metadata, "commit.retry.num-retries", 4);
  const int64_t min_wait = Property(table.metadata, "commit.retry.min-wait-ms", 100);
  const int64_t max_wait = Property(table.metadata, "commit.retry.max-wait-ms", 60000);

  // The new files' manifest is written once: its entries inherit the
  // snapshot and sequence number from whichever manifest list commits.
  // Copies: `table` is reloaded when a commit loses the race.
  Manifest manifest{.schema = *target.CurrentSchema(), .spec = *target.DefaultSpec()};
  const Schema* schema = &manifest.schema;
  const PartitionSpec* spec = &manifest.spec;
  int64_t added_rows = 0, added_bytes = 0;
  for (const auto& f : change.added) {
    manifest.entries.push_back({.status = EntryStatus::kAdded, .file = f});
    added_rows += f.record_count;
    added_bytes += f.file_size_in_bytes;
  }
  std::string manifest_path;
  std::string manifest_bytes;
  std::vector<FieldSummary> summaries;
  if (!change.added.empty()) {
    ASSIGN_OR_RETURN(manifest_bytes, WriteManifest(manifest));
    ASSIGN_OR_RETURN(summaries, Summaries(*spec, *schema, change.added));
    manifest_path = table.metadata.location + "/metadata/" + NewUuid() + "-m0.avro";
    RETURN_IF_ERROR(Write(manifest_path, manifest_bytes));
  }
  // The delete files' manifests (one per spec), written once like the data one.
  std::vector<ManifestFile> delete_manifests;
  int64_t added_delete_files = 0, added_positions = 0, added_equality_files = 0, added_equalities = 0,
          added_delete_bytes = 0;
  auto give_up = [&](Status s) {
    if (!manifest_path.empty()) Delete(manifest_path);
    for (const auto& mf : delete_manifests) Delete(mf.manifest_path);
    return s;
  };
  for (const auto& [spec_id, files] : change.added_deletes) {
    const PartitionSpec* delete_spec = table.metadata.FindSpec(spec_id);
    const Schema* delete_schema = delete_spec ? table.metadata.SchemaFor(*delete_spec) : nullptr;
    if (!delete_schema)
      return give_up(FailedPrecondition(ident.ToString() + " has no partition spec " + std::to_string(spec_id)));
    Manifest deletes{.schema = *delete_schema, .spec = *delete_spec, .deletes = true};
    ManifestFile mf{.partition_spec_id = spec_id, .deletes = true};
    for (const auto& f : files) {
      deletes.entries.push_back({.status = EntryStatus::kAdded, .file = f});
      ++mf.added_files_count;
      mf.added_rows_count += f.record_count;
      ++added_delete_files;
      if (f.content == FileContent::kEqualityDeletes) {
        ++added_equality_files;
        added_equalities += f.record_count;
      } else {
        added_positions += f.record_count;
      }
      added_delete_bytes += f.file_size_in_bytes;
    }
    auto bytes = WriteManifest(deletes);
    if (!bytes.ok()) return give_up(bytes.status());
    auto delete_summaries = Summaries(*delete_spec, *delete_schema, files);
    if (!delete_summaries.ok()) return give_up(delete_summaries.status());
    mf.partitions = std::move(*delete_summaries);
    mf.manifest_path = table.metadata.location + "/metadata/" + NewUuid() + "-d" + std::to_string(spec_id) + ".avro";
    mf.manifest_length = static_cast<int64_t>(bytes->size());
    if (Status put = Write(mf.manifest_path, *bytes); !put.ok()) return give_up(put);
    delete_manifests.push_back(std::move(mf));
  }

  for (int64_t attempt = 0;; ++attempt) {
    const TableMetadata& base = table.metadata;
    const Snapshot* parent = BranchHead(base, change.branch);
    if (change.read_snapshot && *change.read_snapshot != (parent ? parent->snapshot_id : 0))
      return give_up(FailedPrecondition("committing to " + ident.ToString() + ": branch '" + change.branch +
                                        "' moved from snapshot " + std::to_string(*change.read_snapshot) + " to " +
                                        std::to_string(parent ? parent->snapshot_id : 0) +
                                        " since the rows were read; run it again"));
    int64_t sequence = base.last_sequence_number + 1;
    int64_t snapshot_id = NewSnapshotId();
    ManifestList list{.snapshot_id = snapshot_id,
                      .parent_snapshot_id = parent ? std::optional<int64_t>(parent->snapshot_id) : std::nullopt,
                      .sequence_number = sequence};
    if (!change.added.empty()) {
      list.manifests.push_back({.manifest_path = manifest_path,
                                .manifest_length = static_cast<int64_t>(manifest_bytes.size()),
                                .partition_spec_id = spec->spec_id,
                                .sequence_number = sequence,
                                .min_sequence_number = sequence,
                                .added_snapshot_id = snapshot_id,
                                .added_files_count = static_cast<int32_t>(change.added.size()),
                                .added_rows_count = added_rows,
                                .partitions = summaries});
    }
    for (ManifestFile mf : delete_manifests) {
      mf.sequence_number = mf.min_sequence_number = sequence;
      mf.added_snapshot_id = snapshot_id;
      list.manifests.push_back(std::move(mf));
    }
    // The parent's manifests are kept; those that hold a removed file are
    // written again with it DELETED (and the rest EXISTING).
    std::vector<std::string> written;  // this attempt's files, deleted if it fails
    auto cleanup = [&] {
      for (const auto& f : written) Delete(f);
    };
    auto fail = [&](Status s) {
      cleanup();
      return give_up(std::move(s));
    };
    std::set<std::string> found;
    int64_t deleted_rows = 0, deleted_bytes = 0, deleted_files = 0;
    if (parent) {
      auto previous = Read(parent->manifest_list);
      if (!previous.ok()) return give_up(previous.status());
      auto kept = ReadManifestList(*previous, parent->manifest_list);
      if (!kept.ok()) return give_up(kept.status());
      for (auto& mf : kept->manifests) {
        if (change.removed.empty() || mf.deletes) {
          list.manifests.push_back(std::move(mf));
          continue;
        }
        auto bytes = Read(mf.manifest_path);
        if (!bytes.ok()) return fail(bytes.status());
        auto old = ReadManifest(*bytes, mf.manifest_path);
        if (!old.ok()) return fail(old.status());
        InheritFrom(mf, old->entries);
        bool touched = false;
        for (const auto& e : old->entries)
          touched = touched || (e.status != EntryStatus::kDeleted && change.removed.count(e.file.file_path));
        if (!touched) {
          list.manifests.push_back(std::move(mf));
          continue;
        }
        const PartitionSpec* old_spec = base.FindSpec(mf.partition_spec_id);
        if (!old_spec)
          return fail(FailedPrecondition(mf.manifest_path + " uses partition spec " +
                                         std::to_string(mf.partition_spec_id) +
                                         ", which the table's metadata does not hold"));
        const Schema* spec_schema = base.SchemaFor(*old_spec);
        if (!spec_schema)
          return fail(FailedPrecondition("partition spec " + std::to_string(old_spec->spec_id) +
                                         " has a source column no schema of the table holds"));
        Manifest rewritten{.schema = *spec_schema, .spec = *old_spec};
        ManifestFile out{.partition_spec_id = mf.partition_spec_id,
                         .sequence_number = sequence,
                         .min_sequence_number = sequence,
                         .added_snapshot_id = snapshot_id};
        std::vector<DataFile> live;
        for (auto& e : old->entries) {
          if (e.status == EntryStatus::kDeleted) continue;
          out.min_sequence_number = std::min(out.min_sequence_number, e.sequence_number.value_or(sequence));
          if (change.removed.count(e.file.file_path)) {
            found.insert(e.file.file_path);
            deleted_rows += e.file.record_count;
            deleted_bytes += e.file.file_size_in_bytes;
            ++deleted_files;
            ++out.deleted_files_count;
            out.deleted_rows_count += e.file.record_count;
            e.status = EntryStatus::kDeleted;
            e.snapshot_id = snapshot_id;
          } else {
            ++out.existing_files_count;
            out.existing_rows_count += e.file.record_count;
            e.status = EntryStatus::kExisting;
            live.push_back(e.file);
          }
          rewritten.entries.push_back(std::move(e));
        }
        auto rewritten_bytes = WriteManifest(rewritten);
        if (!rewritten_bytes.ok()) return fail(rewritten_bytes.status());
        auto live_summaries = Summaries(*old_spec, *spec_schema, live);
        if (!live_summaries.ok()) return fail(live_summaries.status());
        out.partitions = *live_summaries;
        out.manifest_path =
            base.location + "/metadata/" + NewUuid() + "-m" + std::to_string(written.size() + 1) + ".avro";
        out.manifest_length = static_cast<int64_t>(rewritten_bytes->size());
        Status put = Write(out.manifest_path, *rewritten_bytes);
        if (!put.ok()) return fail(put);
        written.push_back(out.manifest_path);
        list.manifests.push_back(std::move(out));
      }
    }
    if (found.size() != change.removed.size()) {
      for (const auto& path : change.removed)
        if (!found.count(path))
          return fail(FailedPrecondition(ident.ToString() + ": data file " + path + " is no longer in branch '" +
                                         change.branch +
                                         "' (a concurrent commit removed or rewrote it); read the table again"));
    }
    // As Iceberg's appends do: once the parent's data manifests of the
    // default spec reach commit.manifest.min-count-to-merge (100), they are
    // merged into manifests of up to commit.manifest.target-size-bytes
    // (8 MiB), so planning reads a few manifests, not one per commit.
    auto merge = base.properties.find("commit.manifest-merge.enabled");
    if (merge == base.properties.end() || merge->second == "true") {
      Status merged = MergeManifests(base, *schema, *spec, snapshot_id, sequence, list, written);
      if (!merged.ok()) return fail(merged);
    }
    auto list_bytes = WriteManifestList(list);
    if (!list_bytes.ok()) return fail(list_bytes.status());
    std::string list_path = base.location + "/metadata/snap-" + std::to_string(snapshot_id) + "-" +
                            std::to_string(attempt + 1) + "-" + NewUuid() + ".avro";
    Status put = Write(list_path, *list_bytes);
    if (!put.ok()) return fail(put);
    written.push_back(list_path);

    auto next_or = edited(base);
    if (!next_or.ok()) return fail(next_or.status());
    TableMetadata next = std::move(*next_or);
    int64_t now = std::max(Ms(clock_.Now()), base.last_updated_ms);
    Snapshot snapshot{.snapshot_id = snapshot_id,
                      .parent_snapshot_id = list.parent_snapshot_id,
                      .sequence_number = sequence,
                      .timestamp_ms = now,
                      .manifest_list = list_path,
                      .schema_id = schema->schema_id};
    auto total = [&](const std::string& key, int64_t delta) {
      return std::to_string(std::max<int64_t>(0, Counter(parent, key) + delta));
    };
    snapshot.summary = change.summary;
    snapshot.summary["operation"] = change.operation;
    if (!change.added.empty()) {
      snapshot.summary["added-data-files"] = std::to_string(change.added.size());
      snapshot.summary["added-records"] = std::to_string(added_rows);
      snapshot.summary["added-files-size"] = std::to_string(added_bytes);
    }
    if (deleted_files) {
      snapshot.summary["deleted-data-files"] = std::to_string(deleted_files);
      snapshot.summary["deleted-records"] = std::to_string(deleted_rows);
      snapshot.summary["removed-files-size"] = std::to_string(deleted_bytes);
    }
    snapshot.summary["total-data-files"] =
        total("total-data-files", static_cast<int64_t>(change.added.size()) - deleted_files);
    snapshot.summary["total-records"] = total("total-records", added_rows - deleted_rows);
    snapshot.summary["total-files-size"] = total("total-files-size", added_bytes + added_delete_bytes - deleted_bytes);
    if (added_delete_files) {
      snapshot.summary["added-delete-files"] = std::to_string(added_delete_files);
      if (added_delete_files > added_equality_files) {
        snapshot.summary["added-position-delete-files"] = std::to_string(added_delete_files - added_equality_files);
        snapshot.summary["added-position-deletes"] = std::to_string(added_positions);
      }
      if (added_equality_files) {
        snapshot.summary["added-equality-delete-files"] = std::to_string(added_equality_files);
        snapshot.summary["added-equality-deletes"] = std::to_string(added_equalities);
      }
      snapshot.summary["added-files-size"] = std::to_string(added_bytes + added_delete_bytes);
    }
    snapshot.summary["total-delete-files"] = total("total-delete-files", added_delete_files);
    snapshot.summary["total-position-deletes"] = total("total-position-deletes", added_positions);
    snapshot.summary["total-equality-deletes"] = total("total-equality-deletes", added_equalities);
    next.snapshots.push_back(snapshot);
    SnapshotRef ref;
    if (auto old = base.refs.find(change.branch); old != base.refs.end()) ref = old->second;
    ref.snapshot_id = snapshot_id;
    ref.branch = true;
    next.refs[change.branch] = ref;
    if (change.branch == "main") {
      next.current_snapshot_id = snapshot_id;
      next.snapshot_log.emplace_back(now, snapshot_id);
    }
    next.last_sequence_number = sequence;
    next.last_updated_ms = now;
    next.metadata_log.emplace_back(base.last_updated_ms, table.metadata_location);
    auto json = TableMetadataToJson(next, 2);
    if (!json.ok()) return fail(json.status());
    std::string file = MetadataFile(base.location, std::max(MetadataVersion(table.metadata_location), 0) + 1);
    put = Write(file, *json);
    if (!put.ok()) return fail(put);
    written.push_back(file);

    Status committed = catalog_.CommitTable(ident, table.metadata_location, file);
    if (committed.ok()) return LoadedTable{ident, file, std::move(next)};
    // Lost the race (or failed): what this attempt wrote goes.
    cleanup();
    if (committed.code() != StatusCode::kFailedPrecondition || attempt >= retries) {
      if (committed.code() == StatusCode::kFailedPrecondition)
        return give_up(Status(committed).WithContext("committing to " + ident.ToString() + ": gave up after " +
                                                     std::to_string(retries) + " retries (commit.retry.num-retries)"));
      return give_up(committed);
    }
    int64_t wait = std::min<int64_t>(max_wait, min_wait << std::min<int64_t>(attempt, 20));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, wait)(Rng())));
    // Rebase onto whatever committed meanwhile; the loop validates again.
    auto reloaded = Load(ident);
    if (!reloaded.ok()) return give_up(reloaded.status());
    table = std::move(*reloaded);
    auto again = edited(table.metadata);
    if (!again.ok()) return give_up(again.status());
    if (again->CurrentSchema()->schema_id != schema->schema_id || again->DefaultSpec()->spec_id != spec->spec_id) {
      return give_up(FailedPrecondition("committing to " + ident.ToString() +
                                        ": the table's schema or partition spec changed meanwhile; write the files "
                                        "again"));
    }
  }
}

Result<std::vector<ManifestEntry>> Tables::PlanFiles(const LoadedTable& table, std::optional<int64_t> snapshot_id) {
  const Snapshot* snapshot = snapshot_id ? table.metadata.FindSnapshot(*snapshot_id) : table.metadata.CurrentSnapshot();
  if (snapshot_id && !snapshot)
    return NotFound("table " + table.ident.ToString() + " has no snapshot " + std::to_string(*snapshot_id));
  std::vector<ManifestEntry> live;
  if (!snapshot) return live;  // an empty table
  if (snapshot->manifest_list.empty())
    return Status(StatusCode::kUnimplemented, "snapshot " + std::to_string(snapshot->snapshot_id) +
                                                  " lists its manifests without a manifest list (format v1)");
  ASSIGN_OR_RETURN(std::string list_bytes, Read(snapshot->manifest_list));
  ASSIGN_OR_RETURN(ManifestList list, ReadManifestList(list_bytes, snapshot->manifest_list));
  for (const auto& mf : list.manifests) {
    if (mf.deletes) continue;
    ASSIGN_OR_RETURN(std::string bytes, Read(mf.manifest_path));
    ASSIGN_OR_RETURN(Manifest m, ReadManifest(bytes, mf.manifest_path));
    InheritFrom(mf, m.entries);
    for (auto& e : m.entries)
      if (e.status != EntryStatus::kDeleted) live.push_back(std::move(e));
  }
  return live;
}

}  // namespace floe::iceberg
