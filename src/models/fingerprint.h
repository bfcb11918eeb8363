// State-aware builds (`--skip-unchanged`): a fingerprint per node of what its
// build depends on, kept per project and target in floe's state store, so a
// build reruns only nodes whose definition or inputs changed since they last
// built successfully (SQLMesh's idea, on dbt projects).
//
// A fingerprint covers the node's SQL as written, its final config and
// relation, the project's macros, vars and target, its seed file's bytes, and
// its parents' fingerprints (so a change flows downstream). It does not cover
// data in sources outside the project: floe cannot see an external table
// change, so `--skip-unchanged` is for unchanged code; a build without it
// refreshes data.
//
//   std::vector<std::string> now = Fingerprints(manifest);
//   ASSIGN_OR_RETURN(auto before, store.Load(scope));
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "models/manifest.h"

namespace floe::models {

// Where fingerprints persist between runs; floe's state store implements it.
class FingerprintStore {
 public:
  virtual ~FingerprintStore() = default;
  // unique_id -> the fingerprint the node had when it last built successfully.
  virtual Result<std::map<std::string, std::string>> Load(const std::string& scope) = 0;
  // Records these nodes' fingerprints (others of the scope are kept).
  virtual Status Save(const std::string& scope, const std::vector<std::pair<std::string, std::string>>& built) = 0;
};

// One hex SHA-256 per manifest node, index-aligned with manifest.nodes.
// Fails only when a seed file cannot be read.
Result<std::vector<std::string>> Fingerprints(const Manifest& manifest);

// The key a project's fingerprints are stored under: project, target and
// database file, so two targets of one project never share them.
std::string FingerprintScope(const Manifest& manifest);

// Why a node must run, or empty when it may be skipped: its fingerprint
// matches the last successful build and so do its parents'.
std::string ChangeReason(const Manifest& manifest, size_t node, const std::vector<std::string>& now,
                         const std::map<std::string, std::string>& before);

}  // namespace floe::models
