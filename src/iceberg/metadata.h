// Iceberg table metadata (the metadata.json a catalog points at): schemas,
// partition specs, sort orders, snapshots and their refs, logs and
// properties. Reads format v1 and v2 (v1 read with v2's defaults); writes
// v2; refuses v3 clearly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "iceberg/partition.h"
#include "iceberg/types.h"

namespace floe::iceberg {

struct SortField {
  int source_id = 0;
  Transform transform;
  bool ascending = true;
  bool nulls_first = true;
};

struct SortOrder {
  int order_id = 0;  // 0: unsorted
  std::vector<SortField> fields;
};

struct Snapshot {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
  int64_t timestamp_ms = 0;
  std::string manifest_list;
  std::vector<std::string> v1_manifests;       // a v1 snapshot without a manifest list
  std::map<std::string, std::string> summary;  // "operation" and the counters
  std::optional<int> schema_id;
};

struct SnapshotRef {
  int64_t snapshot_id = 0;
  bool branch = true;  // else a tag
  std::optional<int> min_snapshots_to_keep;
  std::optional<int64_t> max_snapshot_age_ms, max_ref_age_ms;
};

struct TableMetadata {
  int format_version = 2;
  std::string table_uuid;
  std::string location;
  int64_t last_sequence_number = 0;
  int64_t last_updated_ms = 0;
  int last_column_id = 0;
  std::vector<Schema> schemas;
  int current_schema_id = 0;
  std::vector<PartitionSpec> specs;
  int default_spec_id = 0;
  int last_partition_id = 999;  // no partition field yet
  std::map<std::string, std::string> properties;
  std::optional<int64_t> current_snapshot_id;
  std::vector<Snapshot> snapshots;
  std::vector<std::pair<int64_t, int64_t>> snapshot_log;      // timestamp-ms, snapshot-id
  std::vector<std::pair<int64_t, std::string>> metadata_log;  // timestamp-ms, metadata-file
  std::vector<SortOrder> sort_orders;
  int default_sort_order_id = 0;
  std::map<std::string, SnapshotRef> refs;  // always holds "main" when there is a current snapshot
  tmpl::Value statistics;                   // kept as written (floe does not use them)
  tmpl::Value partition_statistics;         // kept as written

  const Schema* CurrentSchema() const;
  const Schema* FindSchema(int id) const;
  // The schema to describe `spec`'s partitions with: the current one when
  // it holds every source column, else the newest that does (a source
  // dropped after the spec was replaced); null when none does.
  const Schema* SchemaFor(const PartitionSpec& spec) const;
  const PartitionSpec* DefaultSpec() const;
  const PartitionSpec* FindSpec(int id) const;
  const Snapshot* FindSnapshot(int64_t id) const;
  const Snapshot* CurrentSnapshot() const;
  // Time travel: the snapshot that was the table's current one at
  // `timestamp_ms` (from the snapshot log), nullptr before the first one.
  const Snapshot* SnapshotAsOf(int64_t timestamp_ms) const;
  // The snapshot a branch or tag points at; nullptr when there is no such ref.
  const Snapshot* SnapshotOfRef(const std::string& ref) const;
};

// `name` (the metadata file) is for errors: every error names it and the
// field that is wrong.
Result<TableMetadata> ParseTableMetadata(std::string_view json, const std::string& name);
// One snapshot and one sort order in their v2 JSON forms (the REST
// catalog's add-snapshot and add-sort-order updates); `where` is for errors.
Result<Snapshot> SnapshotFromJson(const tmpl::Value& json, const std::string& where);
Result<SortOrder> SortOrderFromJson(const tmpl::Value& json, const std::string& where);

// The v2 JSON of `metadata` (pretty when `indent`). A v1 snapshot that lists
// its manifests without a manifest list cannot be written as v2: an error.
Result<std::string> TableMetadataToJson(const TableMetadata& metadata, int indent = 0);

}  // namespace floe::iceberg
