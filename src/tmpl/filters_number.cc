#include <cmath>

#include "tmpl/internal/builtins.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {
namespace {

void AddJsonFilters(Environment& env) {
  auto to_json = [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    const Value* indent = args.Arg(0, "indent");
    // Jinja's tojson spaces its separators like json.dumps; Pebble's is compact.
    return Value(ToJson(in, indent && indent->is_int() ? static_cast<int>(indent->AsInt()) : -1,
                        st.dialect() == Dialect::kJinja));
  };
  env.AddFilter("json", to_json);
  env.AddFilter("toJson", to_json);
  env.AddFilter("tojson", to_json);
  env.AddFilter("fromJson", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    auto v = ParseJson(Text(in, st));
    if (!v.ok()) return ArgError(st, "fromJson", v.status().message());
    return v;
  });
}

}  // namespace

void AddNumberAndJsonFilters(Environment& env) {
  AddJsonFilters(env);
  env.AddFilter("abs", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (in.is_int()) return Value(in.AsInt() < 0 ? -in.AsInt() : in.AsInt());
    if (in.is_double()) return Value(std::fabs(in.AsDouble()));
    return ArgError(st, "abs", "needs a number, got " + std::string(in.TypeName()));
  });
  env.AddFilter("round", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(Value num, ToNumber(in, st, "round", false));
    ASSIGN_OR_RETURN(int64_t precision, IntArg(st, "round", args, 0, "precision", 0));
    ASSIGN_OR_RETURN(std::string method, StringArg(st, "round", args, 1, "method", "common"));
    double scale = std::pow(10.0, static_cast<double>(precision));
    double x = num.AsDouble() * scale;
    if (method == "common")
      x = std::round(x);
    else if (method == "ceil")
      x = std::ceil(x);
    else if (method == "floor")
      x = std::floor(x);
    else
      return ArgError(st, "round", "method must be common, ceil or floor");
    return Value(x / scale);
  });
  env.AddFilter("int", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    auto r = ToNumber(in, st, "int", true);
    if (!r.ok() && args.Arg(0, "default")) return *args.Arg(0, "default");
    return r;
  });
  env.AddFilter("float", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    auto r = ToNumber(in, st, "float", false);
    if (!r.ok() && args.Arg(0, "default")) return *args.Arg(0, "default");
    return r;
  });
  // Kestra: number(type) with INT, LONG, FLOAT, DOUBLE, BIGDECIMAL or
  // BIGINTEGER; without a type, an int when the text is one.
  env.AddFilter("number", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string type, StringArg(st, "number", args, 0, "type", ""));
    if (type.empty()) return ToNumber(in, st, "number", false);
    if (type == "INT" || type == "LONG" || type == "BIGINTEGER") {
      if (in.is_string() && in.AsString().find_first_of(".eE") != std::string::npos)
        return ArgError(st, "number", "'" + in.AsString() + "' is not an integer");
      return ToNumber(in, st, "number", true);
    }
    if (type == "FLOAT" || type == "DOUBLE" || type == "BIGDECIMAL") {
      ASSIGN_OR_RETURN(Value n, ToNumber(in, st, "number", false));
      return n.is_int() ? Value(static_cast<double>(n.AsInt())) : n;
    }
    return ArgError(st, "number", "unknown type '" + type + "'")
        .WithHint("use INT, LONG, FLOAT, DOUBLE, BIGDECIMAL or BIGINTEGER");
  });
}

}  // namespace floe::tmpl::builtins
