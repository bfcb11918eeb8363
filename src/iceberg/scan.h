// Reading an Iceberg table: finding it (a catalog name or a folder or
// metadata file), choosing the snapshot (current, by id, as of a time, or a
// branch or tag), and planning the data files a filter may need. Planning
// skips manifests by their partition summaries and data files by their
// partition values and column bounds, before any data file is opened.
//
//   ASSIGN_OR_RETURN(OpenedTable t, OpenTable("lake.orders", &catalog, stores));
//   ASSIGN_OR_RETURN(ScanPlanner p, ScanPlanner::Start(t, {.ref = "main"}, stores));
//   ASSIGN_OR_RETURN(ScanPlan plan, p.Plan(Predicate::Compare(Predicate::kEq, 2, Value("eu"))));
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/manifest.h"
#include "iceberg/metadata.h"
#include "iceberg/sql_catalog.h"
#include "storage/object_stores.h"

namespace floe::iceberg {

struct OpenedTable {
  std::string name;               // as the caller named it, for messages
  std::string metadata_location;  // the metadata file read
  TableMetadata metadata;
  // The folder the table was actually found in. When it is not the
  // location the metadata records (the table was moved or copied), paths
  // recorded under that location, and relative ones, are read from here.
  std::string found_location;
  bool moved() const;
};

// `name` is a catalog table ("ns.table", "a.b.table"), or, when it holds a
// '/' or ends in ".metadata.json", a table without a catalog: a metadata
// file, or a table folder (its metadata/version-hint.text, else its newest
// metadata file). `catalog` may be null: catalog names are then an error.
Result<OpenedTable> OpenTable(const std::string& name, SqlCatalog* catalog, storage::ObjectStores& stores);

// Where a file the table's metadata names is to be read (see found_location).
std::string ResolveTablePath(const OpenedTable& table, const std::string& path);
// Reads such a file; errors name it.
Result<std::string> ReadTableFile(const OpenedTable& table, const std::string& path, storage::ObjectStores& stores);

// A filter in the table's terms, for pruning only: what it cannot decide
// (an unknown column, an expression) is kTrue, so a plan never loses a
// matching row; the engine still applies the real filter to what is read.
struct Predicate {
  enum Op { kTrue, kFalse, kAnd, kOr, kEq, kNotEq, kLt, kLtEq, kGt, kGtEq, kIsNull, kNotNull, kIn };
  Op op = kTrue;
  int field_id = 0;
  std::vector<tmpl::Value> literals;  // one for comparisons, several for kIn
  std::vector<Predicate> children;    // kAnd, kOr

  static Predicate True() { return {}; }
  static Predicate Compare(Op op, int field_id, tmpl::Value literal);
  static Predicate And(std::vector<Predicate> children);
  static Predicate Or(std::vector<Predicate> children);
};

struct ScanOptions {
  std::optional<int64_t> snapshot_id;
  std::optional<int64_t> as_of_ms;  // the snapshot current at this time (ms since the epoch)
  std::string ref;                  // a branch or tag; "" for the current snapshot
};

struct PlannedFile {
  ManifestEntry entry;  // a data file, with inherited snapshot id and sequence numbers
  std::string path;     // where to read it (resolved when the table moved)
  int spec_id = 0;      // the partition spec of its manifest
  // The position delete files that apply to it (merge-on-read), resolved
  // like `path`: their rows whose file_path is entry.file.file_path name
  // positions of deleted rows.
  std::vector<std::string> position_deletes;
  // The equality delete files that apply to it: a row whose values of the
  // columns `field_ids` equal a row of `path`'s (nulls equal) is deleted.
  struct EqualityDelete {
    std::string path;
    std::vector<int> field_ids;
  };
  std::vector<EqualityDelete> equality_deletes;
};

struct ScanStats {
  int64_t manifests = 0, manifests_skipped = 0;
  int64_t files = 0, files_skipped = 0;
  int64_t delete_files = 0;  // delete files applied to the files read
};

struct ScanPlan {
  std::vector<PlannedFile> files;
  ScanStats stats;
};

class ScanPlanner {
 public:
  // Resolves the snapshot (a missing one is NotFound, naming what exists)
  // and the schema to read it with: the snapshot's own for a snapshot id,
  // a time or a tag (what the table held then); the table's current one for
  // the current snapshot and branches.
  static Result<ScanPlanner> Start(OpenedTable table, const ScanOptions& options, storage::ObjectStores& stores);

  const Schema& schema() const { return schema_; }
  // 0 for a table without snapshots (it reads as empty).
  int64_t snapshot_id() const { return snapshot_ ? snapshot_->snapshot_id : 0; }
  const OpenedTable& table() const { return table_; }
  // The total rows of the snapshot, from its summary (-1 when unknown).
  int64_t EstimatedRows() const;

  // The data files that may hold rows matching `filter`, each with the
  // delete files that apply to it, by the spec's rules: position deletes of
  // its partition with a sequence number at least the file's (and its path
  // within their file_path bounds); equality deletes of its partition, or
  // unpartitioned ones, with a greater sequence number.
  Result<ScanPlan> Plan(const Predicate& filter) const;

 private:
  ScanPlanner(OpenedTable table, storage::ObjectStores& stores) : table_(std::move(table)), stores_(&stores) {}
  // Gives each planned file the delete files (with their specs) that apply to it.
  Status AssignDeletes(const std::vector<std::pair<int, ManifestEntry>>& deletes, ScanPlan& plan) const;

  OpenedTable table_;
  storage::ObjectStores* stores_;
  std::optional<Snapshot> snapshot_;
  Schema schema_;
};

// Whether a data file may hold a row matching `filter`, by its partition
// values (under `spec`) and column bounds.
bool FileMayMatch(const Predicate& filter, const DataFile& file, const PartitionSpec& spec, const Schema& schema);
// Whether a manifest may hold such a file, by its partition summaries.
bool ManifestMayMatch(const Predicate& filter, const ManifestFile& manifest, const PartitionSpec& spec,
                      const Schema& schema);

}  // namespace floe::iceberg
