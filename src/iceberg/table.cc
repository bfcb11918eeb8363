#include "iceberg/table.h"

#include <random>
#include <thread>

#include "iceberg/values.h"

namespace floe::iceberg {
namespace {

int64_t Ms(Timestamp t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count(); }

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

int64_t NewSnapshotId() { return static_cast<int64_t>(Rng()() & 0x7fffffffffffffffULL) | 1; }

// "…/metadata/00007-<uuid>.metadata.json" -> 7; -1 when not so named.
int MetadataVersion(const std::string& location) {
  size_t slash = location.rfind('/');
  std::string name = location.substr(slash == std::string::npos ? 0 : slash + 1);
  size_t dash = name.find('-');
  if (dash == std::string::npos || dash == 0) return -1;
  for (size_t i = 0; i < dash; ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
  return std::atoi(name.substr(0, dash).c_str());
}

std::string MetadataFile(const std::string& location, int version) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%05d", version);
  return location + "/metadata/" + prefix + "-" + NewUuid() + ".metadata.json";
}

int64_t Property(const TableMetadata& m, const std::string& key, int64_t fallback) {
  auto it = m.properties.find(key);
  if (it == m.properties.end()) return fallback;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  return *end == '\0' && !it->second.empty() ? v : fallback;
}

int64_t Counter(const Snapshot* s, const std::string& key) {
  if (!s) return 0;
  auto it = s->summary.find(key);
  return it == s->summary.end() ? 0 : std::atoll(it->second.c_str());
}

// Per spec field: whether a null appears and the lowest and highest values.
Result<std::vector<FieldSummary>> Summaries(const PartitionSpec& spec, const Schema& schema,
                                            const std::vector<DataFile>& files) {
  ASSIGN_OR_RETURN(TypePtr partition, PartitionType(spec, schema));
  std::vector<FieldSummary> out(spec.fields.size());
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const Type& type = *partition->fields[i].type;
    std::optional<tmpl::Value> low, high;
    for (const auto& f : files) {
      const tmpl::Value& v = f.partition[i];
      if (v.is_null()) {
        out[i].contains_null = true;
        continue;
      }
      if (!low || ValueLess(v, *low)) low = v;
      if (!high || ValueLess(*high, v)) high = v;
    }
    if (low) {
      ASSIGN_OR_RETURN(std::string lower, ToBound(type, *low));
      ASSIGN_OR_RETURN(std::string upper, ToBound(type, *high));
      out[i].lower_bound = lower;
      out[i].upper_bound = upper;
    }
  }
  return out;
}

}  // namespace

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

