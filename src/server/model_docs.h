// What dbt docs shows of one SQL models run, in one JSON document for the web
// UI: every node of the manifest (sources, seeds, models, snapshots, tests)
// with its lineage, SQL, columns and the run's result for it.
//
//   {"projectName", "nodes": [{"uniqueId", "name", "resourceType", "packageName", "path", "materialized",
//     "relation", "description", "tags", "dependsOn", "attachedNode", "columnName", "rawCode", "compiledCode",
//     "status", "executionTime", "message", "startedAt", "completedAt",
//     "columns": [{"name", "type", "description"}]}]}
//
// Columns come from catalog.json (the built relation's, in order, typed) and
// manifest.json (the documented ones, with descriptions); documented columns
// the relation lacks are kept, after the others, without a type unless the
// documentation gives one.
#pragma once

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::server {

// `run_results` and `catalog` may be null values (a run that did not write
// them): nodes then have no status, and columns only what the manifest says.
Result<tmpl::Value> ModelRunDocs(const tmpl::Value& manifest, const tmpl::Value& run_results,
                                 const tmpl::Value& catalog);

}  // namespace floe::server
