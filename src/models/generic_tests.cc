#include "models/internal/generic_tests.h"

#include <algorithm>
#include <cctype>

#include "core/strings.h"
#include "models/config_keys.h"
#include "models/internal/dbt_context.h"
#include "models/materialize.h"
#include "storage/digest.h"

namespace floe::models {
namespace {

using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

bool IsRelationExpression(const std::string& s) {
  size_t i = s.find_first_not_of(" \t");
  if (i == std::string::npos) return false;
  std::string_view rest(s.c_str() + i);
  return (rest.starts_with("ref(") || rest.starts_with("source(") || rest.starts_with("ref (") ||
          rest.starts_with("source (")) &&
         s.find_last_not_of(" \t") != std::string::npos && s[s.find_last_not_of(" \t")] == ')';
}

// A value written as a Jinja literal, so the test's SQL can pass it on.
std::string JinjaLiteral(const Value& v, bool top_level) {
  switch (v.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kUndefined:
      return "none";
    case Value::Kind::kBool:
      return v.AsBool() ? "true" : "false";
    case Value::Kind::kInt:
    case Value::Kind::kDouble:
      return tmpl::ToDisplayString(v, tmpl::Dialect::kJinja);
    case Value::Kind::kString: {
      // `to: ref('customers')` is an expression, as dbt reads it.
      if (top_level && IsRelationExpression(v.AsString())) return v.AsString();
      std::string out = "'";
      for (char c : v.AsString()) {
        if (c == '\'' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out + "'";
    }
    case Value::Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < v.AsList().size(); ++i) out += (i ? ", " : "") + JinjaLiteral(v.AsList()[i], false);
      return out + "]";
    }
    case Value::Kind::kMap: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, x] : v.AsMap()) {
        out += (first ? "" : ", ") + JinjaLiteral(Value(k), false) + ": " + JinjaLiteral(x, false);
        first = false;
      }
      return out + "}";
    }
    case Value::Kind::kCallable:
      return "none";
  }
  return "none";
}

std::string CleanArg(const std::string& s) {
  std::string out;
  bool in_run = false;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      out += c;
      in_run = false;
    } else if (!in_run) {
      out += '_';
      in_run = true;
    }
  }
  return out;
}

// dbt's synthesised name: test_unique_orders_id, accepted_values_orders_status__a__b;
// names of 64 characters or more are shortened with a hash.
std::string TestName(const std::string& namespace_prefix, const std::string& test_name, const std::string& target,
                     const ValueMap& args) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : args)
    if (k != "model") keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> flat;
  for (const auto& k : keys) {
    const Value& v = *args.Find(k);
    auto add = [&flat](const Value& part) {
      flat.push_back(part.is_string() ? part.AsString() : tmpl::ToDisplayString(part, tmpl::Dialect::kJinja));
    };
    if (v.is_map()) {
      for (const auto& [mk, mv] : v.AsMap()) add(mv);
    } else if (v.is_list()) {
      for (const auto& item : v.AsList()) add(item);
    } else {
      add(v);
    }
  }
  std::string unique;
  for (size_t i = 0; i < flat.size(); ++i) unique += (i ? "__" : "") + CleanArg(flat[i]);
  std::string identifier = (namespace_prefix.empty() ? "" : namespace_prefix + "_") + test_name;
  std::string full = identifier + "_" + target + "_" + unique;
  if (full.size() >= 64) return identifier.substr(0, 30) + "_" + storage::Md5Hex(full);
  return full;
}

struct Target {
  std::string expression;  // ref('orders') or source('raw', 'orders')
  std::string name;        // orders, source_raw_orders
  std::string package;
  std::optional<size_t> node;
  std::vector<std::string> fqn_prefix;
};

class Expander {
 public:
  Expander(Manifest& m, std::vector<Status>& errors) : m_(m), errors_(errors) {}

  void Run() {
    size_t count = m_.nodes.size();
    for (size_t i = 0; i < count; ++i) {
      const Node& n = m_.nodes[i].node;
      if (n.resource_type == ResourceType::kTest) continue;
      std::string versioned = n.version ? ", v=" + JinjaLiteral(Value(*n.version), false) : "";
      Target t{
          "ref(" + JinjaLiteral(Value(n.package), false) + ", " + JinjaLiteral(Value(n.name), false) + versioned + ")",
          n.name,
          n.package,
          i,
          {}};
      std::vector<TestSpec> specs = n.tests;
      for (const auto& c : n.columns)
        for (const auto& s : c.tests) specs.push_back(s);
      for (const auto& spec : specs) Add(t, spec, n.patch_path);
    }
    for (const auto& s : m_.sources) {
      Target t{"source(" + JinjaLiteral(Value(s.source_name), false) + ", " + JinjaLiteral(Value(s.name), false) + ")",
               "source_" + s.source_name + "_" + s.name,
               s.package,
               std::nullopt,
               {}};
      std::vector<TestSpec> specs = s.tests;
      for (const auto& c : s.columns)
        for (const auto& spec : c.tests) specs.push_back(spec);
      for (const auto& spec : specs) Add(t, spec, s.original_file_path);
    }
  }