Result<LoadedTable> Tables::Append(const TableIdent& ident, const std::vector<DataFile>& files) {
  if (files.empty()) return InvalidArgument("nothing to append to " + ident.ToString());
  ASSIGN_OR_RETURN(LoadedTable table, Load(ident));
  const int64_t retries = Property(table.metadata, "commit.retry.num-retries", 4);
  const int64_t min_wait = Property(table.metadata, "commit.retry.min-wait-ms", 100);
  const int64_t max_wait = Property(table.metadata, "commit.retry.max-wait-ms", 60000);

  // The new files' manifest is written once: its entries inherit the
  // snapshot and sequence number from whichever manifest list commits.
  // Copies: `table` is reloaded when a commit loses the race.
  Manifest manifest{.schema = *table.metadata.CurrentSchema(), .spec = *table.metadata.DefaultSpec()};
  const Schema* schema = &manifest.schema;
  const PartitionSpec* spec = &manifest.spec;
  int64_t added_rows = 0, added_bytes = 0;
  for (const auto& f : files) {
    manifest.entries.push_back({.status = EntryStatus::kAdded, .file = f});
    added_rows += f.record_count;
    added_bytes += f.file_size_in_bytes;
  }
  ASSIGN_OR_RETURN(std::string manifest_bytes, WriteManifest(manifest));
  ASSIGN_OR_RETURN(std::vector<FieldSummary> summaries, Summaries(*spec, *schema, files));
  std::string manifest_path = table.metadata.location + "/metadata/" + NewUuid() + "-m0.avro";
  RETURN_IF_ERROR(Write(manifest_path, manifest_bytes));

  for (int64_t attempt = 0;; ++attempt) {
    const TableMetadata& base = table.metadata;
    const Snapshot* parent = base.CurrentSnapshot();
    int64_t sequence = base.last_sequence_number + 1;
    int64_t snapshot_id = NewSnapshotId();
    ManifestList list{.snapshot_id = snapshot_id,
                      .parent_snapshot_id = parent ? std::optional<int64_t>(parent->snapshot_id) : std::nullopt,
                      .sequence_number = sequence};
    list.manifests.push_back({.manifest_path = manifest_path,
                              .manifest_length = static_cast<int64_t>(manifest_bytes.size()),
                              .partition_spec_id = spec->spec_id,
                              .sequence_number = sequence,
                              .min_sequence_number = sequence,
                              .added_snapshot_id = snapshot_id,
                              .added_files_count = static_cast<int32_t>(files.size()),
                              .added_rows_count = added_rows,
                              .partitions = summaries});
    if (parent) {
      ASSIGN_OR_RETURN(std::string previous, Read(parent->manifest_list));
      ASSIGN_OR_RETURN(ManifestList kept, ReadManifestList(previous, parent->manifest_list));
      for (auto& m : kept.manifests) list.manifests.push_back(std::move(m));
    }
    ASSIGN_OR_RETURN(std::string list_bytes, WriteManifestList(list));
    std::string list_path = base.location + "/metadata/snap-" + std::to_string(snapshot_id) + "-" +
                            std::to_string(attempt + 1) + "-" + NewUuid() + ".avro";
    RETURN_IF_ERROR(Write(list_path, list_bytes));

    TableMetadata next = base;
    int64_t now = std::max(Ms(clock_.Now()), base.last_updated_ms);
    Snapshot snapshot{.snapshot_id = snapshot_id,
                      .parent_snapshot_id = list.parent_snapshot_id,
                      .sequence_number = sequence,
                      .timestamp_ms = now,
                      .manifest_list = list_path,
                      .schema_id = schema->schema_id};
    snapshot.summary = {
        {"operation", "append"},
        {"added-data-files", std::to_string(files.size())},
        {"added-records", std::to_string(added_rows)},
        {"added-files-size", std::to_string(added_bytes)},
        {"changed-partition-count", std::to_string(spec->fields.empty() ? 1 : files.size())},
        {"total-data-files", std::to_string(Counter(parent, "total-data-files") + static_cast<int64_t>(files.size()))},
        {"total-records", std::to_string(Counter(parent, "total-records") + added_rows)},
        {"total-files-size", std::to_string(Counter(parent, "total-files-size") + added_bytes)},
        {"total-delete-files", std::to_string(Counter(parent, "total-delete-files"))},
        {"total-position-deletes", std::to_string(Counter(parent, "total-position-deletes"))},
        {"total-equality-deletes", std::to_string(Counter(parent, "total-equality-deletes"))},
    };
    next.snapshots.push_back(snapshot);
    next.current_snapshot_id = snapshot_id;
    next.refs["main"] = SnapshotRef{.snapshot_id = snapshot_id};
    next.last_sequence_number = sequence;
    next.last_updated_ms = now;
    next.snapshot_log.emplace_back(now, snapshot_id);
    next.metadata_log.emplace_back(base.last_updated_ms, table.metadata_location);
    ASSIGN_OR_RETURN(std::string json, TableMetadataToJson(next, 2));
    std::string file = MetadataFile(base.location, std::max(MetadataVersion(table.metadata_location), 0) + 1);
    RETURN_IF_ERROR(Write(file, json));

    Status committed = catalog_.CommitTable(ident, table.metadata_location, file);
    if (committed.ok()) return LoadedTable{ident, file, std::move(next)};
    // Lost the race (or failed): what this attempt wrote goes.
    Delete(file);
    Delete(list_path);
    if (committed.code() != StatusCode::kFailedPrecondition || attempt >= retries) {
      Delete(manifest_path);
      if (committed.code() == StatusCode::kFailedPrecondition)
        return Status(committed).WithContext("appending to " + ident.ToString() + ": gave up after " +
                                             std::to_string(retries) + " retries (commit.retry.num-retries)");
      return committed;
    }
    int64_t wait = std::min<int64_t>(max_wait, min_wait << std::min<int64_t>(attempt, 20));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, wait)(Rng())));
    // An append rebases onto whatever committed meanwhile.
    ASSIGN_OR_RETURN(table, Load(ident));
    if (table.metadata.CurrentSchema()->schema_id != schema->schema_id ||
        table.metadata.DefaultSpec()->spec_id != spec->spec_id) {
      Delete(manifest_path);
      return FailedPrecondition("appending to " + ident.ToString() +
                                ": the table's schema or partition spec changed meanwhile; write the files again");
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
