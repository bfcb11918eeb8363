#include "iceberg/metadata.h"

#include <algorithm>

#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using tmpl::Value;

// Reads fields of one JSON object, every error naming the file and the field.
class Reader {
 public:
  Reader(const Value& object, std::string where) : o_(object), where_(std::move(where)) {}

  Status Error(const std::string& field, const std::string& why) const {
    return InvalidArgument(where_ + ": '" + field + "' " + why);
  }
  const Value* Find(const std::string& field) const {
    const Value* v = o_.is_map() ? o_.Get(field) : nullptr;
    return v && !v->is_null() ? v : nullptr;
  }
  Result<std::optional<int64_t>> Long(const std::string& field, bool required) const {
    const Value* v = Find(field);
    if (!v) {
      if (required) return Error(field, "is required");
      return std::optional<int64_t>();
    }
    if (!v->is_int()) return Error(field, "must be an integer, not " + std::string(v->TypeName()));
    return std::optional<int64_t>(v->AsInt());
  }
  Result<std::optional<std::string>> String(const std::string& field, bool required) const {
    const Value* v = Find(field);
    if (!v) {
      if (required) return Error(field, "is required");
      return std::optional<std::string>();
    }
    if (!v->is_string()) return Error(field, "must be text, not " + std::string(v->TypeName()));
    return std::optional<std::string>(v->AsString());
  }
  Result<const Value*> List(const std::string& field, bool required) const {
    const Value* v = Find(field);
    if (!v) {
      if (required) return Error(field, "is required");
      return static_cast<const Value*>(nullptr);
    }
    if (!v->is_list()) return Error(field, "must be a list");
    return v;
  }
  Result<std::map<std::string, std::string>> StringMap(const std::string& field) const {
    std::map<std::string, std::string> out;
    const Value* v = Find(field);
    if (!v) return out;
    if (!v->is_map()) return Error(field, "must be an object of text values");
    for (const auto& [k, item] : v->AsMap()) {
      if (!item.is_string()) return Error(field + "." + k, "must be text");
      out[k] = item.AsString();
    }
    return out;
  }
  const std::string& where() const { return where_; }

 private:
  const Value& o_;
  std::string where_;
};

Result<Snapshot> ParseSnapshot(const Value& json, int version, const std::string& where) {
  Reader r(json, where);
  Snapshot s;
  ASSIGN_OR_RETURN(auto id, r.Long("snapshot-id", true));
  s.snapshot_id = *id;
  Reader named(json, where + ": snapshot " + std::to_string(s.snapshot_id));
  ASSIGN_OR_RETURN(s.parent_snapshot_id, named.Long("parent-snapshot-id", false));
  ASSIGN_OR_RETURN(auto seq, named.Long("sequence-number", version >= 2));
  // v1 has no sequence numbers: every v1 snapshot's is 0, whatever it says.
  s.sequence_number = version >= 2 ? seq.value_or(0) : 0;
  ASSIGN_OR_RETURN(auto ts, named.Long("timestamp-ms", true));
  s.timestamp_ms = *ts;
  ASSIGN_OR_RETURN(auto list, named.String("manifest-list", version >= 2));
  if (list) {
    s.manifest_list = *list;
  } else {
    ASSIGN_OR_RETURN(const Value* manifests, named.List("manifests", true));
    for (const auto& m : manifests->AsList())
      if (m.is_string()) s.v1_manifests.push_back(m.AsString());
  }
  ASSIGN_OR_RETURN(s.summary, named.StringMap("summary"));
  // A v2 snapshot says what it did; one from before the table's upgrade
  // from v1 (sequence number 0) may not.
  if (version >= 2 && s.sequence_number > 0 && !s.summary.count("operation"))
    return named.Error("summary", "needs an 'operation'");
  ASSIGN_OR_RETURN(auto schema_id, named.Long("schema-id", false));
  if (schema_id) s.schema_id = static_cast<int>(*schema_id);
  return s;
}

