#include "models/lake_models.h"

#include <algorithm>

#include "iceberg/evolution.h"
#include "iceberg/sql_text.h"

namespace floe::models {
namespace {

using iceberg::SqlString;

iceberg::TableIdent IdentOf(const ParsedNode& node) { return {{node.relation.schema}, node.relation.identifier}; }

// Removes the staged rows however the build ends.
struct StagedFile {
  std::filesystem::path path;
  ~StagedFile() {
    std::error_code ignored;  // a leftover file in target/ is harmless
    std::filesystem::remove(path, ignored);
  }
};

bool SameSpec(const iceberg::PartitionSpec& a, const iceberg::PartitionSpec& b) {
  if (a.fields.size() != b.fields.size()) return false;
  for (size_t i = 0; i < a.fields.size(); ++i) {
    const auto& x = a.fields[i];
    const auto& y = b.fields[i];
    if (x.source_id != y.source_id || x.transform.kind != y.transform.kind || x.transform.param != y.transform.param)
      return false;
  }
  return true;
}

bool Widens(const iceberg::Type& from, const iceberg::Type& to) {
  using K = iceberg::Type::Kind;
  return (from.kind == K::kInt && to.kind == K::kLong) || (from.kind == K::kFloat && to.kind == K::kDouble);
}

}  // namespace

Result<std::unique_ptr<LakeModels>> LakeModels::Open(const iceberg::LakeOptions& options, std::string audit_branch,
                                                     std::filesystem::path staging) {
  if (audit_branch == "main") return InvalidArgument("the audit branch cannot be 'main': name a branch to audit in");
  std::unique_ptr<LakeModels> lake(new LakeModels());
  ASSIGN_OR_RETURN(lake->lake_, iceberg::Lake::Open(options));
  lake->audit_branch_ = std::move(audit_branch);
  lake->staging_ = std::move(staging);
  return lake;
}

Result<bool> LakeModels::Exists(const ParsedNode& node) {
  std::lock_guard lock(mu_);
  auto loaded = lake_->catalog().LoadTable(IdentOf(node));
  if (loaded.ok()) return true;
  if (loaded.status().code() == StatusCode::kNotFound) return false;
  return loaded.status();
}

Status LakeModels::StartBranch(const iceberg::TableIdent& ident) {
  if (audit_branch_.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(iceberg::LoadedTable table, lake_->tables().Load(ident));
  const auto& m = table.metadata;
  if (m.current_snapshot_id) {
    // The audit starts from what main holds now, whatever an earlier audit left.
    auto ref = m.refs.find(audit_branch_);
    if (ref != m.refs.end() && ref->second.snapshot_id == *m.current_snapshot_id) return Status::Ok();
    return lake_->tables().SetRef(ident, audit_branch_, true, *m.current_snapshot_id).status();
  }
  if (m.refs.count(audit_branch_)) return lake_->tables().DropRef(ident, audit_branch_).status();
  return Status::Ok();
}

Status LakeModels::SyncSchema(const iceberg::TableIdent& ident, const iceberg::Schema& rows, bool add, bool drop) {
  return lake_->tables()
      .UpdateMetadata(ident,
                      [&](iceberg::TableMetadata& m) -> Status {
                        const iceberg::Schema* current = m.CurrentSchema();
                        if (!current) return Internal(ident.ToString() + " has no current schema");
                        std::vector<iceberg::SchemaChange> changes;
                        for (const auto& f : rows.fields) {
                          const iceberg::NestedField* old = current->FindField(f.name);
                          if (!old && add) {
                            changes.push_back({.kind = iceberg::SchemaChange::kAdd,
                                               .column = f.name,
                                               .type = iceberg::TypeToJson(*f.type).AsString()});
                          } else if (old && Widens(*old->type, *f.type)) {
                            changes.push_back({.kind = iceberg::SchemaChange::kWiden,
                                               .column = f.name,
                                               .type = iceberg::TypeToJson(*f.type).AsString()});
                          }
                        }
                        if (drop)
                          for (const auto& f : current->fields)
                            if (!rows.FindField(f.name))
                              changes.push_back({.kind = iceberg::SchemaChange::kDrop, .column = f.name});
                        if (changes.empty()) return Status::Ok();
                        return iceberg::EvolveSchema(m, changes);
                      })
      .status();
}

Status LakeModels::SyncPartitioning(const iceberg::TableIdent& ident, const std::vector<std::string>& partition_by) {
  ASSIGN_OR_RETURN(iceberg::LoadedTable table, lake_->tables().Load(ident));
  ASSIGN_OR_RETURN(iceberg::PartitionSpec wanted,
                   iceberg::ParsePartitionBy(partition_by, *table.metadata.CurrentSchema()));
  if (SameSpec(wanted, *table.metadata.DefaultSpec())) return Status::Ok();
  return lake_->tables()
      .UpdateMetadata(ident,
                      [&](iceberg::TableMetadata& m) -> Status {
                        if (SameSpec(wanted, *m.DefaultSpec())) return Status::Ok();
                        return iceberg::EvolveSpec(m, wanted);
                      })
      .status();
}

Status LakeModels::PointView(engine::Connection& con, const Relation& relation, const std::string& table,
                             const std::string& existing, const std::string& branch) {
  std::string body;
  if (existing == "table") body += "DROP TABLE " + relation.Rendered() + ";\n";
  body += "CREATE OR REPLACE VIEW " + relation.Rendered() + " AS SELECT * FROM iceberg_scan(" + SqlString(table) +
          (branch.empty() ? "" : ", ref => " + SqlString(branch)) + ");";
  return RunAtomically(con, body);
}

Result<MaterializeResult> LakeModels::Build(engine::Connection& con, const ParsedNode& node, const std::string& sql,
                                            bool incremental, const MaterializeOptions& options) {
  const iceberg::TableIdent ident = IdentOf(node);
  const std::string table = ident.ToString();
  ASSIGN_OR_RETURN(std::string existing, RelationType(con, node.relation, options));

  // The rows go from the model's session to the lake's through a Parquet file.
  std::error_code ec;
  std::filesystem::create_directories(staging_, ec);
  if (ec) return IoError("cannot create " + staging_.string() + ": " + ec.message());
  StagedFile staged{staging_ / (iceberg::NewUuid() + ".parquet")};
  RETURN_IF_ERROR(con.Execute("COPY (\n" + sql + "\n) TO " + SqlString(staged.path.string()) + " (FORMAT parquet)"));
  const std::string rows = "SELECT * FROM read_parquet(" + SqlString(staged.path.string()) + ")";

  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(iceberg::Schema schema, iceberg::SchemaOfQuery(lake_->connection(), rows));
  const std::vector<std::string> partition_by = ConfigList(node, "partition_by");
  const std::string branch = audit_branch_.empty() ? "main" : audit_branch_;
  const bool exists = lake_->catalog().LoadTable(ident).ok();
  iceberg::WriteRequest write{.table = table, .query = rows, .branch = branch};
  if (!exists) {
    std::map<std::string, std::string> properties;
    if (const tmpl::Value* p = node.config.Get("tblproperties"); p && p->is_map())
      for (const auto& [k, v] : p->AsMap())
        properties[k] = v.is_string() ? v.AsString() : tmpl::ToDisplayString(v, tmpl::Dialect::kJinja);
    RETURN_IF_ERROR(
        lake_->CreateTable({.table = table, .schema = schema, .partition_by = partition_by, .properties = properties})
            .status());
  } else if (!incremental) {
    // A full build: the table takes the query's columns and all its rows.
    RETURN_IF_ERROR(StartBranch(ident));
    // New columns first, so the partitioning may use them; dropped ones
    // last, once no partition field needs them.
    RETURN_IF_ERROR(SyncSchema(ident, schema, /*add=*/true, /*drop=*/false));
    RETURN_IF_ERROR(SyncPartitioning(ident, partition_by));
    RETURN_IF_ERROR(SyncSchema(ident, schema, /*add=*/false, /*drop=*/true));
    write.mode = iceberg::WriteMode::kOverwrite;
  } else {
    RETURN_IF_ERROR(StartBranch(ident));
    ASSIGN_OR_RETURN(iceberg::LoadedTable loaded, lake_->tables().Load(ident));
    const iceberg::Schema& current = *loaded.metadata.CurrentSchema();
    std::vector<std::string> added, removed;
    for (const auto& f : schema.fields)
      if (!current.FindField(f.name)) added.push_back(f.name);
    for (const auto& f : current.fields)
      if (!schema.FindField(f.name)) removed.push_back(f.name);
    const std::string on_change = ConfigText(node, "on_schema_change", "ignore");
    if (on_change == "fail" && (!added.empty() || !removed.empty())) {
      std::string what;
      for (const auto& a : added) what += " +" + a;
      for (const auto& r : removed) what += " -" + r;
      return FailedPrecondition("the model's columns changed (" + what.substr(1) + ") and on_schema_change is 'fail'" +
                                "; rebuild it with --full-refresh or set on_schema_change to append_new_columns or "
                                "sync_all_columns");
    }
    if (on_change == "append_new_columns" || on_change == "sync_all_columns") {
      RETURN_IF_ERROR(SyncSchema(ident, schema, /*add=*/true, /*drop=*/false));
    } else if (on_change != "ignore" && on_change != "fail") {
      return InvalidArgument("unknown on_schema_change '" + on_change +
                             "' (ignore, fail, append_new_columns, sync_all_columns)");
    } else if (!added.empty()) {
      // dbt's 'ignore': the new columns are not written.
      std::string kept;
      for (const auto& f : schema.fields)
        if (current.FindField(f.name)) kept += (kept.empty() ? "" : ", ") + iceberg::SqlIdent(f.name);
      write.query = "SELECT " + kept + " FROM read_parquet(" + SqlString(staged.path.string()) + ")";
    }
    RETURN_IF_ERROR(SyncPartitioning(ident, partition_by));
    if (on_change == "sync_all_columns") RETURN_IF_ERROR(SyncSchema(ident, schema, /*add=*/false, /*drop=*/true));
    std::vector<std::string> keys = ConfigList(node, "unique_key");
    std::string strategy = ConfigText(node, "incremental_strategy", keys.empty() ? "append" : "merge");
    if (strategy == "merge" || strategy == "delete+insert") {
      if (keys.empty()) return InvalidArgument("incremental_strategy '" + strategy + "' needs a unique_key");
      write.mode = iceberg::WriteMode::kMerge;
      write.keys = keys;
    } else if (strategy != "append") {
      return InvalidArgument("incremental_strategy '" + strategy +
                             "' is not one floe writes Iceberg tables with; use append, or merge with a unique_key");
    }
  }
  if (!exists) RETURN_IF_ERROR(StartBranch(ident));
  ASSIGN_OR_RETURN(iceberg::WriteResult written, lake_->Write(write));
  RETURN_IF_ERROR(PointView(con, node.relation, table, existing, audit_branch_));
  if (options.catalog) options.catalog->Set(node.relation, "view");
  written_[table] = node.relation;

  std::string message = "OK";
  if (written.committed) {
    const auto& refs = written.table.metadata.refs;
    auto head = refs.find(branch);
    int64_t snapshot = head != refs.end() ? head->second.snapshot_id : 0;
    message = "SNAPSHOT " + std::to_string(snapshot) + " +" + std::to_string(written.added_records) +
              (written.deleted_records ? " -" + std::to_string(written.deleted_records) : "");
  }
  std::string what = "-- iceberg table " + table + (audit_branch_.empty() ? "" : ", branch " + audit_branch_) + ": " +
                     (write.mode == iceberg::WriteMode::kAppend      ? "append"
                      : write.mode == iceberg::WriteMode::kOverwrite ? "overwrite"
                                                                     : "merge") +
                     "\n";
  return MaterializeResult{message, written.added_records, what + sql};
}

std::vector<std::string> LakeModels::Written() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [table, relation] : written_) out.push_back(table);
  return out;
}

Status LakeModels::Publish() {
  std::lock_guard lock(mu_);
  if (audit_branch_.empty()) return Status::Ok();
  std::vector<iceberg::TableIdent> idents;
  for (const auto& [table, relation] : written_) {
    ASSIGN_OR_RETURN(iceberg::TableIdent ident, iceberg::ParseTableIdent(table));
    ASSIGN_OR_RETURN(iceberg::LoadedTable loaded, lake_->tables().Load(ident));
    // A build that wrote no rows to a new table made no branch.
    if (loaded.metadata.refs.count(audit_branch_)) idents.push_back(std::move(ident));
  }
  return lake_->tables().Publish(idents, audit_branch_, /*drop_branch=*/true).status();
}

Status LakeModels::ViewsReadMain(engine::Connection& con) {
  std::lock_guard lock(mu_);
  for (const auto& [table, relation] : written_) RETURN_IF_ERROR(PointView(con, relation, table, "view", ""));
  return Status::Ok();
}

}  // namespace floe::models
