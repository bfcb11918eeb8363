#include "iceberg/scan.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/parallel.h"
#include "iceberg/values.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using tmpl::Value;

std::string WithoutTrailingSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool LooksLikePath(const std::string& name) {
  return name.find('/') != std::string::npos || name.ends_with(".metadata.json");
}

bool Equal(const Value& a, const Value& b) { return !ValueLess(a, b) && !ValueLess(b, a); }

// "00012-<uuid>.metadata.json" or "v12.metadata.json" -> 12; -1 otherwise.
int64_t MetadataFileVersion(const std::string& file_name) {
  if (!file_name.ends_with(".metadata.json")) return -1;
  std::string digits;
  size_t i = file_name.starts_with("v") ? 1 : 0;
  for (; i < file_name.size() && std::isdigit(static_cast<unsigned char>(file_name[i])); ++i) digits += file_name[i];
  if (digits.empty() || digits.size() > 12) return -1;
  return std::stoll(digits);
}

// The table folder's current metadata file: the one version-hint.text
// names, else the highest-numbered one.
Result<std::string> CurrentMetadataFile(const std::string& folder, storage::ObjectStores& stores) {
  ASSIGN_OR_RETURN(storage::ObjectLocation at, stores.Open(folder + "/metadata/"));
  std::string prefix = at.key;
  auto listed = storage::ListAll(*at.store, prefix);
  if (!listed.ok()) return Status(listed.status()).WithContext("listing " + folder + "/metadata");
  std::string hint;
  if (auto h = at.store->Get(prefix + "version-hint.text"); h.ok()) {
    hint = *h;
    hint.erase(
        std::remove_if(hint.begin(), hint.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
        hint.end());
  }
  std::string best;
  int64_t best_version = -1;
  for (const auto& o : *listed) {
    std::string name = o.key.substr(prefix.size());
    if (name.find('/') != std::string::npos) continue;
    const std::string path = folder + "/metadata/" + name;
    if (!hint.empty() && (name == hint || name == "v" + hint + ".metadata.json")) return path;
    int64_t v = MetadataFileVersion(name);
    if (!hint.empty() && v >= 0 && std::to_string(v) == hint) return path;
    if (v > best_version) best_version = v, best = path;
  }
  if (best.empty())
    return NotFound("no Iceberg table at " + folder + ": " + folder + "/metadata holds no *.metadata.json file");
  return best;
}

// --- pruning ---------------------------------------------------------------

// What a file or manifest can say about one value domain: its bounds and
// whether it holds nulls and non-null values (unknown: assume it may).
struct Domain {
  std::optional<Value> lower, upper;
  bool may_have_null = true;
  bool may_have_value = true;
};

bool CompareMayMatch(Predicate::Op op, const Value& v, const Domain& d) {
  if (!d.may_have_value) return false;
  switch (op) {
    case Predicate::kEq:
      return (!d.lower || !ValueLess(v, *d.lower)) && (!d.upper || !ValueLess(*d.upper, v));
    case Predicate::kNotEq:
      return !(d.lower && d.upper && Equal(*d.lower, v) && Equal(*d.upper, v));
    case Predicate::kLt:
      return !d.lower || ValueLess(*d.lower, v);
    case Predicate::kLtEq:
      return !d.lower || !ValueLess(v, *d.lower);
    case Predicate::kGt:
      return !d.upper || ValueLess(v, *d.upper);
    case Predicate::kGtEq:
      return !d.upper || !ValueLess(*d.upper, v);
    default:
      return true;
  }
}

bool LeafMayMatch(const Predicate& p, const Domain& d) {
  switch (p.op) {
    case Predicate::kIsNull:
      return d.may_have_null;
    case Predicate::kNotNull:
      return d.may_have_value;
    case Predicate::kIn:
      return std::any_of(p.literals.begin(), p.literals.end(),
                         [&](const Value& v) { return CompareMayMatch(Predicate::kEq, v, d); });
    default:
      return p.literals.empty() || CompareMayMatch(p.op, p.literals[0], d);
  }
}

bool IsFloating(const Type& t) { return t.kind == Type::Kind::kFloat || t.kind == Type::Kind::kDouble; }

// A leaf on a transformed partition value: what the source predicate implies
// for the transform's result. Monotonic transforms keep order loosely
// (x < v gives t(x) <= t(v)); bucket keeps only equality. nullopt: cannot say.
std::optional<Predicate> ProjectLeaf(const Predicate& p, const Transform& t, const Type& source) {
  using K = Transform::Kind;
  if (t.kind == K::kVoid) return std::nullopt;
  Predicate out{.op = p.op};
  if (p.op == Predicate::kIsNull || p.op == Predicate::kNotNull) return out;
  if (t.kind == K::kIdentity) return p;
  if (p.op == Predicate::kNotEq) return std::nullopt;
  if (t.kind == K::kBucket && p.op != Predicate::kEq && p.op != Predicate::kIn) return std::nullopt;
  for (const auto& v : p.literals) {
    auto r = ApplyTransform(t, source, v);
    if (!r.ok() || r->is_null()) return std::nullopt;
    out.literals.push_back(*r);
  }
  if (p.op == Predicate::kLt) out.op = Predicate::kLtEq;
  if (p.op == Predicate::kGt) out.op = Predicate::kGtEq;
  return out;
}

// Evaluates `p` with `leaf` deciding each comparison: And/Or compose, what
// the leaf cannot decide may match.
template <typename LeafFn>
bool Evaluate(const Predicate& p, const LeafFn& leaf) {
  switch (p.op) {
    case Predicate::kTrue:
      return true;
    case Predicate::kFalse:
      return false;
    case Predicate::kAnd:
      return std::all_of(p.children.begin(), p.children.end(), [&](const Predicate& c) { return Evaluate(c, leaf); });
    case Predicate::kOr:
      return std::any_of(p.children.begin(), p.children.end(), [&](const Predicate& c) { return Evaluate(c, leaf); });
    default:
      return leaf(p);
  }
}

// Partition field `i` of `spec` applied to leaf `p`, given that field's domain.
bool PartitionLeafMayMatch(const Predicate& p, const PartitionSpec& spec, const Schema& schema,
                           const std::function<std::optional<Domain>(size_t)>& domain_of) {
  const NestedField* source = schema.FindField(p.field_id);
  if (!source || !source->type || !source->type->is_primitive()) return true;
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (spec.fields[i].source_id != p.field_id) continue;
    std::optional<Predicate> projected = ProjectLeaf(p, spec.fields[i].transform, *source->type);
    if (!projected) continue;
    if (IsFloating(*source->type) && projected->op != Predicate::kIsNull && projected->op != Predicate::kNotNull &&
        projected->op != Predicate::kLt && projected->op != Predicate::kLtEq)
      continue;  // NaN sorts above every number in DuckDB
    std::optional<Domain> d = domain_of(i);
    if (d && !LeafMayMatch(*projected, *d)) return false;
  }
  return true;
}

}  // namespace

