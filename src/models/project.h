// A SQL model project as loaded from disk, in dbt's layout: dbt_project.yml,
// models/**/*.sql, property files (*.yml), seeds, macros, snapshots, tests,
// analyses, docs and packages. Loading reads and validates files; it renders
// no model SQL (compile.h does) and touches no database.
//
//   ASSIGN_OR_RETURN(Project project, LoadProject({.project_dir = "shop"}));
//   for (const Node& n : project.nodes) std::cout << n.unique_id << "\n";   // model.shop.orders
//
// Config precedence is dbt's: dbt_project.yml's config tree (most specific
// path wins) < the node's property-file `config:` < the file's own
// `{{ config(...) }}`, which compile applies last.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::models {

enum class ResourceType { kModel, kSeed, kSnapshot, kTest, kAnalysis, kOperation };

// "model", "seed", "snapshot", "test", "analysis", "operation": dbt's names.
std::string_view ResourceTypeName(ResourceType type);

// A problem that does not stop the load (a misspelled config key, an unused
// config path): file:line and a suggestion, as dbt's warnings read.
struct Warning {
  SourceLocation where;
  std::string message;
};

// One data test attached to a model, seed, snapshot, source table or column
// in a property file: `unique`, `accepted_values: {values: [...]}`,
// `dbt_utils.expression_is_true: {...}`, or a custom generic test.
struct TestSpec {
  std::string test_name;    // "unique", "accepted_values", "my_pkg.is_positive"
  std::string column;       // empty for a model-level test
  tmpl::Value arguments;    // map: the test's keyword arguments (values, to, field, ...)
  tmpl::Value config;       // map: severity, where, error_if, warn_if, store_failures, tags, ...
  std::string custom_name;  // `name:` given in the property file, else empty
  SourceLocation where;     // the test's entry in the property file
};

struct ColumnSpec {
  std::string name;
  std::string description;
  std::string data_type;  // may be empty
  tmpl::Value meta;       // map or null
  std::vector<std::string> tags;
  bool quote = false;
  std::vector<TestSpec> tests;
};

// A model, seed, snapshot, singular test, analysis or hook: anything that
// becomes a node of the DAG. Generic tests become nodes when compile expands
// the TestSpecs of their parents.
struct Node {
  std::string unique_id;  // "model.shop.orders", "seed.shop.raw_orders"
  ResourceType resource_type = ResourceType::kModel;
  std::string package;                        // the project's or package's name
  std::string name;                           // file stem (a snapshot: its block's name)
  std::optional<std::string> version;         // model versions (v: 2 -> "2")
  std::optional<std::string> latest_version;  // a versioned model's `latest_version` (default: its highest v)
  std::string path;                           // relative to its resource folder: "staging/stg_orders.sql"
  std::string original_file_path;             // relative to the package root: "models/staging/stg_orders.sql"
  std::filesystem::path package_root;         // absolute
  std::vector<std::string> fqn;               // {"shop", "staging", "stg_orders"}
  std::string raw_code;                       // the file's text (a seed: empty; its CSV is at original_file_path)
  int raw_code_line = 1;                      // the line raw_code starts on (snapshot blocks start inside a file)
  std::string language = "sql";
  tmpl::Value config;  // map: project tree + property-file config, keys normalised (pre-hook -> pre_hook)
  std::string description;
  std::vector<ColumnSpec> columns;
  std::vector<TestSpec> tests;   // model-level data tests from property files
  tmpl::Value meta;              // map or null
  std::string patch_path;        // the property file that describes it, "package://models/schema.yml"
  SourceLocation properties_at;  // its entry in that property file
};

// One table of a `sources:` entry.
struct SourceTable {
  std::string unique_id;  // "source.shop.raw.orders"
  std::string package;
  std::string source_name;  // "raw"
  std::string name;         // "orders"
  std::string identifier;   // defaults to name
  std::string schema;       // defaults to source_name
  std::string database;     // may be empty: the target's
  std::string description;
  std::string source_description;
  std::string loaded_at_field;
  tmpl::Value freshness;  // map or null
  tmpl::Value config;     // map
  tmpl::Value meta;
  std::vector<ColumnSpec> columns;
  std::vector<TestSpec> tests;
  std::vector<std::string> fqn;
  std::string original_file_path;
  SourceLocation where;
};

// A file of macros (macros/**/*.sql, tests/generic/*.sql); compile parses it.
struct MacroFile {
  std::string package;
  std::string original_file_path;  // relative to the package root
  std::filesystem::path absolute_path;
  std::string text;
};

// A file that may hold {% docs %} blocks (*.md under model and docs paths).
struct DocsFile {
  std::string package;
  std::string original_file_path;
  std::string text;
};

