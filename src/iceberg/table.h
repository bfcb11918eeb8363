// Iceberg tables over a catalog and object stores: create, load, append
// data files as a snapshot (optimistic concurrency: a commit that loses the
// race is rebased onto the winner and retried), and plan the live data
// files of any snapshot. The data files themselves are written by the
// caller (DuckDB); this layer writes manifests, manifest lists and
// metadata files, and commits them.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "iceberg/manifest.h"
#include "iceberg/metadata.h"
#include "iceberg/sql_catalog.h"
#include "storage/object_stores.h"

namespace floe::iceberg {

struct LoadedTable {
  TableIdent ident;
  std::string metadata_location;
  TableMetadata metadata;
};

// One commit's change to a table: data files added and removed, as one
// snapshot on a branch.
struct TableChange {
  // The snapshot summary's operation: append, overwrite, delete, replace.
  std::string operation = "append";
  std::vector<DataFile> added;
  // Data files to remove, by the path the metadata records. Every one must
  // still be in the branch when the commit lands: a concurrent commit that
  // removed or rewrote one makes this one fail (FailedPrecondition), while
  // concurrent appends are kept (snapshot isolation, as Iceberg's default).
  std::set<std::string> removed;
  // Merge-on-read: delete files (position or equality) to add, by the
  // partition spec of the data files they delete from.
  std::map<int, std::vector<DataFile>> added_deletes;
  // A branch that does not exist yet starts from the current snapshot.
  std::string branch = "main";
  // The partition spec and schema the added files were written with: a
  // commit that finds others current fails (the files would be mislabelled).
  std::optional<int> spec_id, schema_id;
  // For changes computed from the table's rows (overwrite, merge, delete,
  // compaction): the branch's snapshot they were read from (0: none). The
  // commit fails if the branch moved since, rather than keep rows the
  // change never saw (serializable, as Iceberg's default for these).
  std::optional<int64_t> read_snapshot;
  // Metadata changes that land in the same commit as the files (schema and
  // partition evolution the files were written for): applied to the
  // table's metadata, again on each retry, so it must check what it relies
  // on and change nothing that is already so.
  std::function<Status(TableMetadata&)> metadata_edit;
  // More snapshot summary properties (a cherry-pick's source-snapshot-id).
  std::map<std::string, std::string> summary;
};

struct OrphanResult {
  int64_t kept = 0;                  // files the table's metadata reaches
  std::vector<std::string> deleted;  // files it does not, older than the cutoff, deleted
  std::vector<std::string> too_new;  // unreachable but newer than the cutoff: left (a write in flight)
};

struct ExpireResult {
  LoadedTable table;
  int64_t snapshots = 0;                                      // expired
  int64_t data_files = 0, manifests = 0, manifest_lists = 0;  // deleted
};

class Tables {
 public:
  Tables(SqlCatalog& catalog, storage::ObjectStores& stores, const Clock& clock = SystemClock());

  // A new, empty v2 table at `location` (a folder or s3:// prefix), its
  // first metadata file written before the catalog records it.
  Result<LoadedTable> Create(const TableIdent& ident, const std::string& location, Schema schema,
                             PartitionSpec spec = {}, std::map<std::string, std::string> properties = {});
  Result<LoadedTable> Load(const TableIdent& ident);
  // Adds `files` as one "append" snapshot on the main branch. A concurrent
  // commit makes this one re-read the table and try again on top of it
  // (table properties commit.retry.num-retries (4), commit.retry.min-wait-ms
  // (100) and commit.retry.max-wait-ms (60000), as Iceberg's); what a
  // failed attempt wrote is deleted.
  Result<LoadedTable> Append(const TableIdent& ident, const std::vector<DataFile>& files);
  // Commits `change` as one snapshot, with the same retries as Append: a
  // commit that loses the race is rebased onto the winner and validated
  // again.
  Result<LoadedTable> Commit(const TableIdent& ident, const TableChange& change);
  // A change to the metadata alone (refs, schemas, specs, properties,
  // snapshots), applied by `edit` to the current metadata and committed; a
  // commit that loses the race re-reads the table and applies `edit` again,
  // so `edit` validates what it relies on.
  Result<LoadedTable> UpdateMetadata(const TableIdent& ident, const std::function<Status(TableMetadata&)>& edit);
  // UpdateMetadata for several tables committed as one: every table takes
  // its edit, or none does.
  Result<std::vector<LoadedTable>> UpdateTogether(const std::vector<TableIdent>& idents,
                                                  const std::function<Status(const TableIdent&, TableMetadata&)>& edit);

