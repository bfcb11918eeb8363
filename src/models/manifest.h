// The parsed project: every node with its final config, its relation in the
// database and its dependencies, found by rendering each node once with
// dbt's parse-time context (`execute` false: ref, source and config calls are
// recorded, nothing touches the database). What selection, the runner and
// the artifacts work on.
//
//   ASSIGN_OR_RETURN(Project project, LoadProject({.project_dir = dir}));
//   ASSIGN_OR_RETURN(Target target, LoadTarget({.project_dir = dir, .profile = project.profile}));
//   ASSIGN_OR_RETURN(auto manifest, Parse(std::move(project), target, {}));
//   manifest->nodes[manifest->Find("model.shop.orders")].depends_on;
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/project.h"
#include "tmpl/template.h"
#include "tmpl/value.h"

namespace floe::models {

// Where a node lives in the database.
struct Relation {
  std::string database;
  std::string schema;
  std::string identifier;
  // "db"."schema"."identifier", as dbt-duckdb renders it.
  std::string Rendered() const;
};

struct ParsedNode {
  Node node;                                   // as loaded (generic tests: synthesised)
  tmpl::Value config;                          // map: final, after the file's own config() calls
  Relation relation;                           // models, seeds, snapshots; tests with store_failures
  std::string materialized;                    // config.materialized, or the resource's default
  std::vector<std::string> tags;               // config tags
  std::vector<size_t> depends_on;              // indexes of nodes this one reads (refs), in call order, unique
  std::vector<size_t> depends_on_sources;      // indexes into Manifest::sources
  std::vector<std::string> depends_on_macros;  // unique ids
  std::vector<std::pair<std::string, std::optional<std::string>>> refs;  // as written: (name or pkg.name, version)
  bool enabled = true;
  // Tests: the node tested (its first `model` argument) and column; generic
  // tests keep their name and arguments for their SQL.
  std::optional<size_t> attached_node;
  std::string test_macro;   // "test_unique", "my_pkg.test_is_positive"
  tmpl::Value test_kwargs;  // map
  std::string column_name;
};

struct Manifest {
  Project project;
  Target target;
  std::vector<ParsedNode> nodes;  // enabled and disabled; ordered: seeds, models, snapshots, tests, analyses
  std::vector<SourceTable> sources;
  std::map<std::string, size_t, std::less<>> by_id;                 // unique_id -> index in nodes
  std::map<std::string, std::vector<size_t>, std::less<>> by_name;  // models, seeds, snapshots by name
  std::vector<Warning> warnings;
  tmpl::Value vars_override;  // --vars, a map
  std::string invocation_id;
  std::string generated_at;  // ISO-8601 UTC

  // The project's Jinja environment and macros; every node's `code` was
  // compiled against it, so it lives as long as the manifest.
  std::shared_ptr<struct JinjaLibrary> jinja;

  // Index of the node with this unique id, or nullopt.
  std::optional<size_t> Find(std::string_view unique_id) const;
  // The model, seed or snapshot `ref(package?, name, version?)` names, seen
  // from a node of `from_package`: that package's first, then the root
  // project's, then any (dbt's order). nullopt when none matches.
  std::optional<size_t> ResolveRef(std::string_view package, std::string_view name,
                                   const std::optional<std::string>& version, std::string_view from_package) const;
  // The source table `source(source_name, table)`; nullopt when none.
  std::optional<size_t> ResolveSource(std::string_view source_name, std::string_view table) const;
};

struct ParseOptions {
  tmpl::Value vars_override;  // --vars, a map (null: none)
  std::string invocation_id;  // empty: a new one
};

// Renders every node with the parse-time context, expands generic tests and
// links the graph. Errors point at the file and line: a Jinja error, a ref()
// to a model that does not exist (with the closest name), a cycle (every
// node on it), an unknown generic test.
Result<std::unique_ptr<Manifest>> Parse(Project project, Target target, const ParseOptions& options);

// The template of a node's raw_code, compiled against the manifest's
// library (null for seeds). Parsing compiles each node to record its refs
// and config, then lets the template go: for 10,000 models, keeping the
// syntax trees until compile costs more than building them again.
Result<std::shared_ptr<const tmpl::Template>> CompileCode(const Manifest& manifest, const ParsedNode& node);

// `target` as Jinja sees it (dbt_project.yml values and every render):
// the profile's keys plus name, profile_name, type, schema, database, path, threads.
tmpl::Value TargetContext(const Target& target);

}  // namespace floe::models
