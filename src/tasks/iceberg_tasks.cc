// iceberg.* tasks: create, write and delete from Iceberg tables of the
// lakehouse's catalog (TaskContext::Lake), each write one commit.
#include "core/duration.h"
#include "iceberg/evolution.h"
#include "iceberg/lake.h"
#include "storage/object_stores.h"
#include "tasks/builtin.h"
#include "tmpl/json.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

Result<std::unique_ptr<iceberg::Lake>> OpenLake(flow::TaskContext& ctx) {
  ASSIGN_OR_RETURN(std::filesystem::path wd, ctx.WorkingDirectory());
  return iceberg::Lake::Open(
      {.catalog = ctx.Lake().catalog, .warehouse = ctx.Lake().warehouse, .working_directory = wd});
}

Result<std::vector<std::string>> StringList(flow::TaskContext& ctx, std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property(name));
  std::vector<std::string> out;
  if (!v || v->is_null()) return out;
  if (v->is_string()) return std::vector<std::string>{v->AsString()};
  if (!v->is_list()) return ctx.PropertyError(name, "must be a list of names");
  for (const auto& item : v->AsList()) {
    if (!item.is_string()) return ctx.PropertyError(name, "must be a list of names");
    out.push_back(item.AsString());
  }
  return out;
}

Value SnapshotId(const iceberg::LoadedTable& t) {
  return t.metadata.current_snapshot_id ? Value(*t.metadata.current_snapshot_id) : Value();
}

Value WriteOutputs(const iceberg::WriteResult& r, const std::string& branch) {
  std::optional<int64_t> snapshot;
  if (auto ref = r.table.metadata.refs.find(branch); ref != r.table.metadata.refs.end())
    snapshot = ref->second.snapshot_id;
  return Value::MakeMap({{"committed", Value(r.committed)},
                         {"snapshotId", snapshot ? Value(*snapshot) : Value()},
                         {"addedRecords", Value(r.added_records)},
                         {"deletedRecords", Value(r.deleted_records)},
                         {"addedFiles", Value(r.added_files)},
                         {"removedFiles", Value(r.removed_files)}});
}

void LogWrite(flow::TaskContext& ctx, const std::string& table, const iceberg::WriteResult& r,
              const std::string& branch) {
  if (!r.committed) {
    ctx.Log(LogLevel::kInfo, table + ": nothing to change, no commit");
    return;
  }
  const iceberg::SnapshotRef& ref = r.table.metadata.refs.at(branch);
  ctx.Log(LogLevel::kInfo, table + ": committed snapshot " + std::to_string(ref.snapshot_id) +
                               (branch == "main" ? "" : " on branch '" + branch + "'") + ": +" +
                               std::to_string(r.added_records) + " row(s), -" + std::to_string(r.deleted_records) +
                               " row(s); " + std::to_string(r.added_files) + " data file(s) written, " +
                               std::to_string(r.removed_files) + " replaced");
}

class CreateTableTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    iceberg::CreateTableRequest request;
    ASSIGN_OR_RETURN(request.table, ctx.RequiredString("table"));
    ASSIGN_OR_RETURN(request.query, ctx.StringOr("sql", ""));
    ASSIGN_OR_RETURN(std::optional<Value> columns, ctx.Property("columns"));
    if (columns && !columns->is_null()) {
      ASSIGN_OR_RETURN(request.schema, Columns(ctx, *columns));
    } else if (request.query.empty()) {
      return ctx.PropertyError("columns", "give the table's columns, or 'sql' to take them (and rows) from");
    }
    ASSIGN_OR_RETURN(request.partition_by, StringList(ctx, "partitionBy"));
    ASSIGN_OR_RETURN(std::optional<Value> props, ctx.Property("properties"));
    if (props && !props->is_null()) {
      if (!props->is_map()) return ctx.PropertyError("properties", "must be a map of names to values");
      for (const auto& [k, v] : props->AsMap()) request.properties[k] = v.is_string() ? v.AsString() : tmpl::ToJson(v);
    }
    ASSIGN_OR_RETURN(request.location, ctx.StringOr("location", ""));
    ASSIGN_OR_RETURN(request.if_not_exists, ctx.BoolOr("ifNotExists", false));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    auto table = lake->CreateTable(request);
    if (!table.ok()) {
      if (table.status().message().find("partition field") != std::string::npos)
        return ctx.PropertyError("partitionBy", table.status().message());
      return table.status();
    }
    ctx.Log(LogLevel::kInfo, "table " + request.table + " at " + table->metadata.location);
    return Value::MakeMap({{"table", Value(request.table)},
                           {"location", Value(table->metadata.location)},
                           {"metadataLocation", Value(table->metadata_location)},
                           {"snapshotId", SnapshotId(*table)}});
  }

 private:
  static Result<iceberg::Schema> Columns(flow::TaskContext& ctx, const Value& columns) {
    if (!columns.is_list() || columns.AsList().empty())
      return ctx.PropertyError("columns", "must be a list of {name, type} maps");
    iceberg::Schema schema;
    int id = 1;
    for (const auto& c : columns.AsList()) {
      const Value* name = c.is_map() ? c.AsMap().Find("name") : nullptr;
      const Value* type = c.is_map() ? c.AsMap().Find("type") : nullptr;
      if (!name || !name->is_string() || !type || !type->is_string())
        return ctx.PropertyError("columns", "each column needs a 'name' and a 'type' (long, string, date, ...)");
      auto parsed = iceberg::ParsePrimitiveType(type->AsString());
      if (!parsed.ok())
        return ctx.PropertyError("columns", "column '" + name->AsString() + "': " + parsed.status().message());
      const Value* required = c.AsMap().Find("required");
      const Value* doc = c.AsMap().Find("doc");
      schema.fields.push_back({.id = id++,
                               .name = name->AsString(),
                               .required = required && required->is_bool() && required->AsBool(),
                               .type = *parsed,
                               .doc = doc && doc->is_string() ? doc->AsString() : ""});
    }
    return schema;
  }
};

class WriteTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    iceberg::WriteRequest request;
    ASSIGN_OR_RETURN(request.table, ctx.RequiredString("table"));
    ASSIGN_OR_RETURN(request.query, ctx.RequiredString("sql"));
    ASSIGN_OR_RETURN(std::string mode, ctx.StringOr("mode", "APPEND"));
    if (mode == "APPEND") {
      request.mode = iceberg::WriteMode::kAppend;
    } else if (mode == "OVERWRITE") {
      request.mode = iceberg::WriteMode::kOverwrite;
    } else if (mode == "MERGE") {
      request.mode = iceberg::WriteMode::kMerge;
    } else {
      return ctx.PropertyError("mode", "must be APPEND, OVERWRITE or MERGE, not '" + mode + "'");
    }
    ASSIGN_OR_RETURN(request.where, ctx.StringOr("where", ""));
    if (!request.where.empty() && request.mode != iceberg::WriteMode::kOverwrite)
      return ctx.PropertyError("where", "only an OVERWRITE takes a condition");
    ASSIGN_OR_RETURN(request.keys, StringList(ctx, "keys"));
    if (request.mode == iceberg::WriteMode::kMerge && request.keys.empty())
      return ctx.PropertyError("keys", "a MERGE needs the key columns rows are matched on");
    ASSIGN_OR_RETURN(request.branch, ctx.StringOr("branch", "main"));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::WriteResult r, lake->Write(request));
    LogWrite(ctx, request.table, r, request.branch);
    return WriteOutputs(r, request.branch);
  }
};

class DeleteTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string table, ctx.RequiredString("table"));
    ASSIGN_OR_RETURN(std::string where, ctx.RequiredString("where"));
    ASSIGN_OR_RETURN(std::string branch, ctx.StringOr("branch", "main"));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::WriteResult r, lake->Delete(table, where, branch));
    LogWrite(ctx, table, r, branch);
    return WriteOutputs(r, branch);
  }
};

Result<iceberg::TableIdent> Ident(flow::TaskContext& ctx) {
  ASSIGN_OR_RETURN(std::string table, ctx.RequiredString("table"));
  auto ident = iceberg::ParseTableIdent(table);
  if (!ident.ok()) return ctx.PropertyError("table", ident.status().message());
  return *ident;
}

