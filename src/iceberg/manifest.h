// Iceberg manifests (the data and delete files of a snapshot, with their
// partition values and column statistics) and manifest lists (a snapshot's
// manifests with their counts and partition summaries), written as the v2
// spec's Avro files and read from v1 and v2 files by field id.
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
#include "tmpl/value.h"

namespace floe::iceberg {

enum class FileContent { kData = 0, kPositionDeletes = 1, kEqualityDeletes = 2 };

struct DataFile {
  FileContent content = FileContent::kData;
  std::string file_path;
  std::string file_format = "PARQUET";
  // The partition tuple, one value per spec field in order, as Avro holds
  // them (a date as its day number, a timestamp as micros, null for void).
  std::vector<tmpl::Value> partition;
  int64_t record_count = 0;
  int64_t file_size_in_bytes = 0;
  std::map<int, int64_t> column_sizes, value_counts, null_value_counts, nan_value_counts;
  // Single-value binary serializations (bounds.h), by field id.
  std::map<int, std::string> lower_bounds, upper_bounds;
  std::vector<int64_t> split_offsets;
  std::vector<int> equality_ids;
  std::optional<int> sort_order_id;
};

enum class EntryStatus { kExisting = 0, kAdded = 1, kDeleted = 2 };

struct ManifestEntry {
  EntryStatus status = EntryStatus::kAdded;
  // Null on a new entry: inherited from its manifest (see InheritFrom).
  std::optional<int64_t> snapshot_id, sequence_number, file_sequence_number;
  DataFile file;
};

struct Manifest {
  Schema schema;  // the table schema when written
  PartitionSpec spec;
  int format_version = 2;
  bool deletes = false;  // a manifest of delete files
  std::vector<ManifestEntry> entries;
};

Result<std::string> WriteManifest(const Manifest& manifest);
// `name` is for errors. v1 files read with their v2 defaults (content 0,
// sequence numbers 0).
Result<Manifest> ReadManifest(std::string_view bytes, const std::string& name);

struct FieldSummary {
  bool contains_null = false;
  std::optional<bool> contains_nan;
  std::optional<std::string> lower_bound, upper_bound;
};

struct ManifestFile {
  std::string manifest_path;
  int64_t manifest_length = 0;
  int partition_spec_id = 0;
  bool deletes = false;  // content 1
  int64_t sequence_number = 0;
  int64_t min_sequence_number = 0;
  int64_t added_snapshot_id = 0;
  int32_t added_files_count = 0, existing_files_count = 0, deleted_files_count = 0;
  int64_t added_rows_count = 0, existing_rows_count = 0, deleted_rows_count = 0;
  std::optional<std::vector<FieldSummary>> partitions;
};

struct ManifestList {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
  int format_version = 2;
  std::vector<ManifestFile> manifests;
};

Result<std::string> WriteManifestList(const ManifestList& list);
Result<ManifestList> ReadManifestList(std::string_view bytes, const std::string& name);

// The spec's inheritance: an ADDED entry without a snapshot id or sequence
// numbers takes its manifest's (added_snapshot_id, sequence_number).
void InheritFrom(const ManifestFile& manifest, std::vector<ManifestEntry>& entries);

// The Avro schemas floe writes (JSON text), exposed for tests.
Result<std::string> ManifestEntryAvroSchema(const PartitionSpec& spec, const Schema& schema);
std::string ManifestFileAvroSchema();

}  // namespace floe::iceberg
