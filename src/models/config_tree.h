// One config tree of dbt_project.yml (`models:`, `seeds:`, `data_tests:`,
// `snapshots:`, `sources:`), applied to nodes by their fqn as dbt does: the
// tree's top holds configs for every node and package names; below a
// package, folder names; a deeper level overrides (or, for tags and hooks,
// adds to) a shallower one.
//
//   ASSIGN_OR_RETURN(ConfigTree tree, ConfigTree::Parse(doc.Find("models"), "models", render, &warnings));
//   tmpl::ValueMap config;
//   tree.Apply({"shop", "staging", "stg_orders"}, config);
//   tree.ReportUnused(&warnings);   // paths no node matched
//
// Keys with `+` are configs. Keys without are configs when their value is a
// scalar or a list (dbt's rule), or a map under a key that only takes maps
// (`meta`, `docs`, ...); other map-valued keys are folders or packages.
// Unknown config keys are warnings with a suggestion.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "flow/yaml_node.h"
#include "models/internal/load_util.h"
#include "models/project.h"
#include "tmpl/value.h"

namespace floe::models {

class ConfigTree {
 public:
  ConfigTree();
  ConfigTree(ConfigTree&&) noexcept;
  ConfigTree& operator=(ConfigTree&&) noexcept;
  ~ConfigTree();

  // `node` may be null (no such section). `section` names it in messages.
  // String values with templates render with `render` (hooks stay as written).
  static Result<ConfigTree> Parse(const flow::YamlNode* node, std::string section,
                                  const internal::RenderOptions& render, std::vector<Warning>* warnings);

  // Merges the configs on the path of `fqn`, shallowest first, into `config`
  // (MergeConfigValue), and marks the levels it passes as used.
  void Apply(const std::vector<std::string>& fqn, tmpl::ValueMap& config);

  // A warning for each config path (shallowest only) that no Apply reached.
  void ReportUnused(std::vector<Warning>* warnings) const;

  bool empty() const;

 private:
  struct Level;
  std::unique_ptr<Level> root_;
  std::string section_;
};

}  // namespace floe::models
