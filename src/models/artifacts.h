// dbt's artifacts, in dbt's schemas so existing tooling reads them:
// target/manifest.json (v12), target/run_results.json (v6),
// target/catalog.json (v1).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/manifest.h"
#include "models/runner.h"

namespace floe::engine {
class Connection;
}

namespace floe::models {

Status WriteManifest(const Manifest& manifest, const std::filesystem::path& file);

// A node's `checksum` in manifest.json, as dbt computes it: the SHA-256 of
// its file (a seed's CSV; a model's SQL). state:modified compares them.
std::string NodeChecksum(const ParsedNode& node);

// run_results.json (v6), written as it is produced.
Status WriteRunResults(const Manifest& manifest, const RunResults& results, const std::vector<std::string>& args,
                       const std::filesystem::path& file);

// The `results` list of run_results.json as a Value: on-run-end's
// `results`, and flow task outputs.
tmpl::Value RunResultsValue(const Manifest& manifest, const RunResults& results);

// catalog.json: every relation of the project's nodes and sources with its
// columns and types, read from the database.
Status WriteCatalog(const Manifest& manifest, engine::Connection& con, const std::filesystem::path& file);

}  // namespace floe::models
