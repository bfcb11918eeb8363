// Evaluates a parsed selection (internal/selector_spec.h) on a node graph, as
// dbt-core's NodeSelector does: per criterion, the method's matches, then the
// graph operators, then indirect test selection; then set operators.
#include "models/selector.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <span>
#include <string>
#include <utility>

#include "models/internal/selector_spec.h"

namespace floe::models {

namespace {

using internal::Criterion;
using internal::Method;
using internal::NamedSelector;
using internal::SelectionSpec;

// One flag per node.
using NodeSet = std::vector<char>;

// What one spec selects: `direct` nodes, and `candidates` (a superset): tests
// still waiting for the rest of their parents (cautious and buildable modes).
struct Bundle {
  NodeSet direct, candidates;
};

std::string_view TypeName(const SelectableNode& n) {
  if (n.is_source) return "source";
  if (n.resource_type == ResourceType::kTest && n.test_type == "unit") return "unit_test";
  return ResourceTypeName(n.resource_type);
}

bool IsTest(const SelectableNode& n) { return !n.is_source && n.resource_type == ResourceType::kTest; }

// Only data tests are selected through their parents; unit tests never are.
bool CanSelectIndirectly(const SelectableNode& n) { return IsTest(n) && n.test_type != "unit"; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

// dbt compares a config value with the selector's text; true/false match
// booleans in any case; numbers compare by value.
bool ScalarMatches(const tmpl::Value& v, std::string_view text, bool case_insensitive) {
  if (v.is_string()) return case_insensitive ? Lower(v.AsString()) == Lower(text) : v.AsString() == text;
  if (v.is_bool()) return Lower(text) == (v.AsBool() ? "true" : "false");
  if (v.is_number()) {
    std::string s(text);
    char* end = nullptr;
    double parsed = std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size() && parsed == v.AsDouble();
  }
  return false;
}

// dbt's defaults for configs a loader may leave out.
tmpl::Value DefaultConfig(const SelectableNode& n, std::string_view key) {
  if (key == "enabled") return tmpl::Value(true);
  if (key != "materialized" || n.is_source) return tmpl::Value::Undefined("config");
  switch (n.resource_type) {
    case ResourceType::kSeed:
      return tmpl::Value("seed");
    case ResourceType::kSnapshot:
      return tmpl::Value("snapshot");
    case ResourceType::kTest:
      return tmpl::Value("test");
    default:
      return tmpl::Value("view");
  }
}

const tmpl::Value* DescendConfig(const SelectableNode& n, std::span<const std::string> keys, tmpl::Value& fallback) {
  const tmpl::Value* v = &n.config;
  for (size_t i = 0; i < keys.size(); ++i) {
    const tmpl::Value* next = v->is_map() ? v->AsMap().Find(keys[i]) : nullptr;
    if (next == nullptr && i == 0 && keys.size() == 1) {
      fallback = DefaultConfig(n, keys[0]);
      return fallback.is_undefined() ? nullptr : &fallback;
    }
    if (next == nullptr) return nullptr;
    v = next;
  }
  return v;
}

std::string_view StringConfig(const SelectableNode& n, std::string_view key) {
  const tmpl::Value* v = n.config.Get(key);
  return v != nullptr && v->is_string() ? std::string_view(v->AsString()) : std::string_view();
}

std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    out.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

std::string JoinDots(std::span<const std::string> parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

// An fqn selector split on dots; tails[i] is parts[i..] joined again, the
// pattern for the rest of an fqn once part i holds a wildcard.
struct FqnPattern {
  explicit FqnPattern(std::string_view selector) : text(selector), parts(SplitDots(selector)) {
    first_wildcard = parts.size();
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].find_first_of("*?[]") != std::string::npos) {
        first_wildcard = i;
        tail = JoinDots(std::span<const std::string>(parts).subspan(i));
        break;
      }
    }
  }
  std::string text;
  std::vector<std::string> parts;
  size_t first_wildcard;
  std::string tail;
};

// dbt's is_selected_node: the fqn's last part equals the selector, or the
// selector's dotted parts are a prefix of the dot-flattened fqn, compared
// with fnmatch from the first part holding a wildcard on. `joined` is the fqn
// joined with '.', which is also its flattened form.
bool FqnSelects(std::string_view joined, std::string_view last, const FqnPattern& p) {
  if (last == p.text) return true;
  if (static_cast<size_t>(std::count(joined.begin(), joined.end(), '.')) + 1 < p.parts.size()) return false;
  size_t pos = 0;
  for (size_t i = 0; i < p.parts.size(); ++i) {
    if (i == p.first_wildcard) return internal::Fnmatch(joined.substr(pos), p.tail);
    size_t dot = joined.find('.', pos);
    if (joined.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos) != p.parts[i]) {
      return false;
    }
    pos = dot == std::string_view::npos ? joined.size() : dot + 1;
  }
  return true;
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

class Evaluator {
 public:
  Evaluator(const std::vector<SelectableNode>& nodes, const SelectionContext& context,
            const std::vector<NamedSelector>& selectors)
      : nodes_(nodes), context_(context), selectors_(selectors) {
    // Children adjacency, built once (compressed rows).
    child_start_.assign(nodes.size() + 1, 0);
    for (const SelectableNode& n : nodes) {
      for (size_t p : n.parents) ++child_start_[p + 1];
    }
    for (size_t i = 0; i < nodes.size(); ++i) child_start_[i + 1] += child_start_[i];
    children_.resize(child_start_.back());
    std::vector<size_t> fill(child_start_.begin(), child_start_.end() - 1);
    for (size_t i = 0; i < nodes.size(); ++i) {
      for (size_t p : nodes[i].parents) children_[fill[p]++] = i;
    }
  }

