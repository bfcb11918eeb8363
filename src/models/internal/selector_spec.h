// Private to selector.cc and selector_parse.cc: a parsed selection, as the
// tree dbt builds from --select/--exclude and selectors.yml (criteria joined
// by union, intersection and difference).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "flow/yaml_node.h"
#include "models/selector.h"

namespace floe::models::internal {

enum class Method {
  kFqn,
  kTag,
  kPath,
  kFile,
  kPackage,
  kConfig,
  kResourceType,
  kTestType,
  kTestName,
  kSource,
  kState,
  kResult,
  kSelector,
  kGroup,
  kAccess,
};

// One spec: "+tag:nightly", "config.materialized:table", "@orders".
struct Criterion {
  std::string raw;  // as written, for messages
  Method method = Method::kFqn;
  std::vector<std::string> arguments;  // config.meta.owner -> {"meta", "owner"}
  std::string value;
  bool childrens_parents = false;                       // @
  bool parents = false;                                 // N+ prefix
  bool children = false;                                // +N suffix
  std::optional<size_t> parents_depth, children_depth;  // nullopt: unbounded
  std::optional<IndirectSelection> indirect;            // selectors.yml `indirect_selection:`
};

struct SelectionSpec {
  enum class Kind { kCriterion, kUnion, kIntersection, kDifference };
  Kind kind = Kind::kUnion;
  Criterion criterion;                    // kCriterion
  std::vector<SelectionSpec> components;  // kDifference: {included, excluded}
  bool expect_exists = false;             // report `raw` when it selects nothing
  std::string raw;
  std::string origin;    // "--select", "selector 'nightly'": where it was written
  SourceLocation where;  // its selectors.yml node, when it comes from there
};

// Parses CLI-style specs: each argument split on spaces (a union), each piece
// on commas (an intersection). `origin` names the flag or selector for errors;
// `expect_exists` marks each space-separated unit for the no-match warning.
Result<SelectionSpec> ParseCliSpecs(std::span<const std::string> args, std::string_view origin, bool expect_exists);

// One `[@][N+][method:]value[+N]` spec.
Result<Criterion> ParseCriterion(std::string_view raw, std::string_view origin);

struct NamedSelector {
  std::string name;
  const flow::YamlNode* default_node = nullptr;  // `default:` as written, or null
  SelectionSpec definition;
  SourceLocation where;
};

// Parses and validates a selectors.yml document.
Result<std::vector<NamedSelector>> ParseSelectorsFile(const flow::YamlNode& root);

std::string_view MethodName(Method method);

// Python's fnmatch, case-sensitive: '*', '?', '[abc]', '[a-z]', '[!abc]'.
bool Fnmatch(std::string_view text, std::string_view pattern);

// pathlib-style glob of '/'-separated paths: '*', '?' and [...] within a
// segment; a '**' segment spans any number of segments.
bool PathGlobMatches(std::string_view pattern, std::string_view path);
// A path's segments, without empty and "." ones.
std::vector<std::string> PathSegments(std::string_view path);
// The same match with the pattern already split; with `or_parent`, also true
// when the pattern matches a folder `path` is in. Allocates nothing.
bool GlobPath(std::span<const std::string> pattern, std::string_view path, bool or_parent);

// dbt's resource type names ("model", "seed", ..., "source", "unit_test",
// and those floe has none of, such as "exposure").
const std::vector<std::string>& ResourceTypeNames();

// "did you mean 'x'? valid: a, b, c" for an unknown `word`.
std::string ChoiceHint(std::string_view word, const std::vector<std::string>& choices);

}  // namespace floe::models::internal
