// Generic tests (`unique`, `accepted_values`, custom ones) declared in
// property files become test nodes: one per (test, model or source, column),
// named as dbt names them, whose SQL calls the test's macro.
#pragma once

#include <vector>

#include "core/status.h"
#include "models/manifest.h"

namespace floe::models {

// Appends a test node for every TestSpec of the manifest's nodes, columns
// and sources. Unknown tests are appended to `errors` (with the property
// file's line and the closest known test); the rest are still added.
Status AddGenericTests(Manifest& manifest, std::vector<Status>& errors);

// The SQL that runs a test node's compiled SQL and counts its failures
// against its config (error_if, warn_if, limit): one row of
// failures, should_warn, should_error.
std::string TestResultSql(const ParsedNode& test, const std::string& compiled_sql);

}  // namespace floe::models