// A snapshot file (snapshots/**/*.sql): one or more {% snapshot %} blocks,
// which compile turns into snapshot nodes.
struct SnapshotFile {
  std::string package;
  std::string original_file_path;
  std::string path;  // relative to the snapshot folder
  std::filesystem::path package_root;
  std::string text;
  tmpl::Value config;  // the project tree's config for this path
};

// A property-file entry for a resource that loading does not turn into a
// Node: a snapshot (compile makes its nodes from {% snapshot %} blocks) or a
// macro. Compile applies them by name.
struct ResourceProperties {
  std::string package;
  std::string name;
  std::string description;
  tmpl::Value config;     // map, as written (snapshots)
  tmpl::Value meta;       // map or null
  tmpl::Value docs;       // map or null
  tmpl::Value arguments;  // list or null (macros' `arguments:`)
  std::vector<ColumnSpec> columns;
  std::vector<TestSpec> tests;
  std::string patch_path;  // "package://snapshots/schema.yml"
  SourceLocation where;
};

// An installed package (a `local:` folder or dbt_packages/<name>).
struct Package {
  std::string name;
  std::filesystem::path root;
};

struct Project {
  std::string name;
  std::filesystem::path root;  // absolute
  std::string profile;         // profile name (`profile:`); defaults to name
  std::string version;
  std::vector<std::string> model_paths{"models"}, seed_paths{"seeds"}, test_paths{"tests"}, macro_paths{"macros"},
      snapshot_paths{"snapshots"}, analysis_paths{"analyses"}, docs_paths;
  std::string target_path = "target";
  std::string packages_install_path = "dbt_packages";
  std::vector<std::string> clean_targets;
  std::string require_dbt_version;                    // as written; informational
  tmpl::Value vars;                                   // map: `vars:` as written (global keys, and per-package maps)
  std::vector<std::string> on_run_start, on_run_end;  // unrendered SQL

  std::vector<Node> nodes;  // models, seeds, singular tests, analyses, of the project and its packages
  std::vector<SourceTable> sources;
  std::vector<MacroFile> macros;
  std::vector<DocsFile> docs;
  std::vector<SnapshotFile> snapshots;
  std::vector<ResourceProperties> snapshot_properties;  // `snapshots:` entries of property files
  std::vector<ResourceProperties> macro_properties;     // `macros:` entries of property files
  std::vector<Package> packages;                        // installed dependencies, root project excluded
  std::vector<Warning> warnings;
};

struct LoadOptions {
  std::filesystem::path project_dir;  // holds dbt_project.yml
  // `target.*` for dbt_project.yml values that use it (a map, as
  // Target::raw). Null: such values stay unrendered, for compile to render.
  tmpl::Value target;
};

// Reads the project and its installed packages. Errors name the file and
// line (a YAML error, a duplicate model name across the project, a property
// entry for a model that does not exist is a warning, as in dbt).
Result<Project> LoadProject(const LoadOptions& options);

// The connection settings of one target of a profiles.yml (dbt-duckdb's).
struct Attachment {
  std::string path;
  std::string alias;
  std::string type;  // e.g. "sqlite"; empty: DuckDB
  bool read_only = false;
};

struct Target {
  std::string profile_name;
  std::string name;  // the target's name ("dev")
  std::string type = "duckdb";
  std::string path;      // the DuckDB file, absolute, or ":memory:"
  std::string database;  // the catalog name DuckDB gives `path`: its file stem, or "memory"
  std::string schema = "main";
  int threads = 1;
  std::vector<std::string> extensions;
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<Attachment> attach;
  tmpl::Value raw;  // map: the target's keys as rendered, for `target.*`
};

struct ProfileOptions {
  std::filesystem::path project_dir;
  // --profiles-dir; else DBT_PROFILES_DIR; else the project folder when it
  // holds profiles.yml; else ~/.dbt.
  std::optional<std::filesystem::path> profiles_dir;
  // A profiles.yml given inline (a flow task's `profiles:`): used instead of any file.
  std::optional<std::string> inline_profiles;
  std::string profile;  // the project's `profile:`
  std::string target;   // --target; else the profile's `target:`
  // Where dbt would run: relative `path`s (the database, `attach:`) resolve
  // against it, as in dbt-duckdb. The CLI's current directory; a flow task's
  // project folder in its working directory (never the server's folder).
  // Empty: the current directory.
  std::filesystem::path working_directory;
};

// Reads the profile's target; `{{ env_var('X', 'default') }}` is rendered.
Result<Target> LoadTarget(const ProfileOptions& options);

}  // namespace floe::models
