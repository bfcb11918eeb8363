// Models materialized as Iceberg tables (`materialized='iceberg'`): each
// build is one snapshot of the table `<schema>.<model name>` in floe's
// Iceberg catalog, and a DuckDB view of the same name reads it, so ref(),
// tests and later queries see the table.
//
//   full build     the table is created, or its rows replaced (one
//                  "overwrite" snapshot; the schema follows the query:
//                  new columns added, missing ones dropped, by field id);
//   incremental    `incremental_strategy` append, or merge on `unique_key`
//                  (the default when a key is given); is_incremental() is
//                  true once the table exists. `on_schema_change` as dbt's.
//   partition_by   Spark's forms ("day(ordered_at)", "bucket(16, id)");
//                  a changed list evolves the table's partition spec.
//
// Write-audit-publish: with an audit branch, every write goes to that
// branch of its table (reset to main first) and the views read the branch,
// so the run's tests see the new data; Publish then moves main onto the
// branch in every table at once, and Withdraw leaves main as it was.
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

class LakeModels {
 public:
  // `staging` holds each model's rows between the model's session and the
  // lake's for the length of one build.
  static Result<std::unique_ptr<LakeModels>> Open(const iceberg::LakeOptions& options, std::string audit_branch,
                                                  std::filesystem::path staging);

  const std::string& audit_branch() const { return audit_branch_; }
  // Whether the model's table exists (is_incremental()).
  Result<bool> Exists(const ParsedNode& node);
  // Builds the model's snapshot from its compiled SELECT, run on `con`, and
  // points its view at the table (at the audit branch, if any).
  Result<MaterializeResult> Build(engine::Connection& con, const ParsedNode& node, const std::string& sql,
                                  bool incremental, const MaterializeOptions& options);
  // The tables written so far ("ns.name").
  std::vector<std::string> Written() const;
  // Audit passed: main moves onto the audit branch in every written table, as
  // one catalog commit, and the branch is dropped.
  Status Publish();
  // After Publish, or when the audit failed: the views read main again.
  Status ViewsReadMain(engine::Connection& con);

 private:
  LakeModels() = default;
  Status StartBranch(const iceberg::TableIdent& ident);
  Status SyncSchema(const iceberg::TableIdent& ident, const iceberg::Schema& rows, bool add, bool drop);
  Status SyncPartitioning(const iceberg::TableIdent& ident, const std::vector<std::string>& partition_by);
  Status PointView(engine::Connection& con, const Relation& relation, const std::string& table,
                   const std::string& existing, const std::string& branch);

  std::unique_ptr<iceberg::Lake> lake_;
  std::string audit_branch_;
  std::filesystem::path staging_;
  mutable std::mutex mu_;                    // the lake has one connection; builds take turns at it
  std::map<std::string, Relation> written_;  // table -> its view
};

}  // namespace floe::models
