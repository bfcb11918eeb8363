// Parsing of selection specs (CLI style) and selectors.yml into the spec tree
// of internal/selector_spec.h.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

#include "core/strings.h"
#include "models/internal/selector_spec.h"

namespace floe::models {

namespace {

constexpr std::array<std::pair<std::string_view, IndirectSelection>, 4> kIndirectModes{{
    {"eager", IndirectSelection::kEager},
    {"cautious", IndirectSelection::kCautious},
    {"buildable", IndirectSelection::kBuildable},
    {"empty", IndirectSelection::kEmpty},
}};

}  // namespace

Result<IndirectSelection> ParseIndirectSelection(std::string_view mode) {
  for (const auto& [name, value] : kIndirectModes) {
    if (name == mode) return value;
  }
  return InvalidArgument("unknown indirect selection mode '" + std::string(mode) + "'")
      .WithHint("use eager, cautious, buildable or empty");
}

std::string_view IndirectSelectionName(IndirectSelection mode) {
  for (const auto& [name, value] : kIndirectModes) {
    if (value == mode) return name;
  }
  return "eager";
}

namespace internal {

namespace {

constexpr std::array<std::pair<std::string_view, Method>, 15> kMethods{{
    {"fqn", Method::kFqn},
    {"tag", Method::kTag},
    {"path", Method::kPath},
    {"file", Method::kFile},
    {"package", Method::kPackage},
    {"config", Method::kConfig},
    {"resource_type", Method::kResourceType},
    {"test_type", Method::kTestType},
    {"test_name", Method::kTestName},
    {"source", Method::kSource},
    {"state", Method::kState},
    {"result", Method::kResult},
    {"selector", Method::kSelector},
    {"group", Method::kGroup},
    {"access", Method::kAccess},
}};

// dbt methods for resources floe does not have.
constexpr std::array<std::string_view, 9> kUnsupportedMethods{"exposure",    "metric",    "semantic_model",
                                                              "saved_query", "unit_test", "source_status",
                                                              "version",     "wildcard",  "function"};

const std::vector<std::string>& MethodNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& m : kMethods) out.emplace_back(m.first);
    return out;
  }();
  return names;
}