Result<SortOrder> ParseSortOrder(const Value& json, const std::string& where) {
  Reader r(json, where);
  SortOrder order;
  ASSIGN_OR_RETURN(auto id, r.Long("order-id", true));
  order.order_id = static_cast<int>(*id);
  ASSIGN_OR_RETURN(const Value* fields, r.List("fields", true));
  for (const auto& f : fields->AsList()) {
    Reader fr(f, where + ": sort order " + std::to_string(order.order_id));
    SortField field;
    ASSIGN_OR_RETURN(auto source, fr.Long("source-id", true));
    field.source_id = static_cast<int>(*source);
    ASSIGN_OR_RETURN(auto transform, fr.String("transform", true));
    auto t = ParseTransform(*transform);
    if (!t.ok()) return Status(t.status()).WithContext(fr.where());
    field.transform = *t;
    ASSIGN_OR_RETURN(auto direction, fr.String("direction", true));
    if (*direction != "asc" && *direction != "desc") return fr.Error("direction", "must be asc or desc");
    field.ascending = *direction == "asc";
    ASSIGN_OR_RETURN(auto nulls, fr.String("null-order", true));
    if (*nulls != "nulls-first" && *nulls != "nulls-last")
      return fr.Error("null-order", "must be nulls-first or nulls-last");
    field.nulls_first = *nulls == "nulls-first";
    order.fields.push_back(field);
  }
  return order;
}

Value Long(int64_t v) { return Value(v); }

}  // namespace

Result<Snapshot> SnapshotFromJson(const tmpl::Value& json, const std::string& where) {
  return ParseSnapshot(json, 2, where);
}
Result<SortOrder> SortOrderFromJson(const tmpl::Value& json, const std::string& where) {
  return ParseSortOrder(json, where);
}

const Schema* TableMetadata::FindSchema(int id) const {
  for (const auto& s : schemas)
    if (s.schema_id == id) return &s;
  return nullptr;
}
const Schema* TableMetadata::CurrentSchema() const { return FindSchema(current_schema_id); }
const Schema* TableMetadata::SchemaFor(const PartitionSpec& spec) const {
  auto holds = [&](const Schema* s) {
    return s && std::all_of(spec.fields.begin(), spec.fields.end(),
                            [&](const PartitionField& f) { return s->FindField(f.source_id) != nullptr; });
  };
  if (const Schema* current = CurrentSchema(); holds(current)) return current;
  for (auto it = schemas.rbegin(); it != schemas.rend(); ++it)
    if (holds(&*it)) return &*it;
  return nullptr;
}
const PartitionSpec* TableMetadata::FindSpec(int id) const {
  for (const auto& s : specs)
    if (s.spec_id == id) return &s;
  return nullptr;
}
const PartitionSpec* TableMetadata::DefaultSpec() const { return FindSpec(default_spec_id); }
const Snapshot* TableMetadata::FindSnapshot(int64_t id) const {
  for (const auto& s : snapshots)
    if (s.snapshot_id == id) return &s;
  return nullptr;
}
const Snapshot* TableMetadata::CurrentSnapshot() const {
  return current_snapshot_id ? FindSnapshot(*current_snapshot_id) : nullptr;
}

const Snapshot* TableMetadata::SnapshotAsOf(int64_t timestamp_ms) const {
  const Snapshot* found = nullptr;
  for (const auto& [ts, id] : snapshot_log)
    if (ts <= timestamp_ms) found = FindSnapshot(id);
  return found;
}

const Snapshot* TableMetadata::SnapshotOfRef(const std::string& ref) const {
  auto it = refs.find(ref);
  return it == refs.end() ? nullptr : FindSnapshot(it->second.snapshot_id);
}

