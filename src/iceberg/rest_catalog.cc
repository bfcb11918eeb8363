#include "iceberg/rest_catalog.h"

#include <algorithm>

#include "core/strings.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using tmpl::Value;

RestResponse Error(int code, const std::string& type, const std::string& message) {
  return {code, tmpl::ToJson(Value::MakeMap({{"error", Value::MakeMap({{"message", Value(message)},
                                                                       {"type", Value(type)},
                                                                       {"code", Value(int64_t{code})}})}}))};
}

RestResponse FromStatus(const Status& s, const std::string& not_found_type) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return Error(404, not_found_type, s.message());
    case StatusCode::kAlreadyExists:
      return Error(409, "AlreadyExistsException", s.message());
    case StatusCode::kFailedPrecondition:
      return Error(409, "CommitFailedException", s.message());
    case StatusCode::kInvalidArgument:
      return Error(400, "BadRequestException", s.message());
    default:
      return Error(500, "ServerErrorException", s.message());
  }
}

Value NamespaceValue(const Namespace& ns) {
  tmpl::ValueList levels;
  for (const auto& l : ns) levels.push_back(Value(l));
  return Value(std::move(levels));
}

Result<Value> ParseBody(const std::string& body) {
  auto v = tmpl::ParseJson(body);
  if (!v.ok() || !v->is_map()) return InvalidArgument("the request body must be a JSON object");
  return *v;
}

Result<Namespace> NamespaceField(const Value& v, const std::string& field) {
  const Value* ns = v.Get(field);
  if (!ns || !ns->is_list() || ns->AsList().empty())
    return InvalidArgument("'" + field + "' must be a non-empty list of namespace levels");
  Namespace out;
  for (const auto& l : ns->AsList()) {
    if (!l.is_string() || l.AsString().empty())
      return InvalidArgument("'" + field + "' holds an empty or non-text level");
    out.push_back(l.AsString());
  }
  return out;
}

Result<int64_t> IntField(const Value& v, const std::string& field) {
  const Value* f = v.Get(field);
  if (!f || !f->is_int()) return InvalidArgument("'" + field + "' must be an integer");
  return f->AsInt();
}

Result<std::string> StringField(const Value& v, const std::string& field) {
  const Value* f = v.Get(field);
  if (!f || !f->is_string()) return InvalidArgument("'" + field + "' must be text");
  return f->AsString();
}

bool SameFields(const Schema& a, const Schema& b) {
  return tmpl::ToJson(SchemaToJson(Schema{.fields = a.fields, .identifier_field_ids = a.identifier_field_ids})) ==
         tmpl::ToJson(SchemaToJson(Schema{.fields = b.fields, .identifier_field_ids = b.identifier_field_ids}));
}

// The ids added by this commit, for "-1" (the last one added).
struct Added {
  int schema = -1, spec = -1, order = -1;
};

Status CheckRequirement(const TableMetadata& m, const Value& r) {
  ASSIGN_OR_RETURN(std::string type, StringField(r, "type"));
  auto mismatch = [&](const std::string& what, const std::string& want, const std::string& have) {
    return FailedPrecondition("requirement " + type + " failed: " + what + " is " + have + ", not " + want);
  };
  if (type == "assert-create") return FailedPrecondition("requirement assert-create failed: the table exists");
  if (type == "assert-table-uuid") {
    ASSIGN_OR_RETURN(std::string uuid, StringField(r, "uuid"));
    return uuid == m.table_uuid ? Status::Ok() : mismatch("the table's uuid", uuid, m.table_uuid);
  }
  if (type == "assert-ref-snapshot-id") {
    ASSIGN_OR_RETURN(std::string ref, StringField(r, "ref"));
    const Value* id = r.Get("snapshot-id");
    auto it = m.refs.find(ref);
    if (!id || id->is_null())
      return it == m.refs.end() ? Status::Ok()
                                : mismatch("ref '" + ref + "'", "absent", std::to_string(it->second.snapshot_id));
    if (!id->is_int()) return InvalidArgument("'snapshot-id' must be an integer or null");
    if (it == m.refs.end()) return mismatch("ref '" + ref + "'", std::to_string(id->AsInt()), "absent");
    return it->second.snapshot_id == id->AsInt()
               ? Status::Ok()
               : mismatch("ref '" + ref + "'", std::to_string(id->AsInt()), std::to_string(it->second.snapshot_id));
  }
  auto compare = [&](const std::string& field, int64_t have) -> Status {
    ASSIGN_OR_RETURN(int64_t want, IntField(r, field));
    return want == have ? Status::Ok() : mismatch(field, std::to_string(want), std::to_string(have));
  };
  if (type == "assert-last-assigned-field-id") return compare("last-assigned-field-id", m.last_column_id);
  if (type == "assert-current-schema-id") return compare("current-schema-id", m.current_schema_id);
  if (type == "assert-last-assigned-partition-id") return compare("last-assigned-partition-id", m.last_partition_id);
  if (type == "assert-default-spec-id") return compare("default-spec-id", m.default_spec_id);
  if (type == "assert-default-sort-order-id") return compare("default-sort-order-id", m.default_sort_order_id);
  return InvalidArgument("unknown requirement type '" + type + "'");
}