Value TableOutputs(const iceberg::LoadedTable& t) {
  return Value::MakeMap({{"snapshotId", SnapshotId(t)}, {"metadataLocation", Value(t.metadata_location)}});
}

class ExpireSnapshotsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    ASSIGN_OR_RETURN(std::string older_than, ctx.StringOr("olderThan", "P5D"));
    auto age = ParseDuration(older_than);
    if (!age.ok() || age->count() < 0) return ctx.PropertyError("olderThan", "must be a duration like P5D or PT1H");
    ASSIGN_OR_RETURN(int64_t retain_last, ctx.IntOr("retainLast", 1));
    if (retain_last < 1) return ctx.PropertyError("retainLast", "must be at least 1");
    int64_t cutoff = iceberg::CutoffMs(*age);
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::ExpireResult r,
                     lake->tables().ExpireSnapshots(ident, cutoff, static_cast<int>(retain_last)));
    ctx.Log(LogLevel::kInfo, ident.ToString() + ": expired " + std::to_string(r.snapshots) + " snapshot(s), deleted " +
                                 std::to_string(r.data_files) + " data file(s) and " + std::to_string(r.manifests) +
                                 " manifest(s)");
    return Value::MakeMap({{"expiredSnapshots", Value(r.snapshots)},
                           {"deletedDataFiles", Value(r.data_files)},
                           {"deletedManifests", Value(r.manifests)},
                           {"deletedManifestLists", Value(r.manifest_lists)}});
  }
};

class RemoveOrphanFilesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    ASSIGN_OR_RETURN(std::string older_than, ctx.StringOr("olderThan", "P3D"));
    auto age = ParseDuration(older_than);
    if (!age.ok() || age->count() < 0) return ctx.PropertyError("olderThan", "must be a duration like P3D");
    ASSIGN_OR_RETURN(bool dry_run, ctx.BoolOr("dryRun", false));
    int64_t cutoff = iceberg::CutoffMs(*age);
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::OrphanResult r, lake->tables().RemoveOrphanFiles(ident, cutoff, dry_run));
    tmpl::ValueList files;
    for (const auto& f : r.deleted) files.push_back(Value(f));
    ctx.Log(LogLevel::kInfo, ident.ToString() + ": " + std::to_string(r.deleted.size()) + " orphan file(s) " +
                                 (dry_run ? "found" : "deleted") + ", " + std::to_string(r.too_new.size()) +
                                 " newer than " + older_than + " left");
    return Value::MakeMap({{"orphanFiles", Value(std::move(files))},
                           {"deleted", Value(!dry_run)},
                           {"tooNew", Value(static_cast<int64_t>(r.too_new.size()))}});
  }
};

class CompactTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string table, ctx.RequiredString("table"));
    ASSIGN_OR_RETURN(int64_t target, ctx.IntOr("targetFileSizeBytes", 0));
    if (target < 0) return ctx.PropertyError("targetFileSizeBytes", "must be positive");
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::WriteResult r, lake->Compact(table, target));
    ctx.Log(LogLevel::kInfo, r.committed ? table + ": rewrote " + std::to_string(r.removed_files) +
                                               " small file(s) as " + std::to_string(r.added_files)
                                         : table + ": no partition has several small files; nothing to compact");
    return WriteOutputs(r, "main");
  }
};

Result<int64_t> SnapshotIdProperty(flow::TaskContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<Value> id, ctx.Property("snapshotId"));
  if (!id || !id->is_int()) return ctx.PropertyError("snapshotId", "must be the id of a snapshot of the table");
  return id->AsInt();
}

class RollbackTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    ASSIGN_OR_RETURN(int64_t id, SnapshotIdProperty(ctx));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::LoadedTable t, lake->tables().Rollback(ident, id));
    ctx.Log(LogLevel::kInfo, ident.ToString() + ": main is back at snapshot " + std::to_string(id));
    return TableOutputs(t);
  }
};

class CherryPickTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    ASSIGN_OR_RETURN(int64_t id, SnapshotIdProperty(ctx));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::LoadedTable t, lake->tables().CherryPick(ident, id));
    ctx.Log(LogLevel::kInfo, ident.ToString() + ": snapshot " + std::to_string(id) + " applied to main as snapshot " +
                                 std::to_string(t.metadata.current_snapshot_id.value_or(0)));
    return TableOutputs(t);
  }
};

class RewriteManifestsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(iceberg::Tables::RewriteManifestsResult r, lake->tables().RewriteManifests(ident));
    ctx.Log(LogLevel::kInfo, r.created ? ident.ToString() + ": rewrote " + std::to_string(r.replaced) +
                                             " manifest(s) as " + std::to_string(r.created)
                                       : ident.ToString() + ": one manifest per partition spec already");
    return Value::MakeMap({{"snapshotId", SnapshotId(r.table)},
                           {"metadataLocation", Value(r.table.metadata_location)},
                           {"manifestsReplaced", Value(r.replaced)},
                           {"manifestsCreated", Value(r.created)}});
  }
};

class PublishTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    ASSIGN_OR_RETURN(std::string branch, ctx.RequiredString("branch"));
    ASSIGN_OR_RETURN(bool drop, ctx.BoolOr("dropBranch", false));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    ASSIGN_OR_RETURN(std::vector<iceberg::LoadedTable> published, lake->tables().Publish({ident}, branch, drop));
    const iceberg::LoadedTable& t = published[0];
    ctx.Log(LogLevel::kInfo, ident.ToString() + ": main now at branch '" + branch + "''s snapshot " +
                                 std::to_string(t.metadata.current_snapshot_id.value_or(0)));
    return TableOutputs(t);
  }
};

// Schema and partition evolution, and properties.
class AlterTableTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    std::vector<iceberg::SchemaChange> changes;
    ASSIGN_OR_RETURN(std::optional<Value> add, ctx.Property("addColumns"));
    if (add && !add->is_null()) {
      if (!add->is_list()) return ctx.PropertyError("addColumns", "must be a list of {name, type, doc}");
      for (const auto& c : add->AsList()) {
        const Value* name = c.is_map() ? c.AsMap().Find("name") : nullptr;
        const Value* type = c.is_map() ? c.AsMap().Find("type") : nullptr;
        const Value* doc = c.is_map() ? c.AsMap().Find("doc") : nullptr;
        if (!name || !name->is_string() || !type || !type->is_string())
          return ctx.PropertyError("addColumns", "each new column needs a 'name' and a 'type'");
        changes.push_back({.kind = iceberg::SchemaChange::kAdd,
                           .column = name->AsString(),
                           .type = type->AsString(),
                           .doc = doc && doc->is_string() ? doc->AsString() : ""});
      }
    }
    ASSIGN_OR_RETURN(std::vector<std::string> drop, StringList(ctx, "dropColumns"));
    for (auto& d : drop) changes.push_back({.kind = iceberg::SchemaChange::kDrop, .column = std::move(d)});
    RETURN_IF_ERROR(Pairs(ctx, "renameColumns", iceberg::SchemaChange::kRename, changes));
    RETURN_IF_ERROR(Pairs(ctx, "widenColumns", iceberg::SchemaChange::kWiden, changes));
    ASSIGN_OR_RETURN(std::optional<Value> partition, ctx.Property("partitionBy"));
    ASSIGN_OR_RETURN(std::optional<Value> props, ctx.Property("properties"));
    if (changes.empty() && !partition && !props)
      return ctx.PropertyError("addColumns",
                               "nothing to change: give addColumns, dropColumns, renameColumns, widenColumns, "
                               "partitionBy or properties");
    ASSIGN_OR_RETURN(std::vector<std::string> partition_by, StringList(ctx, "partitionBy"));
    ASSIGN_OR_RETURN(auto lake, OpenLake(ctx));
    auto t = lake->tables().UpdateMetadata(ident, [&](iceberg::TableMetadata& m) -> Status {
      if (!changes.empty()) RETURN_IF_ERROR(iceberg::EvolveSchema(m, changes));
      if (partition) {
        auto spec = iceberg::ParsePartitionBy(partition_by, *m.CurrentSchema());
        if (!spec.ok()) return ctx.PropertyError("partitionBy", spec.status().message());
        RETURN_IF_ERROR(iceberg::EvolveSpec(m, *spec));
      }
      if (props && props->is_map())
        for (const auto& [k, v] : props->AsMap()) {
          if (v.is_null()) {
            m.properties.erase(k);
          } else {
            m.properties[k] = v.is_string() ? v.AsString() : tmpl::ToJson(v);
          }
        }
      return iceberg::CheckTableProperties(m.properties);
    });
    if (!t.ok()) return t.status();
    std::string columns;
    for (const auto& f : t->metadata.CurrentSchema()->fields)
      columns += (columns.empty() ? "" : ", ") + f.name + " " + f.type->ToString();
    ctx.Log(LogLevel::kInfo, ident.ToString() + ": schema " + std::to_string(t->metadata.current_schema_id) + " (" +
                                 columns + "), partition spec " + std::to_string(t->metadata.default_spec_id));
    return Value::MakeMap({{"schemaId", Value(int64_t{t->metadata.current_schema_id})},
                           {"specId", Value(int64_t{t->metadata.default_spec_id})},
                           {"metadataLocation", Value(t->metadata_location)}});
  }

 private:
  // {old: new} maps (renameColumns, widenColumns).
  static Status Pairs(flow::TaskContext& ctx, std::string_view property, iceberg::SchemaChange::Kind kind,
                      std::vector<iceberg::SchemaChange>& changes) {
    ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property(property));
    if (!v || v->is_null()) return Status::Ok();
    if (!v->is_map()) return ctx.PropertyError(property, "must be a map of column: value");
    for (const auto& [column, value] : v->AsMap()) {
      if (!value.is_string()) return ctx.PropertyError(property, "'" + column + "' must map to text");
      iceberg::SchemaChange c{.kind = kind, .column = column};
      (kind == iceberg::SchemaChange::kRename ? c.name : c.type) = value.AsString();
      changes.push_back(std::move(c));
    }
    return Status::Ok();
  }
};