  Result<Bundle> Evaluate(const SelectionSpec& spec, IndirectSelection mode) {
    Bundle out;
    if (spec.kind == SelectionSpec::Kind::kCriterion) {
      ASSIGN_OR_RETURN(out, EvaluateCriterion(spec, spec.criterion.indirect.value_or(mode)));
    } else {
      std::vector<Bundle> parts;
      for (size_t i = 0; i < spec.components.size(); ++i) {
        // Exclusions expand eagerly: excluding a model excludes every test on it.
        bool excluding = spec.kind == SelectionSpec::Kind::kDifference && i > 0;
        ASSIGN_OR_RETURN(Bundle part, Evaluate(spec.components[i], excluding ? IndirectSelection::kEager : mode));
        parts.push_back(std::move(part));
      }
      out = Combine(spec.kind, parts);
      if (spec.kind != SelectionSpec::Kind::kDifference) Incorporate(out, mode);
    }
    if (spec.expect_exists && std::find(out.direct.begin(), out.direct.end(), 1) == out.direct.end()) {
      unmatched.push_back(spec.raw);
    }
    return out;
  }

  Result<const NamedSelector*> FindSelector(std::string_view name, std::string_view origin,
                                            const SourceLocation& where) {
    for (const NamedSelector& s : selectors_) {
      if (s.name == name) return &s;
    }
    std::vector<std::string> names;
    for (const NamedSelector& s : selectors_) names.push_back(s.name);
    std::string hint = names.empty() ? (context_.selectors_yml == nullptr ? "the project has no selectors.yml"
                                                                          : "selectors.yml defines no selectors")
                                     : internal::ChoiceHint(name, names);
    return InvalidArgument(std::string(origin) + ": no selector named '" + std::string(name) + "' in selectors.yml")
        .WithLocation(where)
        .WithHint(std::move(hint));
  }

  // Evaluates a named selector, refusing one that refers to itself.
  Result<Bundle> EvaluateSelector(const NamedSelector& sel, IndirectSelection mode, std::string_view origin,
                                  const SourceLocation& where) {
    if (std::find(stack_.begin(), stack_.end(), sel.name) != stack_.end()) {
      std::string chain;
      for (const std::string& s : stack_) chain += s + " -> ";
      return InvalidArgument(std::string(origin) + ": selector '" + sel.name + "' refers to itself (" + chain +
                             sel.name + ")")
          .WithLocation(where);
    }
    stack_.push_back(sel.name);
    auto result = Evaluate(sel.definition, mode);
    stack_.pop_back();
    return result;
  }

  std::vector<std::string> unmatched;

 private:
  Status SpecError(const SelectionSpec& leaf, std::string what, std::string hint = "") const {
    Status s = InvalidArgument(leaf.origin + " '" + leaf.criterion.raw + "': " + what).WithLocation(leaf.where);
    return hint.empty() ? s : std::move(s).WithHint(std::move(hint));
  }