std::string Join(std::span<const std::string> items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

Status SpecError(std::string_view origin, std::string_view raw, std::string what) {
  return InvalidArgument(std::string(origin) + " '" + std::string(raw) + "': " + what);
}

const std::vector<std::string> kTestTypes{"generic", "singular", "unit", "data", "schema"};
const std::vector<std::string> kStateValues{"modified",
                                            "modified.body",
                                            "modified.configs",
                                            "modified.persisted_descriptions",
                                            "modified.relation",
                                            "modified.macros",
                                            "modified.contract",
                                            "new",
                                            "old",
                                            "unmodified"};
const std::vector<std::string> kResultStatuses{"success", "error", "fail", "warn", "skipped", "pass", "no-op"};
// dbt's resource types; those floe does not build match nothing.
const std::vector<std::string> kResourceTypes{
    "model",    "seed",   "snapshot",       "test",        "unit_test", "analysis", "operation", "source",
    "exposure", "metric", "semantic_model", "saved_query", "function",  "macro",    "doc",       "group"};

// Checks what can be checked without the graph: method arguments and values.
Status ValidateCriterion(const Criterion& c, std::string_view origin) {
  auto error = [&](std::string what) { return SpecError(origin, c.raw, std::move(what)); };
  if (c.value.empty()) return error("no value to select by").WithHint("write method:value, e.g. tag:nightly");
  if (c.method == Method::kConfig) {
    if (c.arguments.empty()) {
      return error("the config method needs a key")
          .WithHint("write config.<key>:<value>, e.g. config.materialized:table");
    }
    for (const std::string& a : c.arguments) {
      if (a.empty()) return error("empty config key");
    }
  } else if (!c.arguments.empty()) {
    return error("the " + std::string(MethodName(c.method)) + " method takes no '.' arguments");
  }
  auto check_choice = [&](const std::vector<std::string>& choices, std::string_view what) -> Status {
    if (std::find(choices.begin(), choices.end(), c.value) != choices.end()) return Status::Ok();
    return error("unknown " + std::string(what) + " '" + c.value + "'").WithHint(ChoiceHint(c.value, choices));
  };
  switch (c.method) {
    case Method::kTestType:
      return check_choice(kTestTypes, "test type");
    case Method::kState:
      return check_choice(kStateValues, "state selector");
    case Method::kResult:
      return check_choice(kResultStatuses, "result status");
    case Method::kResourceType:
      return check_choice(kResourceTypes, "resource type");
    case Method::kSource:
      if (std::count(c.value.begin(), c.value.end(), '.') > 2) {
        return error("a source is selected as source_name, source_name.table or package.source_name.table");
      }
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

bool IsMethodChar(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.'; }

// Resolves "config.materialized" to the method and its arguments.
Status ResolveMethod(std::string_view written, Criterion& c, std::string_view origin) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = written.find('.', start);
    parts.emplace_back(written.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  for (const auto& [name, method] : kMethods) {
    if (name == parts[0]) {
      c.method = method;
      c.arguments.assign(parts.begin() + 1, parts.end());
      return Status::Ok();
    }
  }
  if (std::find(kUnsupportedMethods.begin(), kUnsupportedMethods.end(), parts[0]) != kUnsupportedMethods.end()) {
    return SpecError(origin, c.raw,
                     "the '" + parts[0] + "' method is not supported: floe's projects have no " +
                         (parts[0] == "version" ? std::string("model versions") : parts[0] + "s"));
  }
  return SpecError(origin, c.raw, "unknown selection method '" + parts[0] + "'")
      .WithHint(ChoiceHint(parts[0], MethodNames()));
}

// The method dbt assumes when none is written.
Method DefaultMethod(std::string_view value) {
  if (value.find('/') != std::string_view::npos || value.find('\\') != std::string_view::npos) return Method::kPath;
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (std::string_view ext : {".sql", ".py", ".csv"}) {
    if (lower.size() >= ext.size() && lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0) {
      return Method::kFile;
    }
  }
  return Method::kFqn;
}

std::vector<std::string> SplitOn(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find(sep, start);
    out.emplace_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

}  // namespace

std::string ChoiceHint(std::string_view word, const std::vector<std::string>& choices) {
  std::string hint = DidYouMean(word, choices);
  if (!hint.empty()) hint += " ";
  return hint + "valid: " + Join(choices, ", ");
}

const std::vector<std::string>& ResourceTypeNames() { return kResourceTypes; }

std::string_view MethodName(Method method) {
  for (const auto& [name, m] : kMethods) {
    if (m == method) return name;
  }
  return "fqn";
}

Result<Criterion> ParseCriterion(std::string_view raw, std::string_view origin) {
  Criterion c;
  c.raw = std::string(raw);
  std::string_view rest = raw;
  auto malformed = [&](std::string what) {
    return SpecError(origin, raw, "malformed graph operator: " + what)
        .WithHint("write +x or N+x (ancestors), x+ or x+N (descendants), @x (descendants and their ancestors)");
  };
  if (!rest.empty() && rest.front() == '@') {
    c.childrens_parents = true;
    rest.remove_prefix(1);
  }
  // N+ prefix: digits, then '+'.
  size_t digits = 0;
  while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
  if (digits < rest.size() && rest[digits] == '+') {
    c.parents = true;
    if (digits > 0) {
      auto depth = ParseIndex(rest.substr(0, digits));
      if (!depth) return malformed("depth '" + std::string(rest.substr(0, digits)) + "' is too large");
      c.parents_depth = *depth;
    }
    rest.remove_prefix(digits + 1);
  }
  // +N suffix.
  size_t end = rest.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(rest[end - 1]))) --end;
  if (end > 0 && rest[end - 1] == '+') {
    c.children = true;
    if (end < rest.size()) {
      auto depth = ParseIndex(rest.substr(end));
      if (!depth) return malformed("depth '" + std::string(rest.substr(end)) + "' is too large");
      c.children_depth = *depth;
    }
    rest = rest.substr(0, end - 1);
  }
  if (c.childrens_parents && c.children) return malformed("the '@' prefix and the '+' suffix cannot be combined");
  if (rest.find_first_of("+@") != std::string_view::npos) {
    return malformed("'+' and '@' belong only at the start or end of a spec");
  }
  // method[.args]:value; a prefix with other characters (a Windows drive) is part of the value.
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 && std::all_of(rest.begin(), rest.begin() + colon, IsMethodChar)) {
    RETURN_IF_ERROR(ResolveMethod(rest.substr(0, colon), c, origin));
    c.value = std::string(rest.substr(colon + 1));
  } else {
    c.value = std::string(rest);
    c.method = DefaultMethod(c.value);
  }
  RETURN_IF_ERROR(ValidateCriterion(c, origin));
  return c;
}

Result<SelectionSpec> ParseCliSpecs(std::span<const std::string> args, std::string_view origin, bool expect_exists) {
  SelectionSpec un;
  un.kind = SelectionSpec::Kind::kUnion;
  un.origin = std::string(origin);
  for (const std::string& arg : args) {
    for (const std::string& unit : SplitOn(arg, ' ')) {
      if (unit.empty()) continue;  // repeated spaces
      SelectionSpec inter;
      inter.kind = SelectionSpec::Kind::kIntersection;
      inter.raw = unit;
      inter.origin = un.origin;
      inter.expect_exists = expect_exists;
      for (const std::string& part : SplitOn(unit, ',')) {
        if (part.empty()) {
          return SpecError(origin, unit, "empty spec around ','")
              .WithHint("join specs with ',' and no spaces: tag:nightly,config.materialized:table");
        }
        SelectionSpec leaf;
        leaf.kind = SelectionSpec::Kind::kCriterion;
        leaf.raw = part;
        leaf.origin = un.origin;
        ASSIGN_OR_RETURN(leaf.criterion, ParseCriterion(part, origin));
        inter.components.push_back(std::move(leaf));
      }
      un.components.push_back(std::move(inter));
    }
  }
  return un;
}

// ---- selectors.yml ----

namespace {

using flow::YamlNode;

Status YamlError(const YamlNode& at, std::string what) {
  return InvalidArgument(std::move(what)).WithLocation(at.location);
}

Status CheckKeys(const YamlNode& map, const std::vector<std::string>& allowed, std::string_view what) {
  for (const auto& e : map.entries) {
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      return InvalidArgument("unknown key '" + e.key + "' in " + std::string(what))
          .WithLocation(e.key_location)
          .WithHint(ChoiceHint(e.key, allowed));
    }
  }
  return Status::Ok();
}

Result<std::string> ScalarText(const YamlNode& node, std::string_view what) {
  if (!node.is_scalar()) {
    return YamlError(node, std::string(what) + " must be a string, not a " + std::string(node.KindName()));
  }
  return node.scalar;
}

Result<std::optional<size_t>> DepthOf(const YamlNode* node) {
  if (node == nullptr || node->is_null()) return std::optional<size_t>();
  std::optional<size_t> depth = node->is_scalar() ? ParseIndex(node->scalar) : std::nullopt;
  if (!depth) return YamlError(*node, "a depth must be a non-negative integer");
  return depth;
}

Result<bool> FlagOf(const YamlNode* node) {
  if (node == nullptr || node->is_null()) return false;
  tmpl::Value v = node->ToValue();
  if (!v.is_bool()) return YamlError(*node, "expected true or false");
  return v.AsBool();
}

// Every level takes the same forms; keys beside union/intersection are errors at
// any level (dbt checks only the root).
Result<SelectionSpec> ParseDefinition(const YamlNode& node, const std::string& origin);

// The items of `union:`, `intersection:` or `exclude:`.
Result<std::vector<const YamlNode*>> ListOf(const YamlNode& node, std::string_view key) {
  if (!node.is_sequence()) {
    return YamlError(node, "'" + std::string(key) + "' must be a list, not a " + std::string(node.KindName()));
  }
  std::vector<const YamlNode*> out;
  for (const YamlNode& item : node.items) out.push_back(&item);
  return out;
}

// `exclude: [...]`: one spec, or the union of several.
Result<SelectionSpec> ParseExclusions(const YamlNode& list, const std::string& origin) {
  ASSIGN_OR_RETURN(std::vector<const YamlNode*> items, ListOf(list, "exclude"));
  SelectionSpec un;
  un.kind = SelectionSpec::Kind::kUnion;
  un.origin = origin;
  un.where = list.location;
  for (const YamlNode* item : items) {
    ASSIGN_OR_RETURN(SelectionSpec part, ParseDefinition(*item, origin));
    un.components.push_back(std::move(part));
  }
  return un;
}

SelectionSpec Difference(SelectionSpec included, SelectionSpec excluded) {
  SelectionSpec diff;
  diff.kind = SelectionSpec::Kind::kDifference;
  diff.origin = included.origin;
  diff.where = included.where;
  diff.components.push_back(std::move(included));
  diff.components.push_back(std::move(excluded));
  return diff;
}

Result<SelectionSpec> ParseSetDefinition(const YamlNode& node, const std::string& origin) {
  const bool is_union = node.Find("union") != nullptr;
  std::string_view key = is_union ? "union" : "intersection";
  if (node.entries.size() > 1) {
    return YamlError(node, "a '" + std::string(key) + "' definition takes no other keys")
        .WithHint("put exclusions inside the list: - exclude: [...]");
  }
  ASSIGN_OR_RETURN(std::vector<const YamlNode*> items, ListOf(*node.Find(key), key));
  SelectionSpec group;
  group.kind = is_union ? SelectionSpec::Kind::kUnion : SelectionSpec::Kind::kIntersection;
  group.origin = origin;
  group.where = node.location;
  std::optional<SelectionSpec> excluded;
  for (const YamlNode* item : items) {
    if (item->is_map() && item->Find("exclude") != nullptr) {
      if (excluded) return YamlError(*item, "only one 'exclude' is allowed per '" + std::string(key) + "'");
      if (item->entries.size() > 1) return YamlError(*item, "an 'exclude' item takes no other keys");
      ASSIGN_OR_RETURN(excluded, ParseExclusions(*item->Find("exclude"), origin));
      continue;
    }
    ASSIGN_OR_RETURN(SelectionSpec part, ParseDefinition(*item, origin));
    group.components.push_back(std::move(part));
  }
  if (excluded) return Difference(std::move(group), std::move(*excluded));
  return group;
}

const std::vector<std::string> kCriterionKeys{
    "method",         "value",         "children",          "parents",
    "children_depth", "parents_depth", "childrens_parents", "indirect_selection",
    "exclude"};

Result<SelectionSpec> ParseDictDefinition(const YamlNode& node, const std::string& origin) {
  SelectionSpec leaf;
  leaf.kind = SelectionSpec::Kind::kCriterion;
  leaf.origin = origin;
  leaf.where = node.location;
  Criterion& c = leaf.criterion;
  std::string method_text;
  std::optional<SelectionSpec> excluded;
  if (node.entries.size() == 1 && node.entries[0].key != "method" && node.entries[0].key != "value") {
    // Key-value form: `tag: nightly`.
    const auto& e = node.entries[0];
    method_text = e.key;
    ASSIGN_OR_RETURN(c.value, ScalarText(e.value, "the value of '" + e.key + "'"));
  } else {
    if (node.Find("method") == nullptr || node.Find("value") == nullptr) {
      return YamlError(node, "a selector definition needs both 'method' and 'value' (or one 'method: value' pair)");
    }
    RETURN_IF_ERROR(CheckKeys(node, kCriterionKeys, "a selector definition"));
    ASSIGN_OR_RETURN(method_text, ScalarText(*node.Find("method"), "'method'"));
    ASSIGN_OR_RETURN(c.value, ScalarText(*node.Find("value"), "'value'"));
    ASSIGN_OR_RETURN(c.children, FlagOf(node.Find("children")));
    ASSIGN_OR_RETURN(c.parents, FlagOf(node.Find("parents")));
    ASSIGN_OR_RETURN(c.childrens_parents, FlagOf(node.Find("childrens_parents")));
    ASSIGN_OR_RETURN(c.children_depth, DepthOf(node.Find("children_depth")));
    ASSIGN_OR_RETURN(c.parents_depth, DepthOf(node.Find("parents_depth")));
    if (const YamlNode* mode = node.Find("indirect_selection"); mode != nullptr) {
      ASSIGN_OR_RETURN(std::string text, ScalarText(*mode, "'indirect_selection'"));
      auto parsed = ParseIndirectSelection(text);
      if (!parsed.ok()) return Status(parsed.status()).WithLocation(mode->location);
      c.indirect = *parsed;
    }
    if (const YamlNode* excl = node.Find("exclude"); excl != nullptr) {
      ASSIGN_OR_RETURN(excluded, ParseExclusions(*excl, origin));
    }
    if (c.childrens_parents && c.children) {
      return YamlError(node, "'childrens_parents' and 'children' cannot be combined (dbt's '@' and '+' suffix)");
    }
  }
  c.raw = method_text + ":" + c.value;
  leaf.raw = c.raw;
  if (method_text.empty() || !std::all_of(method_text.begin(), method_text.end(), IsMethodChar)) {
    return YamlError(node, "invalid method name '" + method_text + "'")
        .WithHint(ChoiceHint(method_text, MethodNames()));
  }
  Status resolved = ResolveMethod(method_text, c, origin);
  if (resolved.ok()) resolved = ValidateCriterion(c, origin);
  if (!resolved.ok()) return std::move(resolved).WithLocation(node.location);
  if (excluded) return Difference(std::move(leaf), std::move(*excluded));
  return leaf;
}

Result<SelectionSpec> ParseDefinition(const YamlNode& node, const std::string& origin) {
  if (node.is_scalar()) {
    std::vector<std::string> args{node.scalar};
    auto spec = ParseCliSpecs(args, origin, false);
    if (!spec.ok()) return Status(spec.status()).WithLocation(node.location);
    spec->where = node.location;
    return spec;
  }
  if (node.is_map()) {
    if (node.Find("union") != nullptr || node.Find("intersection") != nullptr) {
      return ParseSetDefinition(node, origin);
    }
    return ParseDictDefinition(node, origin);
  }
  return YamlError(node,
                   "a selector definition is a string, a 'method: value' map, a union or an intersection, not a " +
                       std::string(node.KindName()));
}

}  // namespace