 private:
  void Add(const Target& target, const TestSpec& spec, const std::string& property_file) {
    std::string ns, test = spec.test_name;
    if (auto dot = test.find('.'); dot != std::string::npos) {
      ns = test.substr(0, dot);
      test = test.substr(dot + 1);
    }
    std::string macro = (ns.empty() ? "" : ns + ".") + "test_" + test;
    if (!m_.jinja->env.FindFunction(macro)) {
      std::vector<std::string> known;
      for (const auto& name : m_.jinja->env.FunctionNames())
        if (name.starts_with("test_")) known.push_back(name.substr(5));
      errors_.push_back(InvalidArgument("unknown generic test '" + spec.test_name + "'")
                            .WithLocation(spec.where)
                            .WithHint(DidYouMean(test, known)));
      return;
    }
    ValueMap args;
    if (!spec.column.empty()) args.Set("column_name", Value(spec.column));
    if (spec.arguments.is_map())
      for (const auto& [k, v] : spec.arguments.AsMap()) args.Set(k, v);
    std::string name = spec.custom_name.empty() ? TestName(ns, test, target.name, args) : spec.custom_name;

    ParsedNode p;
    Node& n = p.node;
    n.resource_type = ResourceType::kTest;
    n.package = target.package;
    n.name = name;
    n.unique_id = "test." + target.package + "." + name + "." +
                  storage::Md5Hex(target.expression + "|" + spec.test_name + "|" + JinjaLiteral(Value(args), false))
                      .substr(0, 10);
    n.original_file_path = spec.where.file.empty() ? property_file : spec.where.file;
    n.path = name + ".sql";
    n.fqn = {target.package};
    std::filesystem::path folder = std::filesystem::path(n.original_file_path).parent_path();
    bool first = true;
    for (const auto& part : folder) {
      if (first) {  // the resource folder itself ("models") is not part of the fqn
        first = false;
        continue;
      }
      n.fqn.push_back(part.string());
    }
    n.fqn.push_back(name);
    n.package_root = target.node ? m_.nodes[*target.node].node.package_root : m_.project.root;
    ValueMap config;
    config.Set("enabled", Value(true));
    config.Set("severity", Value("ERROR"));
    config.Set("warn_if", Value("!= 0"));
    config.Set("error_if", Value("!= 0"));
    config.Set("store_failures", Value());
    config.Set("where", Value());
    config.Set("limit", Value());
    if (spec.config.is_map())
      for (const auto& [k, v] : spec.config.AsMap()) MergeConfigValue(config, k, v);
    n.config = Value(std::move(config));

    std::string call = "{{ " + macro + "(model=get_where_subquery(" + target.expression + ")";
    for (const auto& [k, v] : args) call += ", " + k + "=" + JinjaLiteral(v, true);
    call += ") }}";
    n.raw_code = call;
    n.raw_code_line = spec.where.line > 0 ? spec.where.line : 1;
    p.attached_node = target.node;
    p.test_macro = macro;
    p.test_kwargs = Value(std::move(args));
    p.column_name = spec.column;
    m_.nodes.push_back(std::move(p));
  }

  Manifest& m_;
  std::vector<Status>& errors_;
};

}  // namespace

Status AddGenericTests(Manifest& manifest, std::vector<Status>& errors) {
  Expander(manifest, errors).Run();
  return Status::Ok();
}

std::string TestResultSql(const ParsedNode& test, const std::string& compiled_sql) {
  std::string limit = ConfigText(test, "limit", "");
  std::string fail_calc = ConfigText(test, "fail_calc", "count(*)");
  return "select " + fail_calc + " as failures, " + fail_calc + " " + ConfigText(test, "warn_if", "!= 0") +
         " as should_warn, " + fail_calc + " " + ConfigText(test, "error_if", "!= 0") + " as should_error from (\n" +
         compiled_sql + (limit.empty() ? "" : "\nlimit " + limit) + "\n) dbt_internal_test";
}

}  // namespace floe::models