// iceberg.Trigger: fires when a branch of a table (main by default) moves
// to a new snapshot. The first poll only records where it is.
class SnapshotTrigger final : public flow::PollingTrigger {
 public:
  Result<std::optional<Value>> Poll(flow::TaskContext& ctx, Value& state) override {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, Ident(ctx));
    ASSIGN_OR_RETURN(std::string ref, ctx.StringOr("ref", "main"));
    ASSIGN_OR_RETURN(auto catalog, iceberg::SqlCatalog::Open(ctx.Lake().catalog));
    storage::ObjectStores stores;
    iceberg::Tables tables(*catalog, stores);
    ASSIGN_OR_RETURN(iceberg::LoadedTable t, tables.Load(ident));
    const iceberg::TableMetadata& m = t.metadata;
    auto head = m.refs.find(ref);
    std::optional<int64_t> current;
    if (head != m.refs.end()) current = head->second.snapshot_id;
    const Value* seen = state.is_map() ? state.Get("snapshotId") : nullptr;
    bool first = !state.is_map();
    state = Value::MakeMap({{"snapshotId", current ? Value(*current) : Value()}});
    std::optional<int64_t> previous;
    if (seen && seen->is_int()) previous = seen->AsInt();
    if (first || !current || current == previous) return std::optional<Value>();
    // The snapshots committed since the last poll, oldest first, along the
    // branch's history (just the new head when the history was rewritten).
    tmpl::ValueList ids;
    for (const iceberg::Snapshot* s = m.FindSnapshot(*current); s;
         s = s->parent_snapshot_id ? m.FindSnapshot(*s->parent_snapshot_id) : nullptr) {
      if (previous && s->snapshot_id == *previous) break;
      ids.insert(ids.begin(), Value(s->snapshot_id));
      if (ids.size() >= 1000) break;
    }
    const iceberg::Snapshot* s = m.FindSnapshot(*current);
    tmpl::ValueMap summary;
    if (s)
      for (const auto& [k, v] : s->summary) summary.Set(k, Value(v));
    ctx.Log(LogLevel::kInfo, ident.ToString() + ": '" + ref + "' moved to snapshot " + std::to_string(*current));
    return std::optional<Value>(Value::MakeMap({{"table", Value(ident.ToString())},
                                                {"ref", Value(ref)},
                                                {"snapshotId", Value(*current)},
                                                {"previousSnapshotId", previous ? Value(*previous) : Value()},
                                                {"snapshotIds", Value(std::move(ids))},
                                                {"summary", Value(std::move(summary))},
                                                {"metadataLocation", Value(t.metadata_location)}}));
  }
};