  // dbt's set operators; no components select nothing.
  Bundle Combine(SelectionSpec::Kind kind, const std::vector<Bundle>& parts) const {
    Bundle out{NodeSet(nodes_.size(), 0), NodeSet(nodes_.size(), 0)};
    if (parts.empty()) return out;
    out = parts[0];
    for (size_t i = 1; i < parts.size(); ++i) {
      for (size_t n = 0; n < out.direct.size(); ++n) {
        switch (kind) {
          case SelectionSpec::Kind::kUnion:
            out.direct[n] |= parts[i].direct[n];
            out.candidates[n] |= parts[i].candidates[n];
            break;
          case SelectionSpec::Kind::kIntersection:
            out.direct[n] &= parts[i].direct[n];
            out.candidates[n] &= parts[i].candidates[n];
            break;
          default:  // difference
            out.direct[n] &= !parts[i].direct[n];
            out.candidates[n] &= !parts[i].candidates[n];
            break;
        }
      }
    }
    return out;
  }

  bool ParentsWithin(size_t test, const NodeSet& set) const {
    return std::all_of(nodes_[test].parents.begin(), nodes_[test].parents.end(), [&](size_t p) { return set[p]; });
  }

  // Selected nodes, their ancestors and every source: what a build of the
  // selection can rely on existing.
  NodeSet Buildable(const NodeSet& selected) const {
    NodeSet out = Reach(selected, /*up=*/true, std::nullopt);
    for (size_t i = 0; i < nodes_.size(); ++i) out[i] |= nodes_[i].is_source;
    return out;
  }

  // A group's candidates whose parents are now all selected (cautious) or
  // buildable (buildable) join its direct set.
  void Incorporate(Bundle& b, IndirectSelection mode) const {
    if (mode != IndirectSelection::kCautious && mode != IndirectSelection::kBuildable) return;
    const NodeSet within = mode == IndirectSelection::kCautious ? b.direct : Buildable(b.direct);
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (b.candidates[i] && !b.direct[i] && CanSelectIndirectly(nodes_[i]) && ParentsWithin(i, within)) {
        b.direct[i] = 1;
      }
    }
  }

  // Breadth-first from `seeds` (included) along parents (up) or children,
  // at most `depth` steps.
  NodeSet Reach(const NodeSet& seeds, bool up, std::optional<size_t> depth) const {
    NodeSet seen(nodes_.size(), 0);
    std::vector<size_t> frontier, next;
    for (size_t i = 0; i < seeds.size(); ++i) {
      if (seeds[i]) {
        seen[i] = 1;
        frontier.push_back(i);
      }
    }
    for (size_t level = 0; !frontier.empty() && (!depth || level < *depth); ++level) {
      next.clear();
      for (size_t n : frontier) {
        auto visit = [&](size_t m) {
          if (!seen[m]) {
            seen[m] = 1;
            next.push_back(m);
          }
        };
        if (up) {
          for (size_t p : nodes_[n].parents) visit(p);
        } else {
          for (size_t c = child_start_[n]; c < child_start_[n + 1]; ++c) visit(children_[c]);
        }
      }
      frontier.swap(next);
    }
    return seen;
  }

  Result<Bundle> EvaluateCriterion(const SelectionSpec& leaf, IndirectSelection mode) {
    const Criterion& c = leaf.criterion;
    ASSIGN_OR_RETURN(NodeSet collected, Collect(leaf, mode));
    NodeSet selected = collected;
    auto add = [&](const NodeSet& more) {
      for (size_t i = 0; i < selected.size(); ++i) selected[i] |= more[i];
    };
    if (c.childrens_parents) add(Reach(Reach(collected, false, std::nullopt), true, std::nullopt));
    if (c.parents) add(Reach(collected, true, c.parents_depth));
    if (c.children) add(Reach(collected, false, c.children_depth));

    Bundle out{selected, selected};
    if (mode == IndirectSelection::kEmpty) return out;
    NodeSet buildable;
    if (mode == IndirectSelection::kBuildable) buildable = Buildable(selected);
    NodeSet seen(nodes_.size(), 0);
    for (size_t n = 0; n < nodes_.size(); ++n) {
      if (!selected[n]) continue;
      for (size_t k = child_start_[n]; k < child_start_[n + 1]; ++k) {
        size_t t = children_[k];
        if (seen[t] || !CanSelectIndirectly(nodes_[t])) continue;
        seen[t] = 1;
        if (mode == IndirectSelection::kEager || ParentsWithin(t, selected) ||
            (mode == IndirectSelection::kBuildable && ParentsWithin(t, buildable))) {
          out.direct[t] = 1;
        }
        out.candidates[t] = 1;
      }
    }
    return out;
  }