Status ApplyUpdate(TableMetadata& m, const Value& u, Added& added, int64_t now_ms) {
  ASSIGN_OR_RETURN(std::string action, StringField(u, "action"));
  if (action == "assign-uuid") {
    ASSIGN_OR_RETURN(std::string uuid, StringField(u, "uuid"));
    if (!m.table_uuid.empty() && m.table_uuid != uuid)
      return InvalidArgument("assign-uuid: the table's uuid is " + m.table_uuid + " and cannot change");
    m.table_uuid = uuid;
  } else if (action == "upgrade-format-version") {
    ASSIGN_OR_RETURN(int64_t v, IntField(u, "format-version"));
    if (v < m.format_version) return InvalidArgument("upgrade-format-version: cannot downgrade a table");
    if (v > 2) return InvalidArgument("upgrade-format-version: floe writes format v2, not v" + std::to_string(v));
    m.format_version = static_cast<int>(v);
  } else if (action == "add-schema") {
    const Value* json = u.Get("schema");
    if (!json) return InvalidArgument("add-schema needs 'schema'");
    ASSIGN_OR_RETURN(Schema schema, SchemaFromJson(*json));
    int max_id = -1;
    for (const auto& s : m.schemas) {
      max_id = std::max(max_id, s.schema_id);
      if (SameFields(s, schema)) added.schema = s.schema_id;
    }
    if (added.schema < 0 || !m.FindSchema(added.schema) || !SameFields(*m.FindSchema(added.schema), schema)) {
      schema.schema_id = max_id + 1;
      added.schema = schema.schema_id;
      m.schemas.push_back(schema);
    }
    m.last_column_id = std::max(m.last_column_id, schema.HighestFieldId());
    if (const Value* last = u.Get("last-column-id"); last && last->is_int())
      m.last_column_id = std::max<int>(m.last_column_id, static_cast<int>(last->AsInt()));
  } else if (action == "set-current-schema") {
    ASSIGN_OR_RETURN(int64_t id, IntField(u, "schema-id"));
    if (id == -1) id = added.schema;
    if (!m.FindSchema(static_cast<int>(id)))
      return InvalidArgument("set-current-schema: no schema " + std::to_string(id));
    m.current_schema_id = static_cast<int>(id);
  } else if (action == "add-spec") {
    const Value* json = u.Get("spec");
    if (!json) return InvalidArgument("add-spec needs 'spec'");
    ASSIGN_OR_RETURN(PartitionSpec spec, PartitionSpecFromJson(*json));
    int max_id = -1;
    added.spec = -1;
    for (const auto& s : m.specs) {
      max_id = std::max(max_id, s.spec_id);
      if (tmpl::ToJson(PartitionFieldsToJson(s.fields)) == tmpl::ToJson(PartitionFieldsToJson(spec.fields)))
        added.spec = s.spec_id;
    }
    if (added.spec < 0) {
      spec.spec_id = max_id + 1;
      added.spec = spec.spec_id;
      for (const auto& f : spec.fields) m.last_partition_id = std::max(m.last_partition_id, f.field_id);
      m.specs.push_back(std::move(spec));
    }
  } else if (action == "set-default-spec") {
    ASSIGN_OR_RETURN(int64_t id, IntField(u, "spec-id"));
    if (id == -1) id = added.spec;
    if (!m.FindSpec(static_cast<int>(id))) return InvalidArgument("set-default-spec: no spec " + std::to_string(id));
    m.default_spec_id = static_cast<int>(id);
  } else if (action == "add-sort-order") {
    const Value* json = u.Get("sort-order");
    if (!json) return InvalidArgument("add-sort-order needs 'sort-order'");
    ASSIGN_OR_RETURN(SortOrder order, SortOrderFromJson(*json, "add-sort-order"));
    int max_id = 0;
    for (const auto& o : m.sort_orders) max_id = std::max(max_id, o.order_id);
    order.order_id = order.fields.empty() ? 0 : max_id + 1;
    added.order = order.order_id;
    if (order.order_id != 0 ||
        std::none_of(m.sort_orders.begin(), m.sort_orders.end(), [](const SortOrder& o) { return o.order_id == 0; }))
      m.sort_orders.push_back(std::move(order));
  } else if (action == "set-default-sort-order") {
    ASSIGN_OR_RETURN(int64_t id, IntField(u, "sort-order-id"));
    if (id == -1) id = added.order;
    if (std::none_of(m.sort_orders.begin(), m.sort_orders.end(), [&](const SortOrder& o) { return o.order_id == id; }))
      return InvalidArgument("set-default-sort-order: no sort order " + std::to_string(id));
    m.default_sort_order_id = static_cast<int>(id);
  } else if (action == "add-snapshot") {
    const Value* json = u.Get("snapshot");
    if (!json) return InvalidArgument("add-snapshot needs 'snapshot'");
    ASSIGN_OR_RETURN(Snapshot s, SnapshotFromJson(*json, "add-snapshot"));
    if (m.FindSnapshot(s.snapshot_id))
      return InvalidArgument("add-snapshot: snapshot " + std::to_string(s.snapshot_id) + " exists already");
    if (s.sequence_number <= m.last_sequence_number && !m.snapshots.empty())
      return FailedPrecondition("add-snapshot: sequence number " + std::to_string(s.sequence_number) +
                                " is not above the table's last, " + std::to_string(m.last_sequence_number));
    m.last_sequence_number = std::max(m.last_sequence_number, s.sequence_number);
    m.snapshots.push_back(std::move(s));
  } else if (action == "set-snapshot-ref") {
    ASSIGN_OR_RETURN(std::string name, StringField(u, "ref-name"));
    ASSIGN_OR_RETURN(std::string type, StringField(u, "type"));
    ASSIGN_OR_RETURN(int64_t id, IntField(u, "snapshot-id"));
    const Snapshot* s = m.FindSnapshot(id);
    if (!s) return InvalidArgument("set-snapshot-ref: no snapshot " + std::to_string(id));
    if (type != "branch" && type != "tag") return InvalidArgument("set-snapshot-ref: type must be branch or tag");
    SnapshotRef ref{.snapshot_id = id, .branch = type == "branch"};
    if (const Value* v = u.Get("min-snapshots-to-keep"); v && v->is_int())
      ref.min_snapshots_to_keep = static_cast<int>(v->AsInt());
    if (const Value* v = u.Get("max-snapshot-age-ms"); v && v->is_int()) ref.max_snapshot_age_ms = v->AsInt();
    if (const Value* v = u.Get("max-ref-age-ms"); v && v->is_int()) ref.max_ref_age_ms = v->AsInt();
    m.refs[name] = ref;
    if (name == "main") {
      if (!ref.branch) return InvalidArgument("set-snapshot-ref: main must be a branch");
      m.current_snapshot_id = id;
      m.snapshot_log.emplace_back(std::max(now_ms, s->timestamp_ms), id);
    }
  } else if (action == "remove-snapshots") {
    const Value* ids = u.Get("snapshot-ids");
    if (!ids || !ids->is_list()) return InvalidArgument("remove-snapshots needs 'snapshot-ids'");
    std::set<int64_t> gone;
    for (const auto& id : ids->AsList())
      if (id.is_int()) gone.insert(id.AsInt());
    std::erase_if(m.snapshots, [&](const Snapshot& s) { return gone.count(s.snapshot_id) > 0; });
    std::erase_if(m.refs, [&](const auto& r) { return gone.count(r.second.snapshot_id) > 0; });
    std::erase_if(m.snapshot_log, [&](const auto& e) { return gone.count(e.second) > 0; });
    if (m.current_snapshot_id && gone.count(*m.current_snapshot_id)) m.current_snapshot_id.reset();
  } else if (action == "remove-snapshot-ref") {
    ASSIGN_OR_RETURN(std::string name, StringField(u, "ref-name"));
    m.refs.erase(name);
    if (name == "main") m.current_snapshot_id.reset();
  } else if (action == "set-location") {
    ASSIGN_OR_RETURN(m.location, StringField(u, "location"));
  } else if (action == "set-properties") {
    const Value* updates = u.Get("updates");
    if (!updates || !updates->is_map()) return InvalidArgument("set-properties needs an 'updates' object");
    for (const auto& [k, v] : updates->AsMap()) {
      if (!v.is_string()) return InvalidArgument("set-properties: '" + k + "' must be text");
      m.properties[k] = v.AsString();
    }
  } else if (action == "remove-properties") {
    const Value* removals = u.Get("removals");
    if (!removals || !removals->is_list()) return InvalidArgument("remove-properties needs a 'removals' list");
    for (const auto& k : removals->AsList())
      if (k.is_string()) m.properties.erase(k.AsString());
  } else {
    return InvalidArgument("unknown or unsupported update action '" + action + "'");
  }
  return Status::Ok();
}