flow::PropertySpec TableProperty() {
  return {.name = "table",
          .type = PropertyType::kString,
          .required = true,
          .description = "The table in the lakehouse's catalog: namespace.name (e.g. lake.orders)."};
}
flow::PropertySpec BranchProperty() {
  return {.name = "branch",
          .type = PropertyType::kString,
          .description = "The branch to commit to (main by default; a new branch starts from the current snapshot)."};
}

}  // namespace

void RegisterIcebergTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "iceberg.CreateTable",
      .description = "Creates an Iceberg table in the lakehouse's catalog, from columns or from a query (whose "
                     "rows become its first snapshot).",
      .properties =
          {
              TableProperty(),
              {.name = "columns",
               .type = PropertyType::kList,
               .description = "The columns: a list of {name, type, required, doc}; types are Iceberg's (long, "
                              "string, date, timestamptz, decimal(9,2), ...)."},
              {.name = "sql",
               .type = PropertyType::kString,
               .description = "A query: the table takes its columns, and its first rows, from the result."},
              {.name = "partitionBy",
               .type = PropertyType::kList,
               .description = "Partition fields in Spark's forms: region, day(at), month(at), bucket(16, id), "
                              "truncate(4, name)."},
              {.name = "properties", .type = PropertyType::kMap, .description = "Table properties."},
              {.name = "location",
               .type = PropertyType::kString,
               .description = "Where the table lives (a folder or s3:// prefix); default the warehouse's "
                              "<namespace>/<name>."},
              {.name = "ifNotExists",
               .type = PropertyType::kBool,
               .description = "Succeed, changing nothing, when the table exists (default false: an error)."},
          },
      .factory = [] { return std::make_unique<CreateTableTask>(); },
  });
  registry.Register({
      .name = "iceberg.Write",
      .description = "Writes a query's rows to an Iceberg table as one commit: APPEND, OVERWRITE (the whole table "
                     "or the rows 'where' matches) or MERGE on key columns.",
      .properties =
          {
              TableProperty(),
              {.name = "sql",
               .type = PropertyType::kString,
               .required = true,
               .description = "The rows to write; its columns are matched to the table's by name."},
              {.name = "mode",
               .type = PropertyType::kEnum,
               .description = "APPEND (default), OVERWRITE or MERGE.",
               .enum_values = {"APPEND", "OVERWRITE", "MERGE"}},
              {.name = "where",
               .type = PropertyType::kString,
               .description = "OVERWRITE: a SQL condition; only the rows it matches are replaced."},
              {.name = "keys",
               .type = PropertyType::kList,
               .description = "MERGE: the key columns; table rows with a key in the new rows are replaced."},
              BranchProperty(),
          },
      .factory = [] { return std::make_unique<WriteTask>(); },
  });
  registry.Register({
      .name = "iceberg.Delete",
      .description = "Deletes the rows a SQL condition matches from an Iceberg table, as one commit.",
      .properties =
          {
              TableProperty(),
              {.name = "where",
               .type = PropertyType::kString,
               .required = true,
               .description = "The rows to delete: a SQL condition on the table's columns."},
              BranchProperty(),
          },
      .factory = [] { return std::make_unique<DeleteTask>(); },
  });
  registry.Register({
      .name = "iceberg.AlterTable",
      .description = "Evolves an Iceberg table's schema (by field id: no data is rewritten), partitioning and "
                     "properties, as one commit.",
      .properties =
          {
              TableProperty(),
              {.name = "addColumns", .type = PropertyType::kList, .description = "New columns: {name, type, doc}."},
              {.name = "dropColumns", .type = PropertyType::kList, .description = "Columns to drop."},
              {.name = "renameColumns", .type = PropertyType::kMap, .description = "old name: new name."},
              {.name = "widenColumns",
               .type = PropertyType::kMap,
               .description = "column: wider type (int to long, float to double, decimal precision up)."},
              {.name = "partitionBy",
               .type = PropertyType::kList,
               .description = "The new partitioning (Spark's forms); data already written keeps its own."},
              {.name = "properties",
               .type = PropertyType::kMap,
               .description = "Table properties to set (null removes one)."},
          },
      .factory = [] { return std::make_unique<AlterTableTask>(); },
  });
  registry.Register({
      .name = "iceberg.ExpireSnapshots",
      .description = "Expires old snapshots of an Iceberg table and deletes the files only they reached.",
      .properties =
          {
              TableProperty(),
              {.name = "olderThan",
               .type = PropertyType::kDuration,
               .description = "Snapshots older than this go (default P5D, as Iceberg's)."},
              {.name = "retainLast",
               .type = PropertyType::kInt,
               .description = "The last snapshots of main always kept (default 1)."},
          },
      .factory = [] { return std::make_unique<ExpireSnapshotsTask>(); },
  });
  registry.Register({
      .name = "iceberg.RemoveOrphanFiles",
      .description = "Deletes the files under an Iceberg table's location that none of its metadata reaches "
                     "(left by failed writes).",
      .properties =
          {
              TableProperty(),
              {.name = "olderThan",
               .type = PropertyType::kDuration,
               .description = "Only files last modified before this (default P3D, as Iceberg's)."},
              {.name = "dryRun", .type = PropertyType::kBool, .description = "List them, delete nothing."},
          },
      .factory = [] { return std::make_unique<RemoveOrphanFilesTask>(); },
  });
  registry.Register({
      .name = "iceberg.Compact",
      .description = "Rewrites the small data files of each partition into one, as one commit.",
      .properties =
          {
              TableProperty(),
              {.name = "targetFileSizeBytes",
               .type = PropertyType::kInt,
               .description = "Files under 3/4 of this are small (default the table's "
                              "write.target-file-size-bytes, else 512 MiB)."},
          },
      .factory = [] { return std::make_unique<CompactTask>(); },
  });
  registry.Register({
      .name = "iceberg.Rollback",
      .description = "Points an Iceberg table's main branch back at an earlier snapshot of its history.",
      .properties =
          {
              TableProperty(),
              {.name = "snapshotId",
               .type = PropertyType::kInt,
               .required = true,
               .description = "The snapshot: an ancestor of the current one."},
          },
      .factory = [] { return std::make_unique<RollbackTask>(); },
  });
  registry.Register({
      .name = "iceberg.CherryPick",
      .description = "Applies one snapshot's change (from a branch, say) to an Iceberg table's main branch: a "
                     "fast-forward when main is its parent, else a new snapshot adding and removing the same files.",
      .properties =
          {
              TableProperty(),
              {.name = "snapshotId", .type = PropertyType::kInt, .required = true, .description = "The snapshot."},
          },
      .factory = [] { return std::make_unique<CherryPickTask>(); },
  });
  registry.Register({
      .name = "iceberg.RewriteManifests",
      .description = "Rewrites the current snapshot's manifests sorted by partition, into few of up to "
                     "commit.manifest.target-size-bytes, as one snapshot with the same data.",
      .properties = {TableProperty()},
      .factory = [] { return std::make_unique<RewriteManifestsTask>(); },
  });
  registry.Register({
      .name = "iceberg.Publish",
      .description = "Fast-forwards an Iceberg table's main branch onto a branch (write-audit-publish).",
      .properties =
          {
              TableProperty(),
              {.name = "branch", .type = PropertyType::kString, .required = true, .description = "The branch."},
              {.name = "dropBranch",
               .type = PropertyType::kBool,
               .description = "Drop the branch once published (default false)."},
          },
      .factory = [] { return std::make_unique<PublishTask>(); },
  });
  registry.Register({
      .name = "iceberg.Trigger",
      .description = "Polls an Iceberg table: a new snapshot on a branch (main by default) starts an execution with "
                     "trigger.snapshotId, trigger.snapshotIds (every snapshot since the last poll, oldest first), "
                     "trigger.previousSnapshotId and trigger.summary.",
      .properties =
          {
              TableProperty(),
              {.name = "ref", .type = PropertyType::kString, .description = "The branch to watch (main)."},
          },
      .trigger_factory = [] { return std::make_unique<SnapshotTrigger>(); },
  });
}

}  // namespace floe::tasks