  // The nodes the criterion's method matches, before graph operators.
  Result<NodeSet> Collect(const SelectionSpec& leaf, IndirectSelection mode) {
    const Criterion& c = leaf.criterion;
    const std::string& value = c.value;
    NodeSet out(nodes_.size(), 0);
    auto each = [&](auto&& pred) {
      for (size_t i = 0; i < nodes_.size(); ++i) out[i] = pred(nodes_[i], i) ? 1 : 0;
    };
    switch (c.method) {
      case Method::kFqn: {
        FqnPattern pattern(value);
        if (fqn_start_.empty()) {
          // Every fqn joined with '.' into one buffer, built once.
          fqn_start_.reserve(nodes_.size() + 1);
          for (const SelectableNode& n : nodes_) {
            fqn_start_.push_back(fqn_joined_.size());
            for (size_t k = 0; k < n.fqn.size(); ++k) {
              if (k > 0) fqn_joined_ += '.';
              fqn_joined_ += n.fqn[k];
            }
          }
          fqn_start_.push_back(fqn_joined_.size());
        }
        each([&](const SelectableNode& n, size_t i) {
          if (n.is_source || n.fqn.empty()) return false;
          std::string_view joined =
              std::string_view(fqn_joined_).substr(fqn_start_[i], fqn_start_[i + 1] - fqn_start_[i]);
          if (FqnSelects(joined, n.fqn.back(), pattern)) return true;
          // Unscoped: without the package, to match across packages.
          return n.fqn.size() > 1 && FqnSelects(joined.substr(n.fqn[0].size() + 1), n.fqn.back(), pattern);
        });
        break;
      }
      case Method::kTag:
        each([&](const SelectableNode& n, size_t) {
          return std::any_of(n.tags.begin(), n.tags.end(),
                             [&](const std::string& t) { return internal::Fnmatch(t, value); });
        });
        break;
      case Method::kPath: {
        std::string normalized = value;
        std::replace(normalized.begin(), normalized.end(), '\\', '/');
        std::vector<std::string> pattern = internal::PathSegments(normalized);
        each([&](const SelectableNode& n, size_t) {
          std::string_view patch = n.patch_path;
          if (size_t scheme = patch.find("://"); scheme != std::string_view::npos) patch.remove_prefix(scheme + 3);
          return internal::GlobPath(pattern, n.original_file_path, /*or_parent=*/true) ||
                 (!patch.empty() && internal::GlobPath(pattern, patch, /*or_parent=*/false));
        });
        break;
      }
      case Method::kFile:
        each([&](const SelectableNode& n, size_t) {
          std::string_view base = Basename(n.original_file_path);
          std::string_view stem = base.substr(0, std::min(base.size(), base.rfind('.')));
          return internal::Fnmatch(base, value) || internal::Fnmatch(stem, value);
        });
        break;
      case Method::kPackage: {
        std::string pattern = value == "this" && !context_.project_name.empty() ? context_.project_name : value;
        each([&](const SelectableNode& n, size_t) { return internal::Fnmatch(n.package, pattern); });
        break;
      }
      case Method::kConfig: {
        bool severity = c.arguments.size() == 1 && c.arguments[0] == "severity";
        each([&](const SelectableNode& n, size_t) {
          tmpl::Value fallback;
          const tmpl::Value* v = DescendConfig(n, c.arguments, fallback);
          if (v == nullptr) return false;
          if (v->is_list()) {
            return std::any_of(v->AsList().begin(), v->AsList().end(),
                               [&](const tmpl::Value& e) { return ScalarMatches(e, value, severity); });
          }
          return ScalarMatches(*v, value, severity);
        });
        break;
      }
      case Method::kResourceType:
        each([&](const SelectableNode& n, size_t) { return TypeName(n) == value; });
        break;
      case Method::kTestType:
        each([&](const SelectableNode& n, size_t) {
          if (!IsTest(n)) return false;
          if (value == "data") return n.test_type == "generic" || n.test_type == "singular";
          return n.test_type == (value == "schema" ? std::string_view("generic") : std::string_view(value));
        });
        break;
      case Method::kTestName:
        each([&](const SelectableNode& n, size_t) {
          if (!IsTest(n)) return false;
          if (n.test_type == "unit") return internal::Fnmatch(n.name, value);
          return !n.test_name.empty() && internal::Fnmatch(n.test_name, value);
        });
        break;
      case Method::kSource: {
        std::vector<std::string> parts = SplitDots(value);
        std::string package = "*", source = parts[0], table = "*";
        if (parts.size() == 2) table = parts[1];
        if (parts.size() == 3) package = parts[0], source = parts[1], table = parts[2];
        each([&](const SelectableNode& n, size_t) {
          return n.is_source && internal::Fnmatch(n.package, package) && internal::Fnmatch(n.source_name, source) &&
                 internal::Fnmatch(n.name, table);
        });
        break;
      }
      case Method::kState: {
        bool on_new = value == "new" || value == "old";
        const auto& check = on_new ? context_.is_new : context_.modified;
        if (!check) {
          return SpecError(leaf, "state selection needs --state: a previous manifest.json to compare with",
                           "pass --state <folder of the previous run's manifest.json>");
        }
        bool negate = value == "old" || value == "unmodified";
        each([&](const SelectableNode&, size_t i) { return check(i) != negate; });
        break;
      }
      case Method::kResult:
        if (!context_.previous_status) {
          return SpecError(leaf, "result selection needs --state: a previous run_results.json",
                           "pass --state <folder of the previous run's run_results.json>");
        }
        each([&](const SelectableNode&, size_t i) { return context_.previous_status(i) == value; });
        break;
      case Method::kSelector: {
        ASSIGN_OR_RETURN(const NamedSelector* sel, FindSelector(value, leaf.origin + " '" + c.raw + "'", leaf.where));
        ASSIGN_OR_RETURN(Bundle b, EvaluateSelector(*sel, mode, leaf.origin, leaf.where));
        out = std::move(b.direct);
        break;
      }
      case Method::kGroup:
        each([&](const SelectableNode& n, size_t) {
          std::string_view group = StringConfig(n, "group");
          return !group.empty() && internal::Fnmatch(group, value);
        });
        break;
      case Method::kAccess:
        each([&](const SelectableNode& n, size_t) {
          if (n.is_source || n.resource_type != ResourceType::kModel) return false;
          std::string_view access = StringConfig(n, "access");
          return (access.empty() ? std::string_view("protected") : access) == value;
        });
        break;
    }
    return out;
  }