Result<std::vector<NamedSelector>> ParseSelectorsFile(const YamlNode& root) {
  if (!root.is_map() || root.Find("selectors") == nullptr) {
    return YamlError(root, "selectors.yml must be a map with a 'selectors' list");
  }
  RETURN_IF_ERROR(CheckKeys(root, {"selectors"}, "selectors.yml"));
  const YamlNode& list = *root.Find("selectors");
  if (!list.is_sequence()) return YamlError(list, "'selectors' must be a list");
  std::vector<NamedSelector> out;
  for (const YamlNode& item : list.items) {
    if (!item.is_map()) return YamlError(item, "each selector is a map with 'name' and 'definition'");
    RETURN_IF_ERROR(CheckKeys(item, {"name", "description", "default", "definition"}, "a selector"));
    const YamlNode* name = item.Find("name");
    const YamlNode* definition = item.Find("definition");
    if (name == nullptr) return YamlError(item, "a selector needs a 'name'");
    NamedSelector sel;
    ASSIGN_OR_RETURN(sel.name, ScalarText(*name, "'name'"));
    if (definition == nullptr) return YamlError(item, "selector '" + sel.name + "' needs a 'definition'");
    for (const NamedSelector& earlier : out) {
      if (earlier.name == sel.name) {
        return YamlError(*name,
                         "selector '" + sel.name + "' is defined twice (first at " + earlier.where.ToString() + ")");
      }
    }
    sel.where = item.location;
    sel.default_node = item.Find("default");
    ASSIGN_OR_RETURN(sel.definition, ParseDefinition(*definition, "selector '" + sel.name + "'"));
    out.push_back(std::move(sel));
  }
  return out;
}

}  // namespace internal
}  // namespace floe::models
