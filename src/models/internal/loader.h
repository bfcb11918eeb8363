// What project loading (project_loader.cc) shares with property-file parsing
// (properties.cc) and package installation (packages.cc). Private to
// floe_models.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "flow/yaml_node.h"
#include "models/config_tree.h"
#include "models/internal/load_util.h"
#include "models/project.h"

namespace floe::models::internal {

// dbt_project.yml of the root project or of a package, read but not yet
// applied to any node.
struct ProjectFile {
  std::string name;
  std::filesystem::path root;  // absolute
  std::string display_path;    // "dbt_project.yml" or "dbt_packages/x/dbt_project.yml", for messages
  YamlNode doc;
  Project settings;  // name, paths, vars, hooks, ... (no nodes)
};

// Reads <root>/dbt_project.yml: keys, paths and their defaults. Config trees
// stay in `doc` (see BuildTrees). `display_prefix` is prepended to file names
// in messages. Warnings for unknown top-level keys go to `warnings`.
Result<ProjectFile> ReadProjectFile(const std::filesystem::path& root, const std::string& display_prefix,
                                    std::vector<Warning>* warnings);

// The config trees of one dbt_project.yml.
struct ProjectTrees {
  ConfigTree models, seeds, tests, snapshots, sources;
};
Result<ProjectTrees> BuildTrees(const ProjectFile& file, const RenderOptions& render, std::vector<Warning>* warnings);

// One package being loaded (the root project is one too).
struct PackageLoad {
  const ProjectFile* file = nullptr;
  ProjectTrees* own_trees = nullptr;  // the package's dbt_project.yml; null for the root (root_trees covers it)
  std::string display_prefix;         // "" for the root, "dbt_packages/x/" or "../pkg/" for packages
  std::vector<std::filesystem::path> property_files;  // absolute, in load order
};

// State shared across the whole load.
struct LoadState {
  Project* project = nullptr;
  ProjectTrees* root_trees = nullptr;
  RenderOptions render;
  // "<package>\x1f<name>" -> node indexes, per resource type (models, seeds,
  // analyses, tests), for patching by property files.
  std::unordered_map<std::string, std::vector<size_t>> models, seeds, analyses;
  // "<package>\x1f<name>" of every snapshot block found in snapshot files.
  std::unordered_map<std::string, size_t> snapshot_names;
  // Source table unique ids, where each was declared.
  std::unordered_map<std::string, SourceLocation> source_ids;

  // Applies the package's own tree then the root's to `fqn`.
  tmpl::Value TreeConfig(const PackageLoad& pkg, ConfigTree ProjectTrees::*tree, const std::vector<std::string>& fqn);
};

inline std::string NameKey(std::string_view package, std::string_view name) {
  std::string key;
  key.reserve(package.size() + name.size() + 1);
  key.append(package).push_back('\x1f');
  key.append(name);
  return key;
}

// Parses one property file (`version: 2`, models:, sources:, ...) and
// applies it: patches nodes, adds sources, snapshot and macro properties.
Status LoadPropertyFile(const std::filesystem::path& file, const PackageLoad& pkg, LoadState& state);

// packages.yml (or dependencies.yml) of a project: its entries.
struct PackageSpec {
  enum class Kind { kLocal, kGit, kHub, kTarball };
  Kind kind = Kind::kLocal;
  std::string location;      // local path, git URL, hub name or tarball URL
  std::string revision;      // git
  std::string subdirectory;  // git
  SourceLocation where;
};
// Empty when the project has neither file.
Result<std::vector<PackageSpec>> ReadPackageSpecs(const std::filesystem::path& root, const std::string& display_prefix);

// A package's installed folder name from package-lock.yml, for git entries;
// empty when unknown.
std::string LockedName(const std::filesystem::path& root, const PackageSpec& spec);

}  // namespace floe::models::internal