  const std::vector<SelectableNode>& nodes_;
  const SelectionContext& context_;
  const std::vector<NamedSelector>& selectors_;
  std::vector<size_t> child_start_, children_;
  std::string fqn_joined_;          // every node's fqn joined with '.', for the fqn method
  std::vector<size_t> fqn_start_;   // node i's is [fqn_start_[i], fqn_start_[i + 1])
  std::vector<std::string> stack_;  // selectors being evaluated
};

Status CheckResourceTypes(const std::vector<std::string>& types, std::string_view flag) {
  for (const std::string& t : types) {
    const auto& known = internal::ResourceTypeNames();
    if (t != "all" && std::find(known.begin(), known.end(), t) == known.end()) {
      return InvalidArgument(std::string(flag) + ": unknown resource type '" + t + "'")
          .WithHint(internal::ChoiceHint(t, known));
    }
  }
  return Status::Ok();
}

bool TypeListed(const std::vector<std::string>& types, const SelectableNode& n) {
  return std::any_of(types.begin(), types.end(), [&](const std::string& t) { return t == "all" || t == TypeName(n); });
}

}  // namespace

Result<Selection> SelectNodes(const std::vector<SelectableNode>& nodes, const SelectionRequest& request,
                              const SelectionContext& context) {
  for (const SelectableNode& n : nodes) {
    for (size_t p : n.parents) {
      if (p >= nodes.size()) {
        return InvalidArgument("node '" + n.unique_id + "' has parent index " + std::to_string(p) +
                               " outside the graph of " + std::to_string(nodes.size()) + " nodes");
      }
    }
  }
  RETURN_IF_ERROR(CheckResourceTypes(request.resource_types, "--resource-type"));
  RETURN_IF_ERROR(CheckResourceTypes(request.exclude_resource_types, "--exclude-resource-type"));
  std::vector<NamedSelector> selectors;
  if (context.selectors_yml != nullptr) {
    ASSIGN_OR_RETURN(selectors, internal::ParseSelectorsFile(*context.selectors_yml));
  }

  Evaluator evaluator(nodes, context, selectors);
  Bundle chosen;
  if (!request.selector.empty()) {
    if (!request.select.empty() || !request.exclude.empty()) {
      return InvalidArgument("--selector '" + request.selector + "' cannot be combined with --select or --exclude")
          .WithHint("put the extra specs in the selector's definition, or use --select 'selector:" + request.selector +
                    " ...'");
    }
    std::string origin = "--selector '" + request.selector + "'";
    ASSIGN_OR_RETURN(const NamedSelector* sel, evaluator.FindSelector(request.selector, origin, SourceLocation()));
    ASSIGN_OR_RETURN(chosen, evaluator.EvaluateSelector(*sel, request.indirect, origin, SourceLocation()));
  } else {
    SelectionSpec diff;
    diff.kind = SelectionSpec::Kind::kDifference;
    if (request.select.empty()) {
      // Everything: dbt's default `fqn:* source:*`.
      ASSIGN_OR_RETURN(SelectionSpec fqn_all, internal::ParseCliSpecs(std::vector<std::string>{"fqn:* source:*"},
                                                                      "--select", /*expect_exists=*/false));
      diff.components.push_back(std::move(fqn_all));
    } else {
      ASSIGN_OR_RETURN(SelectionSpec included, internal::ParseCliSpecs(request.select, "--select", true));
      diff.components.push_back(std::move(included));
    }
    ASSIGN_OR_RETURN(SelectionSpec excluded, internal::ParseCliSpecs(request.exclude, "--exclude", false));
    diff.components.push_back(std::move(excluded));
    ASSIGN_OR_RETURN(chosen, evaluator.Evaluate(diff, request.indirect));
  }

  Selection out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!chosen.direct[i]) continue;
    if (!request.resource_types.empty() && !TypeListed(request.resource_types, nodes[i])) continue;
    if (TypeListed(request.exclude_resource_types, nodes[i])) continue;
    out.nodes.push_back(i);
  }
  out.unmatched = std::move(evaluator.unmatched);
  for (const std::string& spec : out.unmatched) {
    out.warnings.push_back("The selection criterion '" + spec + "' does not match any enabled nodes");
  }
  return out;
}