Result<TableMetadata> ParseTableMetadata(std::string_view text, const std::string& name) {
  auto json = tmpl::ParseJson(std::string(text));
  if (!json.ok()) return Status(json.status()).WithContext("table metadata " + name);
  if (!json->is_map()) return InvalidArgument("table metadata " + name + ": not a JSON object");
  Reader r(*json, "table metadata " + name);
  TableMetadata m;
  ASSIGN_OR_RETURN(auto version, r.Long("format-version", true));
  if (*version == 3)
    return InvalidArgument("table metadata " + name +
                           ": format version 3 is not supported yet; floe reads v1 and v2 tables");
  if (*version < 1 || *version > 3)
    return r.Error("format-version", "is " + std::to_string(*version) + "; Iceberg has versions 1 to 3");
  m.format_version = static_cast<int>(*version);
  bool v2 = m.format_version >= 2;
  ASSIGN_OR_RETURN(auto uuid, r.String("table-uuid", v2));
  m.table_uuid = uuid.value_or("");
  ASSIGN_OR_RETURN(auto location, r.String("location", true));
  m.location = *location;
  ASSIGN_OR_RETURN(auto seq, r.Long("last-sequence-number", v2));
  m.last_sequence_number = seq.value_or(0);
  ASSIGN_OR_RETURN(auto updated, r.Long("last-updated-ms", true));
  m.last_updated_ms = *updated;
  ASSIGN_OR_RETURN(auto last_column, r.Long("last-column-id", true));
  m.last_column_id = static_cast<int>(*last_column);

  // Schemas: v2's list, or v1's single schema.
  ASSIGN_OR_RETURN(const Value* schemas, r.List("schemas", v2));
  if (schemas) {
    for (const auto& s : schemas->AsList()) {
      auto schema = SchemaFromJson(s);
      if (!schema.ok()) return Status(schema.status()).WithContext(r.where());
      m.schemas.push_back(std::move(*schema));
    }
    ASSIGN_OR_RETURN(auto current, r.Long("current-schema-id", v2));
    m.current_schema_id = static_cast<int>(current.value_or(m.schemas.empty() ? 0 : m.schemas.front().schema_id));
  } else {
    const Value* schema = r.Find("schema");
    if (!schema) return r.Error("schemas", "is required (or a v1 'schema')");
    auto parsed = SchemaFromJson(*schema);
    if (!parsed.ok()) return Status(parsed.status()).WithContext(r.where());
    m.current_schema_id = parsed->schema_id;
    m.schemas.push_back(std::move(*parsed));
  }
  if (!m.CurrentSchema())
    return r.Error("current-schema-id", std::to_string(m.current_schema_id) + " is not one of the schemas");

  // Partition specs: v2's list, or v1's single list of fields (spec 0).
  ASSIGN_OR_RETURN(const Value* specs, r.List("partition-specs", v2));
  if (specs) {
    for (const auto& s : specs->AsList()) {
      auto spec = PartitionSpecFromJson(s);
      if (!spec.ok()) return Status(spec.status()).WithContext(r.where());
      m.specs.push_back(std::move(*spec));
    }
    ASSIGN_OR_RETURN(auto def, r.Long("default-spec-id", v2));
    m.default_spec_id = static_cast<int>(def.value_or(m.specs.empty() ? 0 : m.specs.front().spec_id));
  } else {
    const Value* fields = r.Find("partition-spec");
    PartitionSpec spec;
    if (fields) {
      auto parsed = PartitionFieldsFromJson(*fields);
      if (!parsed.ok()) return Status(parsed.status()).WithContext(r.where());
      spec.fields = std::move(*parsed);
    }
    m.specs.push_back(std::move(spec));
  }
  if (!m.DefaultSpec())
    return r.Error("default-spec-id", std::to_string(m.default_spec_id) + " is not one of the partition specs");
  ASSIGN_OR_RETURN(auto last_partition, r.Long("last-partition-id", v2));
  if (last_partition) {
    m.last_partition_id = static_cast<int>(*last_partition);
  } else {
    for (const auto& s : m.specs)
      for (const auto& f : s.fields) m.last_partition_id = std::max(m.last_partition_id, f.field_id);
  }

  ASSIGN_OR_RETURN(m.properties, r.StringMap("properties"));
  ASSIGN_OR_RETURN(auto current, r.Long("current-snapshot-id", false));
  if (current && *current != -1) m.current_snapshot_id = *current;  // Java wrote -1 for none
  ASSIGN_OR_RETURN(const Value* snapshots, r.List("snapshots", false));
  if (snapshots)
    for (const auto& s : snapshots->AsList()) {
      ASSIGN_OR_RETURN(Snapshot snapshot, ParseSnapshot(s, m.format_version, r.where()));
      m.snapshots.push_back(std::move(snapshot));
    }
  if (m.current_snapshot_id && !m.CurrentSnapshot())
    return r.Error("current-snapshot-id", std::to_string(*m.current_snapshot_id) + " is not one of the snapshots");
  ASSIGN_OR_RETURN(const Value* snapshot_log, r.List("snapshot-log", false));
  if (snapshot_log)
    for (const auto& e : snapshot_log->AsList()) {
      Reader er(e, r.where() + ": snapshot-log");
      ASSIGN_OR_RETURN(auto ts, er.Long("timestamp-ms", true));
      ASSIGN_OR_RETURN(auto id, er.Long("snapshot-id", true));
      m.snapshot_log.emplace_back(*ts, *id);
    }
  ASSIGN_OR_RETURN(const Value* metadata_log, r.List("metadata-log", false));
  if (metadata_log)
    for (const auto& e : metadata_log->AsList()) {
      Reader er(e, r.where() + ": metadata-log");
      ASSIGN_OR_RETURN(auto ts, er.Long("timestamp-ms", true));
      ASSIGN_OR_RETURN(auto file, er.String("metadata-file", true));
      m.metadata_log.emplace_back(*ts, *file);
    }
  ASSIGN_OR_RETURN(const Value* orders, r.List("sort-orders", v2));
  if (orders) {
    for (const auto& o : orders->AsList()) {
      ASSIGN_OR_RETURN(SortOrder order, ParseSortOrder(o, r.where()));
      m.sort_orders.push_back(std::move(order));
    }
    ASSIGN_OR_RETURN(auto def, r.Long("default-sort-order-id", v2));
    m.default_sort_order_id = static_cast<int>(def.value_or(0));
  } else {
    m.sort_orders.push_back(SortOrder{});
  }
  if (const Value* refs = r.Find("refs")) {
    if (!refs->is_map()) return r.Error("refs", "must be an object");
    for (const auto& [ref_name, ref] : refs->AsMap()) {
      Reader rr(ref, r.where() + ": ref '" + ref_name + "'");
      SnapshotRef out;
      ASSIGN_OR_RETURN(auto id, rr.Long("snapshot-id", true));
      out.snapshot_id = *id;
      ASSIGN_OR_RETURN(auto type, rr.String("type", true));
      if (*type != "branch" && *type != "tag") return rr.Error("type", "must be branch or tag");
      out.branch = *type == "branch";
      ASSIGN_OR_RETURN(auto keep, rr.Long("min-snapshots-to-keep", false));
      if (keep) out.min_snapshots_to_keep = static_cast<int>(*keep);
      ASSIGN_OR_RETURN(out.max_snapshot_age_ms, rr.Long("max-snapshot-age-ms", false));
      ASSIGN_OR_RETURN(out.max_ref_age_ms, rr.Long("max-ref-age-ms", false));
      if (!m.FindSnapshot(out.snapshot_id))
        return rr.Error("snapshot-id", std::to_string(out.snapshot_id) + " is not one of the snapshots");
      m.refs[ref_name] = out;
    }
  }
  // The main branch is the current snapshot, whether or not refs say so.
  if (m.current_snapshot_id) {
    auto main = m.refs.find("main");
    if (main == m.refs.end()) {
      m.refs["main"] = SnapshotRef{.snapshot_id = *m.current_snapshot_id};
    } else if (main->second.snapshot_id != *m.current_snapshot_id) {
      return r.Error("refs", "main is snapshot " + std::to_string(main->second.snapshot_id) +
                                 " but current-snapshot-id is " + std::to_string(*m.current_snapshot_id));
    }
  }
  if (const Value* stats = r.Find("statistics")) m.statistics = *stats;
  if (const Value* stats = r.Find("partition-statistics")) m.partition_statistics = *stats;
  return m;
}

