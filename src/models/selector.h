// Node selection: which nodes of a model project a command acts on, written in
// dbt's selection syntax (--select, --exclude, --selector, --resource-type,
// --indirect-selection) and its selectors.yml.
//
//   SelectionRequest request{.select = {"+orders"}, .exclude = {"tag:nightly"}};
//   ASSIGN_OR_RETURN(Selection selection, SelectNodes(graph, request, {}));
//   for (const std::string& w : selection.warnings) log(w);   // a spec that matched nothing
//   for (size_t i : selection.nodes) ...                       // ascending node indexes
//
// The component sees only a SelectableNode graph, built by the runner from
// whatever loading and compile produced; it reads no files and touches no
// database. Semantics follow dbt's documentation (and dbt-core where the
// documentation is silent):
//   - a spec is `[@][N+][method[.arg...]:]value[+N]`; with no method, a value
//     with '/' is a path, one ending .sql/.py/.csv a file name, else an fqn;
//   - space-separated specs (and repeated --select/--exclude arguments) are a
//     union, comma-joined specs an intersection; graph operators apply to
//     each spec before set operators; --exclude removes what it selects;
//   - tests are selected indirectly from the nodes a spec selects, per the
//     --indirect-selection mode; --exclude always expands eagerly, so
//     excluding a model also excludes every test that touches it.
// Errors name the spec as written (and, from selectors.yml, its file:line:col).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "flow/yaml_node.h"
#include "models/project.h"
#include "tmpl/value.h"

namespace floe::models {

// One node of the graph selection runs on: a model, seed, snapshot, test,
// analysis, operation or source table.
struct SelectableNode {
  std::string unique_id;  // "model.shop.orders", "test.shop.unique_orders_id.1a2b3c", "source.shop.raw.orders"
  // Ignored for sources (is_source): project.h's ResourceType has no source.
  ResourceType resource_type = ResourceType::kModel;
  bool is_source = false;          // a source table; its resource type is "source"
  std::string name;                // "orders"; a source: the table's name
  std::string package;             // "shop"
  std::string source_name;         // sources only: the `sources:` entry's name ("raw")
  std::vector<std::string> fqn;    // {"shop", "staging", "stg_orders"}; never empty (the default selection is fqn:*)
  std::string original_file_path;  // relative to the package root: "models/staging/stg_orders.sql"
  // The property file that describes the node ("models/schema.yml" or
  // project.h's "shop://models/schema.yml"); may be empty. `path:` matches it too.
  std::string patch_path;
  std::vector<std::string> tags;  // the node's tags, config tags included
  // The resolved config (map). When `materialized` or `enabled` is missing,
  // `config.` selection falls back to dbt's defaults (view/seed/snapshot/test; true).
  tmpl::Value config;
  std::string test_type;  // tests: "generic", "singular" or "unit"; else empty
  std::string test_name;  // generic tests: the test's name without namespace ("unique", "expression_is_true")
  // Indexes into the same vector: the nodes this one refs or reads; a test's
  // are the nodes it tests (a relationships test has two).
  std::vector<size_t> parents;
};

// How tests attached to selected nodes are selected (dbt --indirect-selection).
enum class IndirectSelection {
  kEager,      // a test is selected when any node it tests is selected (the default)
  kCautious,   // ... only when all the nodes it tests are selected
  kBuildable,  // ... when each node it tests is selected or an ancestor of a selected one
  kEmpty,      // only tests a spec selects directly
};

// "eager", "cautious", "buildable", "empty"; anything else is an error naming
// the valid modes.
Result<IndirectSelection> ParseIndirectSelection(std::string_view mode);
std::string_view IndirectSelectionName(IndirectSelection mode);

struct SelectionRequest {
  // --select/-s and --exclude arguments, each possibly holding several
  // space-separated specs. Empty select: every node.
  std::vector<std::string> select, exclude;
  // --selector: a selector of selectors.yml, used instead of select/exclude
  // (giving both is an error).
  std::string selector;
  // --resource-type and --exclude-resource-type: a final filter by resource
  // type ("model", "seed", "snapshot", "test", "unit_test", "analysis",
  // "operation", "source"; "all" = no filter). Empty: no filter.
  std::vector<std::string> resource_types, exclude_resource_types;
  IndirectSelection indirect = IndirectSelection::kEager;
};

// What some methods need beyond the graph; each is optional, and a spec that
// needs a missing one is an error saying what to pass.
struct SelectionContext {
  // state:modified (and its .body, .configs, .relation, .persisted_descriptions,
  // .macros, .contract refinements, which floe does not tell apart): whether
  // node i is new or changed against the --state manifest. state:unmodified is
  // its negation.
  std::function<bool(size_t)> modified;
  // state:new: node i is absent from the --state manifest; state:old its negation.
  std::function<bool(size_t)> is_new;
  // result:<status>: node i's status in the previous run_results.json
  // ("success", "error", "fail", "warn", "skipped", "pass"; "" when absent).
  std::function<std::string(size_t)> previous_status;
  // The project's parsed selectors.yml, for --selector and `selector:`; must
  // outlive the call. Parsed and validated whenever given.
  const flow::YamlNode* selectors_yml = nullptr;
  // The root project's name, which `package:this` stands for.
  std::string project_name;
};

struct Selection {
  std::vector<size_t> nodes;  // selected node indexes, ascending
  // Each --select spec (space-separated unit) that selected nothing, as written,
  // and the warning dbt prints for it: "The selection criterion 'x' does not
  // match any enabled nodes".
  std::vector<std::string> unmatched;
  std::vector<std::string> warnings;
};

// Selects nodes of `nodes` as `request` asks. Errors (InvalidArgument): an
// unknown method (with a suggestion), a malformed graph operator, a bad
// method value (test_type:, resource_type:, state:, result:, source:), a
// state or result method without its context, an unknown selector (listing
// the defined ones), an invalid selectors.yml (at its file:line:col), a parent
// index out of range. Runs in time linear in nodes + edges per spec.
Result<Selection> SelectNodes(const std::vector<SelectableNode>& nodes, const SelectionRequest& request,
                              const SelectionContext& context);

// The name of the selector marked `default: true` in selectors.yml, or nullopt
// when none is. dbt applies it when neither --select nor --exclude nor
// --selector is given; the caller then passes it as request.selector. A
// templated `default:` ("{{ target.name == 'prod' }}") renders against
// `variables`. Errors: an invalid file, or more than one default selector.
Result<std::optional<std::string>> DefaultSelectorName(const flow::YamlNode& selectors_yml,
                                                       const tmpl::Value& variables = tmpl::Value());

}  // namespace floe::models