Result<std::optional<std::string>> DefaultSelectorName(const flow::YamlNode& selectors_yml,
                                                       const tmpl::Value& variables) {
  ASSIGN_OR_RETURN(std::vector<NamedSelector> selectors, internal::ParseSelectorsFile(selectors_yml));
  std::optional<std::string> found;
  for (const NamedSelector& sel : selectors) {
    if (sel.default_node == nullptr) continue;
    const flow::YamlNode& node = *sel.default_node;
    tmpl::Value v;
    if (node.tmpl != nullptr) {
      auto rendered = flow::RenderNode(node, variables);
      if (!rendered.ok()) {
        return Status(rendered.status()).WithContext("selector '" + sel.name + "' default").WithLocation(node.location);
      }
      v = *rendered;
    } else {
      v = node.ToValue();
    }
    bool is_default = false;
    if (v.is_bool()) {
      is_default = v.AsBool();
    } else if (v.is_string() && (Lower(v.AsString()) == "true" || Lower(v.AsString()) == "false")) {
      is_default = Lower(v.AsString()) == "true";
    } else if (!v.is_null()) {
      return InvalidArgument("selector '" + sel.name + "': 'default' must be true or false, not " +
                             std::string(v.TypeName()))
          .WithLocation(node.location);
    }
    if (!is_default) continue;
    if (found) {
      return InvalidArgument("selectors '" + *found + "' and '" + sel.name + "' are both marked default: true")
          .WithLocation(node.location)
          .WithHint("keep `default: true` on one selector");
    }
    found = sel.name;
  }
  return found;
}

}  // namespace floe::models