bool OpenedTable::moved() const {
  return WithoutTrailingSlash(found_location) != WithoutTrailingSlash(metadata.location);
}

Result<OpenedTable> OpenTable(const std::string& name, SqlCatalog* catalog, storage::ObjectStores& stores) {
  OpenedTable t{.name = name};
  if (!LooksLikePath(name)) {
    if (!catalog) return FailedPrecondition("table '" + name + "': no Iceberg catalog here to look it up in");
    size_t dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
      return InvalidArgument("table '" + name +
                             "': name a catalog table as namespace.table (e.g. lake.orders), or a table folder or "
                             "metadata file by its path");
    ASSIGN_OR_RETURN(Namespace ns, ParseNamespace(name.substr(0, dot)));
    ASSIGN_OR_RETURN(t.metadata_location, catalog->LoadTable(TableIdent{ns, name.substr(dot + 1)}));
  } else if (name.ends_with(".metadata.json")) {
    t.metadata_location = name;
  } else {
    ASSIGN_OR_RETURN(t.metadata_location, CurrentMetadataFile(WithoutTrailingSlash(name), stores));
  }
  ASSIGN_OR_RETURN(storage::ObjectLocation at, stores.Open(t.metadata_location));
  auto json = at.store->Get(at.key);
  if (!json.ok()) return Status(json.status()).WithContext("reading table metadata " + t.metadata_location);
  ASSIGN_OR_RETURN(t.metadata, ParseTableMetadata(*json, t.metadata_location));
  // A catalog table is where its metadata says; a file or folder opened by
  // path is where it was found.
  t.found_location = LooksLikePath(name) ? Parent(Parent(t.metadata_location)) : t.metadata.location;
  if (t.found_location.empty()) t.found_location = t.metadata.location;
  return t;
}

