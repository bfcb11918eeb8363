// Models materialized as Iceberg tables (`materialized='iceberg'`): each
// build is one snapshot of the table `<schema>.<model name>` in floe's
// Iceberg catalog, and a DuckDB view of the same name reads it, so ref(),
// tests and later queries see the table.
//
//   full build     the table is created, or its rows replaced (one
//                  "overwrite" snapshot; the schema follows the query by
//                  field id: new columns added, missing ones dropped,
//                  changed types widened or the column replaced);
//   incremental    a model that sets `incremental_strategy` or
//                  `unique_key`: append, or merge on the key (the default
//                  with a key); is_incremental() is true once the table
//                  exists. `on_schema_change` as dbt's; a type the table's
//                  column cannot widen to is an error.
//   partition_by   Spark's forms ("day(ordered_at)", "bucket(16, id)");
//                  a changed list evolves the table's partition spec.
//   tblproperties  table properties, set on each build.
// Schema, partitioning and properties change in the same commit as the
// rows: a build that fails changes nothing.
//
// Write-audit-publish: with an audit branch, every write goes to that
// branch of its table (reset to main first), and this run's iceberg_scan
// reads those tables at the branch (AuditReads), so its tests see the new
// data while every other reader, the views included, sees main. Publish
// then moves main onto the branch in every table at once. Schema changes
// apply to every branch of a table, so an audited build refuses them.
//
//   ASSIGN_OR_RETURN(auto lake, LakeModels::Open({.catalog = db, .warehouse = wh}, "audit", target / "staging"));
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/lake.h"
#include "models/materialize.h"

namespace floe::models {

// The tables a write-audit-publish run reads at its branch ("ns.name" ->
// branch), shared with its session's iceberg_scan (branch_of).
class AuditReads {
 public:
  void Set(const std::string& table, const std::string& branch);
  void Clear();
  std::string BranchOf(const std::string& table) const;  // "" for main

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> branches_;
};

// Whether an 'iceberg' model builds incrementally (once its table exists).
bool IsIncrementalIcebergModel(const ParsedNode& node);

class LakeModels {
 public:
  // `staging` holds each model's rows between the model's session and the
  // lake's for the length of one build; `reads` learns the audited tables.
  static Result<std::unique_ptr<LakeModels>> Open(const iceberg::LakeOptions& options, std::string audit_branch,
                                                  std::filesystem::path staging, std::shared_ptr<AuditReads> reads);

  const std::string& audit_branch() const { return audit_branch_; }
  // Whether the model's table exists.
  Result<bool> Exists(const ParsedNode& node);
  // Builds the model's snapshot from its compiled SELECT, run on `con`, and
  // makes its view read the table.
  Result<MaterializeResult> Build(engine::Connection& con, const ParsedNode& node, const std::string& sql,
                                  bool incremental, const MaterializeOptions& options);
  // The tables written so far ("ns.name").
  std::vector<std::string> Written() const;
  // Audit passed: main moves onto the audit branch in every written table, as
  // one catalog commit, and the branch is dropped.
  Status Publish();
  // The audit is over (published or not): reads go to main again.
  void EndAudit();

 private:
  LakeModels() = default;
  Status StartBranch(const iceberg::TableIdent& ident);

  std::unique_ptr<iceberg::Lake> lake_;
  std::string audit_branch_;
  std::filesystem::path staging_;
  std::shared_ptr<AuditReads> reads_;
  mutable std::mutex mu_;                    // the lake has one connection; builds take turns at it
  std::map<std::string, Relation> written_;  // table -> its view
};

}  // namespace floe::models
