#include "iceberg/internal/commit_util.h"

#include <random>

#include "iceberg/table.h"
#include "iceberg/values.h"

namespace floe::iceberg {

int64_t Ms(Timestamp t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count(); }

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

int64_t NewSnapshotId() { return static_cast<int64_t>(Rng()() & 0x7fffffffffffffffULL) | 1; }

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
      if (v.is_double() && v.AsDouble() != v.AsDouble()) {  // NaN is never a bound
        out[i].contains_nan = true;
        continue;
      }
      if (!low || ValueLess(v, *low)) low = v;
      if (!high || ValueLess(*high, v)) high = v;
    }
    if (!out[i].contains_nan && (type.kind == Type::Kind::kFloat || type.kind == Type::Kind::kDouble))
      out[i].contains_nan = false;
    if (low) {
      ASSIGN_OR_RETURN(std::string lower, ToBound(type, *low));
      ASSIGN_OR_RETURN(std::string upper, ToBound(type, *high));
      out[i].lower_bound = lower;
      out[i].upper_bound = upper;
    }
  }
  return out;
}

bool IsAncestor(const TableMetadata& m, int64_t ancestor, int64_t of) {
  for (const Snapshot* s = m.FindSnapshot(of); s;
       s = s->parent_snapshot_id ? m.FindSnapshot(*s->parent_snapshot_id) : nullptr)
    if (s->snapshot_id == ancestor) return true;
  return false;
}

void MoveMain(TableMetadata& m, int64_t snapshot_id, int64_t now_ms) {
  m.current_snapshot_id = snapshot_id;
  SnapshotRef ref = m.refs.count("main") ? m.refs["main"] : SnapshotRef{};
  ref.snapshot_id = snapshot_id;
  m.refs["main"] = ref;
  m.snapshot_log.emplace_back(now_ms, snapshot_id);
}

}  // namespace floe::iceberg