std::string ResolveTablePath(const OpenedTable& table, const std::string& path) {
  bool absolute = path.starts_with("/") || path.find("://") != std::string::npos;
  if (!absolute) return WithoutTrailingSlash(table.found_location) + "/" + path;
  if (!table.moved()) return path;
  std::string recorded = WithoutTrailingSlash(table.metadata.location);
  for (const std::string& prefix : {recorded, "file://" + recorded}) {
    if (path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/')
      return WithoutTrailingSlash(table.found_location) + path.substr(prefix.size());
  }
  return path;
}

Result<std::string> ReadTableFile(const OpenedTable& table, const std::string& path, storage::ObjectStores& stores) {
  std::string resolved = ResolveTablePath(table, path);
  ASSIGN_OR_RETURN(storage::ObjectLocation at, stores.Open(resolved));
  auto bytes = at.store->Get(at.key);
  if (!bytes.ok()) {
    std::string what = resolved == path ? path : path + " (read as " + resolved + ")";
    return Status(bytes.status()).WithContext("table " + table.name + ": reading " + what);
  }
  return bytes;
}

Predicate Predicate::Compare(Op op, int field_id, tmpl::Value literal) {
  return Predicate{.op = op, .field_id = field_id, .literals = {std::move(literal)}};
}
Predicate Predicate::And(std::vector<Predicate> children) {
  return Predicate{.op = kAnd, .children = std::move(children)};
}
Predicate Predicate::Or(std::vector<Predicate> children) {
  return Predicate{.op = kOr, .children = std::move(children)};
}

bool FileMayMatch(const Predicate& filter, const DataFile& file, const PartitionSpec& spec, const Schema& schema) {
  return Evaluate(filter, [&](const Predicate& p) {
    const NestedField* field = schema.FindField(p.field_id);
    if (!field || !field->type || !field->type->is_primitive()) return true;
    // Partition values.
    bool by_partition = PartitionLeafMayMatch(p, spec, schema, [&](size_t i) -> std::optional<Domain> {
      if (i >= file.partition.size()) return std::nullopt;
      const Value& v = file.partition[i];
      if (v.is_null()) return Domain{.may_have_null = true, .may_have_value = false};
      return Domain{.lower = v, .upper = v, .may_have_null = false, .may_have_value = true};
    });
    if (!by_partition) return false;
    // Column bounds and counts.
    Domain d;
    auto values = file.value_counts.find(p.field_id);
    auto nulls = file.null_value_counts.find(p.field_id);
    if (nulls != file.null_value_counts.end()) d.may_have_null = nulls->second > 0;
    if (values != file.value_counts.end() && nulls != file.null_value_counts.end())
      d.may_have_value = values->second > nulls->second;
    if (auto lo = file.lower_bounds.find(p.field_id); lo != file.lower_bounds.end()) {
      if (auto v = FromBound(*field->type, lo->second); v.ok()) d.lower = *v;
    }
    if (auto hi = file.upper_bounds.find(p.field_id); hi != file.upper_bounds.end()) {
      if (auto v = FromBound(*field->type, hi->second); v.ok()) d.upper = *v;
    }
    if (IsFloating(*field->type) && p.op != Predicate::kLt && p.op != Predicate::kLtEq && p.op != Predicate::kIsNull) {
      // NaN is not in the bounds and sorts above every number in DuckDB.
      d.upper.reset();
      if (p.op == Predicate::kEq || p.op == Predicate::kIn || p.op == Predicate::kNotEq) d.lower.reset();
    }
    return LeafMayMatch(p, d);
  });
}

bool ManifestMayMatch(const Predicate& filter, const ManifestFile& manifest, const PartitionSpec& spec,
                      const Schema& schema) {
  if (!manifest.partitions || manifest.partitions->size() != spec.fields.size()) return true;
  auto type = PartitionType(spec, schema);
  if (!type.ok()) return true;
  return Evaluate(filter, [&](const Predicate& p) {
    return PartitionLeafMayMatch(p, spec, schema, [&](size_t i) -> std::optional<Domain> {
      const FieldSummary& s = (*manifest.partitions)[i];
      const Type& t = *(*type)->fields[i].type;
      // A NaN is a value outside the bounds; writers may not say whether
      // there are any.
      bool floating = t.kind == Type::Kind::kFloat || t.kind == Type::Kind::kDouble;
      Domain d{.may_have_null = s.contains_null,
               .may_have_value = s.lower_bound.has_value() || (floating && s.contains_nan.value_or(true))};
      if (floating && s.contains_nan.value_or(true)) return std::optional<Domain>();
      if (s.lower_bound) {
        auto v = FromBound(t, *s.lower_bound);
        if (!v.ok()) return std::nullopt;
        d.lower = *v;
      }
      if (s.upper_bound) {
        auto v = FromBound(t, *s.upper_bound);
        if (!v.ok()) return std::nullopt;
        d.upper = *v;
      }
      return d;
    });
  });
}

Result<ScanPlanner> ScanPlanner::Start(OpenedTable table, const ScanOptions& options, storage::ObjectStores& stores) {
  int chosen = (options.snapshot_id ? 1 : 0) + (options.as_of_ms ? 1 : 0) + (options.ref.empty() ? 0 : 1);
  if (chosen > 1)
    return InvalidArgument("table " + table.name + ": give one of snapshot_id, as_of and ref, not several");
  ScanPlanner p(std::move(table), stores);
  const TableMetadata& m = p.table_.metadata;
  const Snapshot* s = nullptr;
  bool own_schema = true;
  if (options.snapshot_id) {
    s = m.FindSnapshot(*options.snapshot_id);
    if (!s) {
      std::string known;
      for (const auto& snap : m.snapshots) known += (known.empty() ? "" : ", ") + std::to_string(snap.snapshot_id);
      return NotFound("table " + p.table_.name + " has no snapshot " + std::to_string(*options.snapshot_id) +
                      (known.empty() ? " (it has none)" : " (it has " + known + ")"));
    }
  } else if (options.as_of_ms) {
    s = m.SnapshotAsOf(*options.as_of_ms);
    if (!s)
      return NotFound("table " + p.table_.name + " had no snapshot yet at " +
                      FormatTimestamp(Timestamp(std::chrono::milliseconds(*options.as_of_ms))));
  } else if (!options.ref.empty()) {
    auto ref = m.refs.find(options.ref);
    if (ref == m.refs.end()) {
      std::string known;
      for (const auto& [name, r] : m.refs) known += (known.empty() ? "" : ", ") + name;
      return NotFound("table " + p.table_.name + " has no branch or tag '" + options.ref + "'" +
                      (known.empty() ? "" : " (it has " + known + ")"));
    }
    s = m.FindSnapshot(ref->second.snapshot_id);
    own_schema = !ref->second.branch;
    if (!s)
      return FailedPrecondition("table " + p.table_.name + ": ref '" + options.ref + "' points at snapshot " +
                                std::to_string(ref->second.snapshot_id) + ", which the metadata does not hold");
  } else {
    s = m.CurrentSnapshot();
    own_schema = false;
  }
  const Schema* schema = m.CurrentSchema();
  if (s && own_schema && s->schema_id) {
    if (const Schema* then = m.FindSchema(*s->schema_id)) schema = then;
  }
  if (!schema) return FailedPrecondition("table " + p.table_.name + ": the metadata has no current schema");
  p.schema_ = *schema;
  if (s) p.snapshot_ = *s;
  return p;
}

int64_t ScanPlanner::EstimatedRows() const {
  if (!snapshot_) return 0;
  auto it = snapshot_->summary.find("total-records");
  if (it == snapshot_->summary.end()) return -1;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  return *end == '\0' ? v : -1;
}

Result<ScanPlan> ScanPlanner::Plan(const Predicate& filter) const {
  ScanPlan plan;
  if (!snapshot_) return plan;
  const TableMetadata& m = table_.metadata;
  if (snapshot_->manifest_list.empty())
    return Status(StatusCode::kUnimplemented, "table " + table_.name + ": snapshot " +
                                                  std::to_string(snapshot_->snapshot_id) +
                                                  " lists its manifests without a manifest list (an old v1 form)");
  ASSIGN_OR_RETURN(std::string list_bytes, ReadTableFile(table_, snapshot_->manifest_list, *stores_));
  ASSIGN_OR_RETURN(ManifestList list, ReadManifestList(list_bytes, ResolveTablePath(table_, snapshot_->manifest_list)));
  // The manifests to read: summaries first, then every chosen one read and
  // filtered on all cores, kept in manifest order.
  std::vector<std::pair<const ManifestFile*, const PartitionSpec*>> chosen;
  std::vector<std::pair<int, ManifestEntry>> deletes;  // live delete files (spec, entry), inherited fields filled in
  for (const auto& mf : list.manifests) {
    if (mf.deletes) {
      ASSIGN_OR_RETURN(std::string bytes, ReadTableFile(table_, mf.manifest_path, *stores_));
      ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(bytes, mf.manifest_path));
      InheritFrom(mf, manifest.entries);
      for (auto& e : manifest.entries) {
        if (e.status != EntryStatus::kDeleted) deletes.emplace_back(mf.partition_spec_id, std::move(e));
      }
      continue;
    }
    ++plan.stats.manifests;
    const PartitionSpec* spec = m.FindSpec(mf.partition_spec_id);
    if (!spec)
      return FailedPrecondition("table " + table_.name + ": manifest " + mf.manifest_path + " uses partition spec " +
                                std::to_string(mf.partition_spec_id) + ", which the metadata does not hold");
    if (!ManifestMayMatch(filter, mf, *spec, schema_)) {
      ++plan.stats.manifests_skipped;
      continue;
    }
    chosen.emplace_back(&mf, spec);
  }
  struct Part {
    Status status;
    std::vector<PlannedFile> files;
    int64_t seen = 0, skipped = 0;
  };
  std::vector<Part> parts(chosen.size());
  ParallelFor(chosen.size(), 16, [&](size_t i) {
    const auto& [mf, spec] = chosen[i];
    Part& part = parts[i];
    auto bytes = ReadTableFile(table_, mf->manifest_path, *stores_);
    if (!bytes.ok()) {
      part.status = bytes.status();
      return;
    }
    auto manifest = ReadManifest(*bytes, mf->manifest_path);
    if (!manifest.ok()) {
      part.status = manifest.status();
      return;
    }
    InheritFrom(*mf, manifest->entries);
    part.files.reserve(manifest->entries.size());
    for (auto& e : manifest->entries) {
      if (e.status == EntryStatus::kDeleted) continue;
      ++part.seen;
      if (!FileMayMatch(filter, e.file, *spec, schema_)) {
        ++part.skipped;
        continue;
      }
      std::string path = ResolveTablePath(table_, e.file.file_path);
      part.files.push_back(PlannedFile{.entry = std::move(e), .path = std::move(path), .spec_id = spec->spec_id});
    }
  });
  size_t total = 0;
  for (const auto& part : parts) total += part.files.size();
  plan.files.reserve(total);
  for (auto& part : parts) {
    RETURN_IF_ERROR(part.status);
    plan.stats.files += part.seen;
    plan.stats.files_skipped += part.skipped;
    for (auto& f : part.files) plan.files.push_back(std::move(f));
  }
  if (!deletes.empty()) RETURN_IF_ERROR(AssignDeletes(deletes, plan));
  return plan;
}

