#include "models/lake_models.h"

#include <algorithm>
#include <set>

#include "iceberg/evolution.h"
#include "iceberg/sql_text.h"

namespace floe::models {
namespace {

using iceberg::SqlIdent;
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
  return (from.kind == K::kInt && to.kind == K::kLong) || (from.kind == K::kFloat && to.kind == K::kDouble) ||
         (from.kind == K::kDecimal && to.kind == K::kDecimal && from.scale == to.scale &&
          to.precision > from.precision);
}

// DuckDB's names are case-insensitive: `Amount` is the column `amount`.
const iceberg::NestedField* Column(const iceberg::Schema& schema, const std::string& name) {
  for (const auto& f : schema.fields)
    if (iceberg::AsciiLower(f.name) == iceberg::AsciiLower(name)) return &f;
  return nullptr;
}

// What a build asks of the table's metadata.
struct Wanted {
  iceberg::Schema columns;  // the query's
  bool add = false, drop = false, retype = false;
  std::vector<std::string> partition_by;
  std::map<std::string, std::string> properties;
};

// Makes `m` what `w` asks, changing nothing that already is: new and
// widened columns first, then the columns dropped or replaced by another
// type (the spec first let go of them), then the wanted partition spec.
Status Evolve(const Wanted& w, iceberg::TableMetadata& m) {
  using iceberg::SchemaChange;
  std::vector<SchemaChange> first, last;
  const iceberg::Schema& current = *m.CurrentSchema();
  for (const auto& f : w.columns.fields) {
    const iceberg::NestedField* old = Column(current, f.name);
    const std::string type = iceberg::TypeToJson(*f.type).AsString();
    if (!old) {
      if (w.add) first.push_back({.kind = SchemaChange::kAdd, .column = f.name, .type = type});
    } else if (old->type->ToString() != f.type->ToString()) {
      if (Widens(*old->type, *f.type)) {
        first.push_back({.kind = SchemaChange::kWiden, .column = old->name, .type = type});
      } else if (Widens(*f.type, *old->type)) {
        // The table's column holds the query's values as they are.
      } else if (w.retype) {
        last.push_back({.kind = SchemaChange::kDrop, .column = old->name});
        last.push_back({.kind = SchemaChange::kAdd, .column = f.name, .type = type});
      } else {
        return FailedPrecondition("column '" + old->name + "' is " + old->type->ToString() + " in the table and " +
                                  f.type->ToString() +
                                  " in the model's query, which it cannot widen to; rebuild with --full-refresh");
      }
    }
  }
  if (w.drop)
    for (const auto& f : current.fields)
      if (!Column(w.columns, f.name)) last.push_back({.kind = SchemaChange::kDrop, .column = f.name});
  if (!first.empty()) RETURN_IF_ERROR(iceberg::EvolveSchema(m, first));
  if (!last.empty()) {
    // A column that goes may not partition the table: the spec first stops
    // using it (the wanted spec follows, against the new columns).
    std::set<int> going;
    for (const auto& c : last)
      if (c.kind == SchemaChange::kDrop) going.insert(m.CurrentSchema()->FindField(c.column)->id);
    iceberg::PartitionSpec interim = *m.DefaultSpec();
    std::erase_if(interim.fields, [&](const iceberg::PartitionField& f) { return going.count(f.source_id) > 0; });
    if (!SameSpec(interim, *m.DefaultSpec())) RETURN_IF_ERROR(iceberg::EvolveSpec(m, interim));
    RETURN_IF_ERROR(iceberg::EvolveSchema(m, last));
  }
  ASSIGN_OR_RETURN(iceberg::PartitionSpec spec, iceberg::ParsePartitionBy(w.partition_by, *m.CurrentSchema()));
  if (!SameSpec(spec, *m.DefaultSpec())) RETURN_IF_ERROR(iceberg::EvolveSpec(m, spec));
  for (const auto& [k, v] : w.properties) m.properties[k] = v;
  return iceberg::CheckTableProperties(m.properties);
}

// The query's rows with the types Iceberg can hold: DuckDB's 128-bit and
// unsigned 64-bit integers (a sum of integers) as exact decimals, which
// the Parquet staging file would otherwise turn into doubles.
Result<std::string> Staged(engine::Connection& con, const std::string& sql) {
  ASSIGN_OR_RETURN(engine::Table described, con.Query("SELECT * FROM (\n" + sql + "\n) LIMIT 0"));
  std::string projection;
  for (const auto& c : described.columns) {
    std::string type = iceberg::AsciiLower(c.type);
    std::string column = SqlIdent(c.name);
    if (type == "hugeint") column = "CAST(" + column + " AS DECIMAL(38,0)) AS " + SqlIdent(c.name);
    if (type == "ubigint") column = "CAST(" + column + " AS DECIMAL(20,0)) AS " + SqlIdent(c.name);
    projection += (projection.empty() ? "" : ", ") + column;
  }
  return "SELECT " + projection + " FROM (\n" + sql + "\n)";
}

}  // namespace

