// What table.cc, snapshot_ops.cc and maintenance.cc share to build
// commits: ids, file names, table properties, summaries, branch moves.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "core/time.h"
#include "iceberg/manifest.h"
#include "iceberg/metadata.h"

namespace floe::iceberg {

int64_t Ms(Timestamp t);
std::mt19937_64& Rng();  // per thread
int64_t NewSnapshotId();
// "…/metadata/00007-<uuid>.metadata.json" -> 7; -1 when not so named.
int MetadataVersion(const std::string& location);
std::string MetadataFile(const std::string& location, int version);
// A numeric table property, `fallback` when unset or not a number.
int64_t Property(const TableMetadata& m, const std::string& key, int64_t fallback);
// A snapshot summary's counter (0 when absent or no snapshot).
int64_t Counter(const Snapshot* s, const std::string& key);
// Per spec field: whether a null appears and the lowest and highest values.
Result<std::vector<FieldSummary>> Summaries(const PartitionSpec& spec, const Schema& schema,
                                            const std::vector<DataFile>& files);
bool IsAncestor(const TableMetadata& m, int64_t ancestor, int64_t of);
// Makes `snapshot_id` main's head and current snapshot, and logs it.
void MoveMain(TableMetadata& m, int64_t snapshot_id, int64_t now_ms);

}  // namespace floe::iceberg