Status ScanPlanner::AssignDeletes(const std::vector<std::pair<int, ManifestEntry>>& deletes, ScanPlan& plan) const {
  // Delete files by spec and partition: a delete file applies only to data
  // files of its own partition.
  auto key = [](int spec_id, const std::vector<tmpl::Value>& partition) {
    std::string k = std::to_string(spec_id);
    for (const auto& v : partition) k += "\x1f" + tmpl::ToJson(v);
    return k;
  };
  std::map<std::string, std::vector<const ManifestEntry*>> by_partition;
  std::vector<const ManifestEntry*> global;  // equality deletes of unpartitioned specs apply everywhere
  for (const auto& [spec_id, d] : deletes) {
    const PartitionSpec* spec = table_.metadata.FindSpec(spec_id);
    if (d.file.content == FileContent::kEqualityDeletes && d.file.equality_ids.empty())
      return FailedPrecondition("table " + table_.name + ": equality delete file " + d.file.file_path +
                                " has no equality_ids");
    if (d.file.content == FileContent::kEqualityDeletes && spec && spec->fields.empty()) {
      global.push_back(&d);
    } else {
      by_partition[key(spec_id, d.file.partition)].push_back(&d);
    }
  }
  constexpr int kFilePathId = 2147483546;  // the spec's reserved field id of file_path in delete files
  std::set<std::string> used;
  for (auto& f : plan.files) {
    const int64_t data_sequence = f.entry.sequence_number.value_or(0);
    auto apply = [&](const ManifestEntry* d) {
      const int64_t delete_sequence = d->sequence_number.value_or(0);
      if (d->file.content == FileContent::kEqualityDeletes) {
        if (delete_sequence <= data_sequence) return;
        f.equality_deletes.push_back({ResolveTablePath(table_, d->file.file_path), d->file.equality_ids});
      } else {
        if (delete_sequence < data_sequence) return;
        auto low = d->file.lower_bounds.find(kFilePathId);
        auto high = d->file.upper_bounds.find(kFilePathId);
        if (low != d->file.lower_bounds.end() && f.entry.file.file_path < low->second) return;
        if (high != d->file.upper_bounds.end() && f.entry.file.file_path > high->second) return;
        f.position_deletes.push_back(ResolveTablePath(table_, d->file.file_path));
      }
      used.insert(d->file.file_path);
    };
    for (const ManifestEntry* d : global) apply(d);
    auto group = by_partition.find(key(f.spec_id, f.entry.file.partition));
    if (group == by_partition.end()) continue;
    for (const ManifestEntry* d : group->second) apply(d);
  }
  plan.stats.delete_files = static_cast<int64_t>(used.size());
  return Status::Ok();
}

}  // namespace floe::iceberg