void AuditReads::Set(const std::string& table, const std::string& branch) {
  std::lock_guard lock(mu_);
  branches_[table] = branch;
}

void AuditReads::Clear() {
  std::lock_guard lock(mu_);
  branches_.clear();
}

std::string AuditReads::BranchOf(const std::string& table) const {
  std::lock_guard lock(mu_);
  auto it = branches_.find(table);
  return it == branches_.end() ? "" : it->second;
}

bool IsIncrementalIcebergModel(const ParsedNode& node) {
  return !ConfigText(node, "incremental_strategy").empty() || !ConfigList(node, "unique_key").empty();
}

Result<std::unique_ptr<LakeModels>> LakeModels::Open(const iceberg::LakeOptions& options, std::string audit_branch,
                                                     std::filesystem::path staging, std::shared_ptr<AuditReads> reads) {
  if (audit_branch == "main") return InvalidArgument("the audit branch cannot be 'main': name a branch to audit in");
  std::unique_ptr<LakeModels> lake(new LakeModels());
  ASSIGN_OR_RETURN(lake->lake_, iceberg::Lake::Open(options));
  lake->audit_branch_ = std::move(audit_branch);
  lake->staging_ = std::move(staging);
  lake->reads_ = std::move(reads);
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
  ASSIGN_OR_RETURN(std::string rows_sql, Staged(con, sql));
  RETURN_IF_ERROR(con.Execute("COPY (" + rows_sql + ") TO " + SqlString(staged.path.string()) + " (FORMAT parquet)"));
  const std::string rows = "SELECT * FROM read_parquet(" + SqlString(staged.path.string()) + ")";

  Wanted wanted{.partition_by = ConfigList(node, "partition_by")};
  if (const tmpl::Value* p = node.config.Get("tblproperties"); p && !p->is_null()) {
    if (!p->is_map()) return InvalidArgument("tblproperties must be a map of table properties");
    for (const auto& [k, v] : p->AsMap())
      wanted.properties[k] = v.is_string() ? v.AsString() : tmpl::ToDisplayString(v, tmpl::Dialect::kJinja);
  }
  if (const tmpl::Value* p = node.config.Get("partition_by"); p && !p->is_null() && !p->is_string() && !p->is_list())
    return InvalidArgument("partition_by must be a partition field or a list of them, e.g. ['day(ordered_at)']");

  if (existing == "table" && !audit_branch_.empty())
    return FailedPrecondition("model '" + node.node.name +
                              "' is a DuckDB table now; its first Iceberg build would replace it before the audit "
                              "ends, so build it once without --audit-branch");
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(wanted.columns, iceberg::SchemaOfQuery(lake_->connection(), rows));
  const std::string branch = audit_branch_.empty() ? "main" : audit_branch_;
  iceberg::WriteRequest write{.table = table, .query = rows, .branch = branch};
  if (!lake_->catalog().LoadTable(ident).ok()) {
    RETURN_IF_ERROR(lake_
                        ->CreateTable({.table = table,
                                       .schema = wanted.columns,
                                       .partition_by = wanted.partition_by,
                                       .properties = wanted.properties})
                        .status());
  } else {
    ASSIGN_OR_RETURN(iceberg::LoadedTable loaded, lake_->tables().Load(ident));
    const iceberg::Schema& current = *loaded.metadata.CurrentSchema();
    if (!incremental) {
      // A full build: the table takes the query's columns and all its rows.
      wanted.add = wanted.drop = wanted.retype = true;
      write.mode = iceberg::WriteMode::kOverwrite;
    } else {
      std::vector<std::string> added, removed;
      for (const auto& f : wanted.columns.fields)
        if (!Column(current, f.name)) added.push_back(f.name);
      for (const auto& f : current.fields)
        if (!Column(wanted.columns, f.name)) removed.push_back(f.name);
      const std::string on_change = ConfigText(node, "on_schema_change", "ignore");
      if (on_change == "fail" && (!added.empty() || !removed.empty())) {
        std::string what;
        for (const auto& a : added) what += " +" + a;
        for (const auto& r : removed) what += " -" + r;
        return FailedPrecondition("the model's columns changed (" + what.substr(1) +
                                  ") and on_schema_change is 'fail'; rebuild it with --full-refresh or set "
                                  "on_schema_change to append_new_columns or sync_all_columns");
      }
      if (on_change == "append_new_columns" || on_change == "sync_all_columns") {
        wanted.add = true;
        wanted.drop = on_change == "sync_all_columns";
      } else if (on_change != "ignore" && on_change != "fail") {
        return InvalidArgument("unknown on_schema_change '" + on_change +
                               "' (ignore, fail, append_new_columns, sync_all_columns)");
      } else if (!added.empty()) {
        // dbt's 'ignore': the new columns are not written.
        std::string kept;
        for (const auto& f : wanted.columns.fields)
          if (Column(current, f.name)) kept += (kept.empty() ? "" : ", ") + SqlIdent(f.name);
        write.query = "SELECT " + kept + " FROM read_parquet(" + SqlString(staged.path.string()) + ")";
      }
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
    // Whether the build changes the table's metadata, which every branch
    // shares: an audit cannot hold such a change back from main.
    iceberg::TableMetadata evolved = loaded.metadata;
    RETURN_IF_ERROR(Evolve(wanted, evolved));
    bool changes = evolved.current_schema_id != loaded.metadata.current_schema_id ||
                   evolved.default_spec_id != loaded.metadata.default_spec_id ||
                   evolved.properties != loaded.metadata.properties;
    if (changes && !audit_branch_.empty())
      return FailedPrecondition("model '" + node.node.name +
                                "' changes its table's columns, partitioning or properties, which apply to every "
                                "branch (main too) and so cannot be audited; build it once without --audit-branch");
    if (changes) write.evolve = [wanted](iceberg::TableMetadata& m) { return Evolve(wanted, m); };
  }
  RETURN_IF_ERROR(StartBranch(ident));
  ASSIGN_OR_RETURN(iceberg::WriteResult written, lake_->Write(write));

  // The view always reads main; an audit's own reads go to the branch.
  std::string view;
  if (existing == "table") view += "DROP TABLE " + node.relation.Rendered() + ";\n";
  view += "CREATE OR REPLACE VIEW " + node.relation.Rendered() + " AS SELECT * FROM iceberg_scan(" + SqlString(table) +
          ");";
  RETURN_IF_ERROR(RunAtomically(con, view));
  if (options.catalog) options.catalog->Set(node.relation, "view");
  written_[table] = node.relation;
  if (!audit_branch_.empty() && written.table.metadata.refs.count(audit_branch_) && reads_)
    reads_->Set(table, audit_branch_);

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

void LakeModels::EndAudit() {
  if (reads_) reads_->Clear();
}

}  // namespace floe::models