  // Points main back at `snapshot_id`, which must be an ancestor of the
  // current snapshot.
  Result<LoadedTable> Rollback(const TableIdent& ident, int64_t snapshot_id);
  // Fast-forwards main onto `branch` in every table, as one commit: main's
  // snapshot must be an ancestor of the branch's (else FailedPrecondition:
  // main moved on since the fork). `drop_branch` removes the branch too.
  Result<std::vector<LoadedTable>> Publish(const std::vector<TableIdent>& idents, const std::string& branch,
                                           bool drop_branch = false);
  // Creates or moves a branch or tag to a snapshot (the current one when 0).
  Result<LoadedTable> SetRef(const TableIdent& ident, const std::string& name, bool branch, int64_t snapshot_id = 0);
  Result<LoadedTable> DropRef(const TableIdent& ident, const std::string& name);
  // Applies one snapshot's change (from a branch, or a staged snapshot) to
  // main: a fast-forward when main is its parent, else, for an append, a
  // new snapshot adding the same data files, recording source-snapshot-id.
  // Overwrites and deletes onto a main that moved on, a snapshot already in
  // main's history, or one cherry-picked before, are refused.
  Result<LoadedTable> CherryPick(const TableIdent& ident, int64_t snapshot_id);

  // Removes the snapshots older than `older_than_ms`, keeping every branch's
  // and tag's snapshot and the last `retain_last` of main's history, then
  // deletes the manifest lists, manifests and data files no kept snapshot
  // reaches. Time travel to an expired snapshot is an error afterwards.
  Result<ExpireResult> ExpireSnapshots(const TableIdent& ident, int64_t older_than_ms, int retain_last = 1);

  // Deletes the files under the table's location that no metadata file,
  // snapshot, manifest list or manifest of the table reaches (left by
  // failed or killed writes), if last modified before `older_than_ms`
  // (Iceberg's default is 3 days: newer ones may belong to a commit in
  // flight). `dry_run` only lists them.
  Result<OrphanResult> RemoveOrphanFiles(const TableIdent& ident, int64_t older_than_ms, bool dry_run = false);

  // Rewrites the current snapshot's data manifests, per partition spec,
  // sorted by partition into manifests of up to
  // commit.manifest.target-size-bytes (8 MiB), as one "replace" snapshot
  // with the same data: planning then reads few manifests and skips more.
  // Nothing is committed when each spec already has one manifest.
  struct RewriteManifestsResult {
    LoadedTable table;
    int64_t replaced = 0, created = 0;  // manifests
  };
  Result<RewriteManifestsResult> RewriteManifests(const TableIdent& ident);

  // The live data files (ADDED and EXISTING entries) of a snapshot, the
  // current one by default, with inherited snapshot ids and sequence numbers.
  Result<std::vector<ManifestEntry>> PlanFiles(const LoadedTable& table, std::optional<int64_t> snapshot_id = {});

 private:
  Result<std::string> Read(const std::string& uri);
  // Merges the parent's small data manifests in `list` (see Commit);
  // what it writes is added to `written`.
  Status MergeManifests(const TableMetadata& base, const Schema& schema, const PartitionSpec& spec, int64_t snapshot_id,
                        int64_t sequence, ManifestList& list, std::vector<std::string>& written);
  Status Write(const std::string& uri, std::string_view bytes);
  void Delete(const std::string& uri);

  SqlCatalog& catalog_;
  storage::ObjectStores& stores_;
  const Clock& clock_;
};

// Milliseconds since the epoch, `age` before now: the cutoff of snapshot
// expiry and orphan-file removal.
int64_t CutoffMs(std::chrono::nanoseconds age, const Clock& clock = SystemClock());

// A random version-4 UUID, as Iceberg names metadata files and tables.
std::string NewUuid();

}  // namespace floe::iceberg
