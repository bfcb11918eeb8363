#include <algorithm>
#include <cctype>

#include "tmpl/internal/builtins.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {

void AddTests(Environment& env) {
  auto simple = [&env](const char* name, bool (*f)(const Value&)) {
    env.AddTest(name, [f](const Value& v, Args&) -> Result<bool> { return f(v); });
  };
  simple("defined", [](const Value& v) { return !v.is_undefined(); });
  simple("undefined", [](const Value& v) { return v.is_undefined(); });
  simple("none", [](const Value& v) { return v.is_null(); });
  simple("null", [](const Value& v) { return v.is_null() || v.is_undefined(); });
  simple("empty", [](const Value& v) { return !v.Truthy() && !v.is_bool() && !v.is_number(); });
  simple("number", [](const Value& v) { return v.is_number(); });
  simple("integer", [](const Value& v) { return v.is_int(); });
  simple("float", [](const Value& v) { return v.is_double(); });
  simple("string", [](const Value& v) { return v.is_string(); });
  simple("boolean", [](const Value& v) { return v.is_bool(); });
  simple("true", [](const Value& v) { return v.is_bool() && v.AsBool(); });
  simple("false", [](const Value& v) { return v.is_bool() && !v.AsBool(); });
  simple("mapping", [](const Value& v) { return v.is_map(); });
  // Kestra's `json` test: a map, a list, or a string that parses as JSON.
  simple("json",
         [](const Value& v) { return v.is_map() || v.is_list() || (v.is_string() && ParseJson(v.AsString()).ok()); });
  simple("map", [](const Value& v) { return v.is_map(); });
  simple("iterable", [](const Value& v) { return v.is_list() || v.is_map() || v.is_string(); });
  simple("sequence", [](const Value& v) { return v.is_list() || v.is_string(); });
  simple("callable", [](const Value& v) { return v.is_callable(); });
  simple("lower", [](const Value& v) {
    return v.is_string() && std::none_of(v.AsString().begin(), v.AsString().end(), ::isupper);
  });
  simple("upper", [](const Value& v) {
    return v.is_string() && std::none_of(v.AsString().begin(), v.AsString().end(), ::islower);
  });
  auto parity = [](bool even) {
    return [even](const Value& v, Args&) -> Result<bool> {
      if (!v.is_int())
        return InvalidArgument(std::string(even ? "'even'" : "'odd'") + " needs an int, got " +
                               std::string(v.TypeName()));
      return (v.AsInt() % 2 == 0) == even;
    };
  };
  env.AddTest("even", parity(true));
  env.AddTest("odd", parity(false));
  env.AddTest("divisibleby", [](const Value& v, Args& args) -> Result<bool> {
    const Value* n = args.Arg(0, "num");
    if (!v.is_int() || !n || !n->is_int() || n->AsInt() == 0)
      return InvalidArgument("'divisibleby' needs two ints, the second non-zero");
    return v.AsInt() % n->AsInt() == 0;
  });
  auto compare = [](const char* name, bool (*f)(int)) {
    return [name, f](const Value& v, Args& args) -> Result<bool> {
      const Value* other = args.Arg(0, "other");
      if (!other) return InvalidArgument(std::string("'") + name + "' needs a value to compare with");
      if (std::string_view(name) == "eq" || std::string_view(name) == "ne") return f(v.Equals(*other) ? 0 : 1);
      auto less = Less(v, *other, true);
      if (!less.ok()) return less.status();
      auto greater = Less(*other, v, true);
      return f(*less ? -1 : (*greater ? 1 : 0));
    };
  };
  env.AddTest("eq", compare("eq", [](int c) { return c == 0; }));
  env.AddTest("equalto", compare("eq", [](int c) { return c == 0; }));
  env.AddTest("sameas", compare("eq", [](int c) { return c == 0; }));
  env.AddTest("ne", compare("ne", [](int c) { return c != 0; }));
  env.AddTest("lt", compare("lt", [](int c) { return c < 0; }));
  env.AddTest("le", compare("le", [](int c) { return c <= 0; }));
  env.AddTest("gt", compare("gt", [](int c) { return c > 0; }));
  env.AddTest("ge", compare("ge", [](int c) { return c >= 0; }));
  env.AddTest("in", [](const Value& v, Args& args) -> Result<bool> {
    const Value* seq = args.Arg(0, "seq");
    if (!seq) return InvalidArgument("'in' needs a sequence");
    if (seq->is_list())
      return std::any_of(seq->AsList().begin(), seq->AsList().end(), [&](const Value& x) { return x.Equals(v); });
    if (seq->is_map()) return v.is_string() && seq->AsMap().Find(v.AsString()) != nullptr;
    if (seq->is_string()) return v.is_string() && seq->AsString().find(v.AsString()) != std::string::npos;
    return InvalidArgument("'in' needs a list, map or string");
  });
}

}  // namespace floe::tmpl::builtins