std::string LoadResult(const std::string& location, const TableMetadata& m, bool with_config) {
  auto json = TableMetadataToJson(m);
  std::string out = "{\"metadata-location\":" + JsonQuote(location) + ",\"metadata\":" + (json.ok() ? *json : "{}");
  if (with_config) out += ",\"config\":{}";
  return out + "}";
}

}  // namespace

Namespace NamespaceFromPath(const std::string& decoded) {
  Namespace out;
  size_t start = 0;
  for (;;) {
    size_t sep = decoded.find('\x1f', start);
    out.push_back(decoded.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
    if (sep == std::string::npos) break;
    start = sep + 1;
  }
  return out;
}

RestCatalog::RestCatalog(SqlCatalog& catalog, Tables& tables, std::string warehouse)
    : catalog_(catalog), tables_(tables), warehouse_(std::move(warehouse)) {}

RestResponse RestCatalog::Config() const {
  return {200, tmpl::ToJson(
                   Value::MakeMap({{"defaults", Value(tmpl::ValueMap{})}, {"overrides", Value(tmpl::ValueMap{})}}))};
}

RestResponse RestCatalog::ListNamespaces(const Namespace& parent) {
  if (!parent.empty() && !catalog_.NamespaceProperties(parent).ok())
    return Error(404, "NoSuchNamespaceException", "namespace " + NamespaceToString(parent) + " does not exist");
  auto list = catalog_.ListNamespaces(parent);
  if (!list.ok()) return FromStatus(list.status(), "NoSuchNamespaceException");
  tmpl::ValueList out;
  for (const auto& ns : *list) out.push_back(NamespaceValue(ns));
  return {200, tmpl::ToJson(Value::MakeMap({{"namespaces", Value(std::move(out))}}))};
}

RestResponse RestCatalog::CreateNamespace(const std::string& body) {
  auto v = ParseBody(body);
  if (!v.ok()) return FromStatus(v.status(), "");
  auto ns = NamespaceField(*v, "namespace");
  if (!ns.ok()) return FromStatus(ns.status(), "");
  std::map<std::string, std::string> props;
  if (const Value* p = v->Get("properties"); p && p->is_map())
    for (const auto& [k, item] : p->AsMap()) props[k] = item.is_string() ? item.AsString() : tmpl::ToJson(item);
  Status s = catalog_.CreateNamespace(*ns, props);
  if (!s.ok()) return FromStatus(s, "NoSuchNamespaceException");
  tmpl::ValueMap out_props;
  for (const auto& [k, item] : props) out_props.Set(k, Value(item));
  return {200, tmpl::ToJson(
                   Value::MakeMap({{"namespace", NamespaceValue(*ns)}, {"properties", Value(std::move(out_props))}}))};
}

RestResponse RestCatalog::LoadNamespace(const Namespace& ns) {
  auto props = catalog_.NamespaceProperties(ns);
  if (!props.ok()) return FromStatus(props.status(), "NoSuchNamespaceException");
  tmpl::ValueMap out_props;
  for (const auto& [k, item] : *props) out_props.Set(k, Value(item));
  return {200, tmpl::ToJson(
                   Value::MakeMap({{"namespace", NamespaceValue(ns)}, {"properties", Value(std::move(out_props))}}))};
}

RestResponse RestCatalog::DropNamespace(const Namespace& ns) {
  Status s = catalog_.DropNamespace(ns);
  if (s.code() == StatusCode::kFailedPrecondition) return Error(409, "NamespaceNotEmptyException", s.message());
  if (!s.ok()) return FromStatus(s, "NoSuchNamespaceException");
  return {204, ""};
}

RestResponse RestCatalog::UpdateNamespaceProperties(const Namespace& ns, const std::string& body) {
  auto v = ParseBody(body);
  if (!v.ok()) return FromStatus(v.status(), "");
  auto before = catalog_.NamespaceProperties(ns);
  if (!before.ok()) return FromStatus(before.status(), "NoSuchNamespaceException");
  std::map<std::string, std::string> updates;
  std::vector<std::string> removals;
  if (const Value* u = v->Get("updates"); u && u->is_map())
    for (const auto& [k, item] : u->AsMap()) updates[k] = item.is_string() ? item.AsString() : tmpl::ToJson(item);
  if (const Value* r = v->Get("removals"); r && r->is_list())
    for (const auto& k : r->AsList())
      if (k.is_string()) removals.push_back(k.AsString());
  for (const auto& k : removals)
    if (updates.count(k)) return Error(422, "UnprocessableEntityException", "'" + k + "' is both updated and removed");
  Status s = catalog_.SetNamespaceProperties(ns, updates, removals);
  if (!s.ok()) return FromStatus(s, "NoSuchNamespaceException");
  tmpl::ValueList updated, removed, missing;
  for (const auto& [k, item] : updates) updated.push_back(Value(k));
  for (const auto& k : removals) (before->count(k) ? removed : missing).push_back(Value(k));
  return {200, tmpl::ToJson(Value::MakeMap({{"updated", Value(std::move(updated))},
                                            {"removed", Value(std::move(removed))},
                                            {"missing", Value(std::move(missing))}}))};
}

RestResponse RestCatalog::ListTables(const Namespace& ns) {
  if (!catalog_.NamespaceProperties(ns).ok())
    return Error(404, "NoSuchNamespaceException", "namespace " + NamespaceToString(ns) + " does not exist");
  auto tables = catalog_.ListTables(ns);
  if (!tables.ok()) return FromStatus(tables.status(), "NoSuchNamespaceException");
  tmpl::ValueList out;
  for (const auto& t : *tables)
    out.push_back(Value::MakeMap({{"namespace", NamespaceValue(t.ns)}, {"name", Value(t.name)}}));
  return {200, tmpl::ToJson(Value::MakeMap({{"identifiers", Value(std::move(out))}}))};
}

RestResponse RestCatalog::CreateTable(const Namespace& ns, const std::string& body) {
  auto v = ParseBody(body);
  if (!v.ok()) return FromStatus(v.status(), "");
  auto name = StringField(*v, "name");
  if (!name.ok()) return FromStatus(name.status(), "");
  if (!catalog_.NamespaceProperties(ns).ok())
    return Error(404, "NoSuchNamespaceException", "namespace " + NamespaceToString(ns) + " does not exist");
  if (const Value* staged = v->Get("stage-create"); staged && staged->is_bool() && staged->AsBool())
    return Error(400, "BadRequestException", "staged table creation is not supported by floe's catalog");
  const Value* schema_json = v->Get("schema");
  if (!schema_json) return Error(400, "BadRequestException", "'schema' is required");
  auto schema = SchemaFromJson(*schema_json);
  if (!schema.ok()) return FromStatus(schema.status(), "");
  PartitionSpec spec;
  if (const Value* s = v->Get("partition-spec"); s && !s->is_null()) {
    auto parsed = PartitionSpecFromJson(*s);
    if (!parsed.ok()) return FromStatus(parsed.status(), "");
    spec = *parsed;
  }
  std::map<std::string, std::string> props;
  if (const Value* p = v->Get("properties"); p && p->is_map())
    for (const auto& [k, item] : p->AsMap()) props[k] = item.is_string() ? item.AsString() : tmpl::ToJson(item);
  std::string location;
  if (const Value* l = v->Get("location"); l && l->is_string()) location = l->AsString();
  if (location.empty()) {
    location = warehouse_;
    for (const auto& level : ns) location += "/" + level;
    location += "/" + *name;
  }
  TableIdent ident{ns, *name};
  auto created = tables_.Create(ident, location, *schema, spec, props);
  if (!created.ok()) return FromStatus(created.status(), "NoSuchNamespaceException");
  if (const Value* order = v->Get("write-order"); order && order->is_map()) {
    auto with_order = tables_.UpdateMetadata(ident, [&](TableMetadata& m) -> Status {
      Added added;
      RETURN_IF_ERROR(ApplyUpdate(m, Value::MakeMap({{"action", Value("add-sort-order")}, {"sort-order", *order}}),
                                  added, m.last_updated_ms));
      m.default_sort_order_id = added.order;
      return Status::Ok();
    });
    if (!with_order.ok()) return FromStatus(with_order.status(), "NoSuchTableException");
    created = std::move(with_order);
  }
  return {200, LoadResult(created->metadata_location, created->metadata, true)};
}

RestResponse RestCatalog::LoadTable(const Namespace& ns, const std::string& table) {
  auto loaded = tables_.Load(TableIdent{ns, table});
  if (!loaded.ok()) return FromStatus(loaded.status(), "NoSuchTableException");
  return {200, LoadResult(loaded->metadata_location, loaded->metadata, true)};
}

RestResponse RestCatalog::CommitTable(const Namespace& ns, const std::string& table, const std::string& body) {
  auto v = ParseBody(body);
  if (!v.ok()) return FromStatus(v.status(), "");
  const Value* requirements = v->Get("requirements");
  const Value* updates = v->Get("updates");
  if (!requirements || !requirements->is_list() || !updates || !updates->is_list())
    return Error(400, "BadRequestException", "a commit needs 'requirements' and 'updates' lists");
  TableIdent ident{ns, table};
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(SystemClock().Now().time_since_epoch()).count();
  auto committed = tables_.UpdateMetadata(ident, [&](TableMetadata& m) -> Status {
    for (const auto& r : requirements->AsList()) RETURN_IF_ERROR(CheckRequirement(m, r));
    Added added;
    for (const auto& u : updates->AsList()) RETURN_IF_ERROR(ApplyUpdate(m, u, added, now));
    return Status::Ok();
  });
  if (!committed.ok()) return FromStatus(committed.status(), "NoSuchTableException");
  return {200, LoadResult(committed->metadata_location, committed->metadata, false)};
}

RestResponse RestCatalog::DropTable(const Namespace& ns, const std::string& table) {
  Status s = catalog_.DropTable(TableIdent{ns, table});
  if (!s.ok()) return FromStatus(s, "NoSuchTableException");
  return {204, ""};
}

RestResponse RestCatalog::RenameTable(const std::string& body) {
  auto v = ParseBody(body);
  if (!v.ok()) return FromStatus(v.status(), "");
  auto ident = [&](const char* field) -> Result<TableIdent> {
    const Value* t = v->Get(field);
    if (!t || !t->is_map()) return InvalidArgument(std::string("'") + field + "' must be {namespace, name}");
    ASSIGN_OR_RETURN(Namespace ns, NamespaceField(*t, "namespace"));
    ASSIGN_OR_RETURN(std::string name, StringField(*t, "name"));
    return TableIdent{ns, name};
  };
  auto from = ident("source");
  if (!from.ok()) return FromStatus(from.status(), "");
  auto to = ident("destination");
  if (!to.ok()) return FromStatus(to.status(), "");
  Status s = catalog_.RenameTable(*from, *to);
  if (!s.ok()) return FromStatus(s, "NoSuchTableException");
  return {204, ""};
}

}  // namespace floe::iceberg