Result<std::string> TableMetadataToJson(const TableMetadata& m, int indent) {
  tmpl::ValueMap out;
  out.Set("format-version", Long(2));
  out.Set("table-uuid", Value(m.table_uuid));
  out.Set("location", Value(m.location));
  out.Set("last-sequence-number", Long(m.last_sequence_number));
  out.Set("last-updated-ms", Long(m.last_updated_ms));
  out.Set("last-column-id", Long(m.last_column_id));
  out.Set("current-schema-id", Long(m.current_schema_id));
  tmpl::ValueList schemas;
  for (const auto& s : m.schemas) schemas.push_back(SchemaToJson(s));
  out.Set("schemas", Value(std::move(schemas)));
  out.Set("default-spec-id", Long(m.default_spec_id));
  tmpl::ValueList specs;
  for (const auto& s : m.specs) specs.push_back(PartitionSpecToJson(s));
  out.Set("partition-specs", Value(std::move(specs)));
  out.Set("last-partition-id", Long(m.last_partition_id));
  out.Set("default-sort-order-id", Long(m.default_sort_order_id));
  tmpl::ValueList orders;
  for (const auto& o : m.sort_orders) {
    tmpl::ValueList fields;
    for (const auto& f : o.fields)
      fields.push_back(Value::MakeMap({{"transform", Value(f.transform.ToString())},
                                       {"source-id", Long(f.source_id)},
                                       {"direction", Value(f.ascending ? "asc" : "desc")},
                                       {"null-order", Value(f.nulls_first ? "nulls-first" : "nulls-last")}}));
    orders.push_back(Value::MakeMap({{"order-id", Long(o.order_id)}, {"fields", Value(std::move(fields))}}));
  }
  out.Set("sort-orders", Value(std::move(orders)));
  tmpl::ValueMap properties;
  for (const auto& [k, v] : m.properties) properties.Set(k, Value(v));
  out.Set("properties", Value(std::move(properties)));
  if (m.current_snapshot_id) out.Set("current-snapshot-id", Long(*m.current_snapshot_id));
  tmpl::ValueMap refs;
  for (const auto& [name, ref] : m.refs) {
    tmpl::ValueMap r;
    r.Set("snapshot-id", Long(ref.snapshot_id));
    r.Set("type", Value(ref.branch ? "branch" : "tag"));
    if (ref.min_snapshots_to_keep) r.Set("min-snapshots-to-keep", Long(*ref.min_snapshots_to_keep));
    if (ref.max_snapshot_age_ms) r.Set("max-snapshot-age-ms", Long(*ref.max_snapshot_age_ms));
    if (ref.max_ref_age_ms) r.Set("max-ref-age-ms", Long(*ref.max_ref_age_ms));
    refs.Set(name, Value(std::move(r)));
  }
  out.Set("refs", Value(std::move(refs)));
  tmpl::ValueList snapshots;
  for (const auto& s : m.snapshots) {
    if (s.manifest_list.empty())
      return InvalidArgument("snapshot " + std::to_string(s.snapshot_id) +
                             " has no manifest list (a v1 snapshot): write one before the table is written as v2");
    tmpl::ValueMap j;
    j.Set("snapshot-id", Long(s.snapshot_id));
    if (s.parent_snapshot_id) j.Set("parent-snapshot-id", Long(*s.parent_snapshot_id));
    j.Set("sequence-number", Long(s.sequence_number));
    j.Set("timestamp-ms", Long(s.timestamp_ms));
    j.Set("manifest-list", Value(s.manifest_list));
    tmpl::ValueMap summary;
    for (const auto& [k, v] : s.summary) summary.Set(k, Value(v));
    j.Set("summary", Value(std::move(summary)));
    if (s.schema_id) j.Set("schema-id", Long(*s.schema_id));
    snapshots.push_back(Value(std::move(j)));
  }
  out.Set("snapshots", Value(std::move(snapshots)));
  tmpl::ValueList snapshot_log, metadata_log;
  for (const auto& [ts, id] : m.snapshot_log)
    snapshot_log.push_back(Value::MakeMap({{"timestamp-ms", Long(ts)}, {"snapshot-id", Long(id)}}));
  for (const auto& [ts, file] : m.metadata_log)
    metadata_log.push_back(Value::MakeMap({{"timestamp-ms", Long(ts)}, {"metadata-file", Value(file)}}));
  out.Set("snapshot-log", Value(std::move(snapshot_log)));
  out.Set("metadata-log", Value(std::move(metadata_log)));
  if (!m.statistics.is_null() && !m.statistics.is_undefined()) out.Set("statistics", m.statistics);
  if (!m.partition_statistics.is_null() && !m.partition_statistics.is_undefined())
    out.Set("partition-statistics", m.partition_statistics);
  return tmpl::ToJson(Value(std::move(out)), indent);
}

}  // namespace floe::iceberg
