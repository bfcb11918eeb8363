#include "cli/iceberg_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command_support.h"
#include "core/duration.h"
#include "iceberg/lake.h"
#include "iceberg/scan.h"
#include "tmpl/json.h"

namespace floe::cli {
namespace {

std::string Time(int64_t ms) { return FormatTimestamp(Timestamp(std::chrono::milliseconds(ms))); }

std::string Summary(const iceberg::Snapshot& s, const std::string& key) {
  auto it = s.summary.find(key);
  return it == s.summary.end() ? "-" : it->second;
}

std::string PartitionText(const tmpl::Value& v) { return v.is_string() ? v.AsString() : tmpl::ToJson(v); }

}  // namespace

struct IcebergCommands::Options {
  CLI::App* root = nullptr;
  CLI::App *ls = nullptr, *describe = nullptr, *history = nullptr, *snapshots = nullptr, *files = nullptr,
           *create = nullptr, *expire = nullptr, *compact = nullptr, *rollback = nullptr, *publish = nullptr,
           *orphans = nullptr, *cherry_pick = nullptr, *rewrite_manifests = nullptr;
  std::string table, ns, sql, location, older_than = "P5D", orphans_older_than = "P3D", branch;
  std::vector<std::string> columns, partition_by;
  int64_t snapshot = 0, target = 0;
  int retain_last = 1;
  bool json = false, dry_run = false;
};

IcebergCommands::IcebergCommands() : options_(std::make_unique<Options>()) {}
IcebergCommands::~IcebergCommands() = default;

void IcebergCommands::Add(CLI::App& app) {
  Options& o = *options_;
  o.root = app.add_subcommand("iceberg", "The lakehouse's Iceberg tables: list, inspect, create, maintain");
  o.root->require_subcommand(1);
  auto table_arg = [&](CLI::App* cmd) { cmd->add_option("table", o.table, "The table: namespace.name")->required(); };
  o.ls = o.root->add_subcommand("ls", "Namespaces and tables (under NAMESPACE when given)");
  o.ls->add_option("namespace", o.ns, "A namespace, e.g. lake");
  o.describe = o.root->add_subcommand("describe", "A table's schema, partitioning, properties, refs and location");
  table_arg(o.describe);
  o.describe->add_flag("--json", o.json, "The table's metadata as JSON");
  o.history = o.root->add_subcommand("history", "When each snapshot became the current one");
  table_arg(o.history);
  o.snapshots = o.root->add_subcommand("snapshots", "Every snapshot with its operation and counts");
  table_arg(o.snapshots);
  o.files = o.root->add_subcommand("files", "The data files of a snapshot (the current one by default)");
  table_arg(o.files);
  o.files->add_option("--snapshot", o.snapshot, "A snapshot id");
  o.files->add_option("--ref", o.branch, "A branch or tag");
  o.create = o.root->add_subcommand("create", "Create a table from columns or from a query's result");
  table_arg(o.create);
  o.create->add_option("--column", o.columns, "A column as name:type (long, string, date, decimal(9,2), ...)");
  o.create->add_option("--sql", o.sql, "A query: the table takes its columns and first rows from it");
  o.create->add_option("--partition-by", o.partition_by, "A partition field: col, day(col), bucket(16, col), ...");
  o.create->add_option("--location", o.location, "A folder or s3:// prefix (default: in the warehouse)");
  o.expire = o.root->add_subcommand("expire", "Expire old snapshots and delete the files only they reached");
  table_arg(o.expire);
  o.expire->add_option("--older-than", o.older_than, "Snapshots older than this go (default P5D)");
  o.expire->add_option("--retain-last", o.retain_last, "Always keep this many of main's last snapshots (default 1)");
  o.orphans = o.root->add_subcommand("remove-orphans", "Delete files under the table that its metadata never reaches");
  table_arg(o.orphans);
  o.orphans->add_option("--older-than", o.orphans_older_than, "Only files older than this (default P3D)");
  o.orphans->add_flag("--dry-run", o.dry_run, "List them, delete nothing");
  o.compact = o.root->add_subcommand("compact", "Rewrite each partition's small data files into one");
  table_arg(o.compact);
  o.compact->add_option("--target-file-size", o.target, "Bytes; files under 3/4 of it are small");
  o.rollback = o.root->add_subcommand("rollback", "Point main back at an earlier snapshot of its history");
  table_arg(o.rollback);
  o.rollback->add_option("snapshot", o.snapshot, "The snapshot id")->required();
  o.publish = o.root->add_subcommand("publish", "Fast-forward main onto a branch");
  table_arg(o.publish);
  o.publish->add_option("branch", o.branch, "The branch")->required();
  o.cherry_pick = o.root->add_subcommand("cherry-pick", "Apply one snapshot's change (from a branch) to main");
  table_arg(o.cherry_pick);
  o.cherry_pick->add_option("snapshot", o.snapshot, "The snapshot id")->required();
  o.rewrite_manifests =
      o.root->add_subcommand("rewrite-manifests", "Rewrite the current snapshot's manifests, sorted by partition");
  table_arg(o.rewrite_manifests);
}

std::optional<int> IcebergCommands::Run(const runtime::Home& home) {
  Options& o = *options_;
  if (!o.root || !o.root->parsed()) return std::nullopt;
  flow::LakeSettings settings = home.lake_settings();
  std::filesystem::create_directories(home.root);
  auto opened = iceberg::Lake::Open({.catalog = settings.catalog, .warehouse = settings.warehouse});
  if (!opened.ok()) return Report(opened.status());
  iceberg::Lake& lake = **opened;

  if (o.ls->parsed()) {
    iceberg::Namespace parent;
    if (!o.ns.empty()) {
      auto ns = iceberg::ParseNamespace(o.ns);
      if (!ns.ok()) return Report(ns.status());
      parent = *ns;
      auto tables = lake.catalog().ListTables(parent);
      if (!tables.ok()) return Report(tables.status());
      for (const auto& t : *tables) std::printf("%s\n", t.ToString().c_str());
    }
    auto namespaces = lake.catalog().ListNamespaces(parent);
    if (!namespaces.ok()) return Report(namespaces.status());
    for (const auto& ns : *namespaces) {
      std::printf("%s/\n", iceberg::NamespaceToString(ns).c_str());
      if (!o.ns.empty()) continue;
      auto tables = lake.catalog().ListTables(ns);
      if (!tables.ok()) return Report(tables.status());
      for (const auto& t : *tables) std::printf("  %s\n", t.ToString().c_str());
    }
    return kExitOk;
  }
  if (o.create->parsed()) {
    iceberg::CreateTableRequest request{
        .table = o.table, .query = o.sql, .partition_by = o.partition_by, .location = o.location};
    if (!o.columns.empty()) {
      iceberg::Schema schema;
      int id = 1;
      for (const auto& c : o.columns) {
        size_t colon = c.find(':');
        if (colon == std::string::npos) return Report(InvalidArgument("--column '" + c + "': write name:type"));
        auto type = iceberg::ParsePrimitiveType(c.substr(colon + 1));
        if (!type.ok()) return Report(Status(type.status()).WithContext("--column '" + c + "'"));
        schema.fields.push_back({.id = id++, .name = c.substr(0, colon), .type = *type});
      }
      request.schema = schema;
    }
    auto t = lake.CreateTable(request);
    if (!t.ok()) return Report(t.status());
    std::printf("created %s at %s\n", o.table.c_str(), t->metadata.location.c_str());
    return kExitOk;
  }

  auto ident = iceberg::ParseTableIdent(o.table);
  if (!ident.ok()) return Report(ident.status());
  if (o.expire->parsed()) {
    auto age = ParseDuration(o.older_than);
    if (!age.ok()) return Report(InvalidArgument("--older-than: '" + o.older_than + "' is not a duration like P5D"));
    int64_t cutoff = iceberg::CutoffMs(*age);
    auto r = lake.tables().ExpireSnapshots(*ident, cutoff, o.retain_last);
    if (!r.ok()) return Report(r.status());
    std::printf("expired %lld snapshot(s); deleted %lld data file(s), %lld manifest(s), %lld manifest list(s)\n",
                static_cast<long long>(r->snapshots), static_cast<long long>(r->data_files),
                static_cast<long long>(r->manifests), static_cast<long long>(r->manifest_lists));
    return kExitOk;
  }
  if (o.orphans->parsed()) {
    auto age = ParseDuration(o.orphans_older_than);
    if (!age.ok())
      return Report(InvalidArgument("--older-than: '" + o.orphans_older_than + "' is not a duration like P3D"));
    int64_t cutoff = iceberg::CutoffMs(*age);
    auto r = lake.tables().RemoveOrphanFiles(*ident, cutoff, o.dry_run);
    if (!r.ok()) return Report(r.status());
    for (const auto& f : r->deleted) std::printf("%s%s\n", o.dry_run ? "orphan " : "deleted ", f.c_str());
    std::printf("%zu orphan file(s) %s; %zu newer than %s left; %lld reachable\n", r->deleted.size(),
                o.dry_run ? "found" : "deleted", r->too_new.size(), o.orphans_older_than.c_str(),
                static_cast<long long>(r->kept));
    return kExitOk;
  }
  if (o.compact->parsed()) {
    auto r = lake.Compact(o.table, o.target);
    if (!r.ok()) return Report(r.status());
    if (!r->committed) {
      std::printf("nothing to compact: no partition has several small files\n");
    } else {
      std::printf("rewrote %lld file(s) as %lld in snapshot %lld\n", static_cast<long long>(r->removed_files),
                  static_cast<long long>(r->added_files),
                  static_cast<long long>(r->table.metadata.current_snapshot_id.value_or(0)));
    }
    return kExitOk;
  }
  if (o.rewrite_manifests->parsed()) {
    auto r = lake.tables().RewriteManifests(*ident);
    if (!r.ok()) return Report(r.status());
    if (r->created == 0) {
      std::printf("nothing to rewrite: each partition spec has one manifest\n");
    } else {
      std::printf("rewrote %lld manifest(s) as %lld in snapshot %lld\n", static_cast<long long>(r->replaced),
                  static_cast<long long>(r->created),
                  static_cast<long long>(r->table.metadata.current_snapshot_id.value_or(0)));
    }
    return kExitOk;
  }
  if (o.rollback->parsed() || o.publish->parsed() || o.cherry_pick->parsed()) {
    auto moved = [&]() -> Result<iceberg::LoadedTable> {
      if (o.rollback->parsed()) return lake.tables().Rollback(*ident, o.snapshot);
      if (o.cherry_pick->parsed()) return lake.tables().CherryPick(*ident, o.snapshot);
      ASSIGN_OR_RETURN(auto tables, lake.tables().Publish({*ident}, o.branch));
      return std::move(tables[0]);
    };
    auto r = moved();
    if (!r.ok()) return Report(r.status());
    std::printf("%s: main is at snapshot %lld\n", o.table.c_str(),
                static_cast<long long>(r->metadata.current_snapshot_id.value_or(0)));
    return kExitOk;
  }

  auto t = lake.tables().Load(*ident);
  if (!t.ok()) return Report(t.status());
  const iceberg::TableMetadata& m = t->metadata;
  if (o.describe->parsed()) {
    if (o.json) {
      auto json = iceberg::TableMetadataToJson(m, 2);
      if (!json.ok()) return Report(json.status());
      std::printf("%s\n", json->c_str());
      return kExitOk;
    }
    std::printf("table      %s\nlocation   %s\nmetadata   %s\nformat     v%d, uuid %s\n", o.table.c_str(),
                m.location.c_str(), t->metadata_location.c_str(), m.format_version, m.table_uuid.c_str());
    std::printf("snapshot   %s\n",
                m.current_snapshot_id ? std::to_string(*m.current_snapshot_id).c_str() : "none (empty table)");
    std::printf("schema %d:\n", m.current_schema_id);
    for (const auto& f : m.CurrentSchema()->fields)
      std::printf("  %4d  %-24s %s%s\n", f.id, f.name.c_str(), f.type->ToString().c_str(),
                  f.required ? " (required)" : "");
    const iceberg::PartitionSpec* spec = m.DefaultSpec();
    std::printf("partition spec %d:%s\n", m.default_spec_id, spec && spec->fields.empty() ? " unpartitioned" : "");
    if (spec)
      for (const auto& f : spec->fields) {
        const iceberg::NestedField* source = m.CurrentSchema()->FindField(f.source_id);
        std::printf("  %4d  %-24s %s(%s)\n", f.field_id, f.name.c_str(), f.transform.ToString().c_str(),
                    source ? source->name.c_str() : "?");
      }
    if (!m.refs.empty()) std::printf("refs:\n");
    for (const auto& [name, ref] : m.refs)
      std::printf("  %-12s %s  %lld\n", name.c_str(), ref.branch ? "branch" : "tag   ",
                  static_cast<long long>(ref.snapshot_id));
    if (!m.properties.empty()) std::printf("properties:\n");
    for (const auto& [k, v] : m.properties) std::printf("  %s = %s\n", k.c_str(), v.c_str());
    return kExitOk;
  }
  if (o.history->parsed()) {
    std::printf("%-24s  %-20s  %s\n", "made current at", "snapshot", "parent");
    for (const auto& [ms, id] : m.snapshot_log) {
      const iceberg::Snapshot* s = m.FindSnapshot(id);
      std::printf("%-24s  %-20lld  %s\n", Time(ms).c_str(), static_cast<long long>(id),
                  s && s->parent_snapshot_id ? std::to_string(*s->parent_snapshot_id).c_str() : "-");
    }
    return kExitOk;
  }
  if (o.snapshots->parsed()) {
    std::printf("%-20s  %-24s  %-10s  %10s  %10s  %10s  %s\n", "snapshot", "committed at", "operation", "+records",
                "-records", "records", "files");
    for (const auto& s : m.snapshots)
      std::printf("%-20lld  %-24s  %-10s  %10s  %10s  %10s  %s\n", static_cast<long long>(s.snapshot_id),
                  Time(s.timestamp_ms).c_str(), Summary(s, "operation").c_str(), Summary(s, "added-records").c_str(),
                  Summary(s, "deleted-records").c_str(), Summary(s, "total-records").c_str(),
                  Summary(s, "total-data-files").c_str());
    return kExitOk;
  }
  if (o.files->parsed()) {
    auto opened_table = iceberg::OpenTable(o.table, &lake.catalog(), lake.stores());
    if (!opened_table.ok()) return Report(opened_table.status());
    iceberg::ScanOptions scan;
    if (o.snapshot) scan.snapshot_id = o.snapshot;
    scan.ref = o.branch;
    auto planner = iceberg::ScanPlanner::Start(std::move(*opened_table), scan, lake.stores());
    if (!planner.ok()) return Report(planner.status());
    auto plan = planner->Plan(iceberg::Predicate::True());
    if (!plan.ok()) return Report(plan.status());
    for (const auto& f : plan->files) {
      std::string partition;
      for (const auto& v : f.entry.file.partition) partition += (partition.empty() ? "" : ",") + PartitionText(v);
      std::printf("%s  %lld rows  %lld bytes%s\n", f.path.c_str(), static_cast<long long>(f.entry.file.record_count),
                  static_cast<long long>(f.entry.file.file_size_in_bytes),
                  partition.empty() ? "" : ("  [" + partition + "]").c_str());
    }
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace floe::cli
