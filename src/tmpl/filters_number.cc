#include <cmath>
#include <cstdio>
#include <cstdlib>

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

// Java's DecimalFormat patterns, as Pebble's numberFormat uses them:
// "#,##0.00", "0.###", "#%", with literal prefix and suffix text ('quoted'
// or plain), HALF_EVEN rounding and an English locale.
struct DecimalPattern {
  std::string prefix, suffix;
  int min_int = 0, min_frac = 0, max_frac = 0, grouping = 0;
  int scale = 1;  // 100 with %, 1000 with per mille
};

Result<DecimalPattern> ParseDecimalPattern(std::string_view pattern) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("'" + std::string(pattern) + "' is not a number format: " + why)
        .WithHint("use a Java DecimalFormat pattern such as #,##0.00");
  };
  if (pattern.find(';') != std::string_view::npos) return bad("negative subpatterns (;) are not supported");
  DecimalPattern p;
  std::string* affix = &p.prefix;
  bool in_number = false, after_number = false, in_fraction = false;
  int since_group = -1;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    bool numeric = c == '#' || c == '0' || c == ',' || c == '.';
    if (numeric && !after_number) {
      in_number = true;
      if (c == '.') {
        if (in_fraction) return bad("two decimal points");
        in_fraction = true;
        if (since_group >= 0) p.grouping = since_group;
        since_group = -1;
      } else if (c == ',') {
        if (in_fraction) return bad("a grouping comma after the decimal point");
        since_group = 0;
      } else if (in_fraction) {
        ++p.max_frac;
        if (c == '0') {
          if (p.min_frac != p.max_frac - 1) return bad("'0' after '#' in the fraction");
          ++p.min_frac;
        }
      } else {
        if (c == '0') ++p.min_int;
        if (since_group >= 0) ++since_group;
      }
      continue;
    }
    if (in_number && !after_number) {
      after_number = true;
      affix = &p.suffix;
    }
    if (c == 'E') return bad("exponents (E) are not supported");
    if (c == '\'') {
      size_t close = pattern.find('\'', i + 1);
      if (close == std::string_view::npos) return bad("unclosed quote");
      *affix += close == i + 1 ? "'" : std::string(pattern.substr(i + 1, close - i - 1));
      i = close;
      continue;
    }
    if (c == '%') p.scale = 100;
    if (pattern.substr(i, 3) == "\u2030") p.scale = 1000;
    *affix += c;
  }
  if (!in_number) return bad("no digits (# or 0)");
  if (!in_fraction && since_group >= 0) p.grouping = since_group;
  if (p.min_int == 0 && p.max_frac == 0) p.min_int = 1;
  return p;
}

std::string FormatDecimal(double v, const DecimalPattern& p) {
  bool negative = std::signbit(v) && v != 0;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", p.max_frac, std::fabs(v * p.scale));  // glibc: exact, ties to even
  std::string digits(buf);
  size_t dot = digits.find('.');
  std::string int_part = digits.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : digits.substr(dot + 1);
  while (static_cast<int>(frac.size()) > p.min_frac && !frac.empty() && frac.back() == '0') frac.pop_back();
  int_part.erase(0, std::min(int_part.find_first_not_of('0'), int_part.size()));
  while (static_cast<int>(int_part.size()) < p.min_int) int_part.insert(int_part.begin(), '0');
  if (p.grouping > 0) {
    for (int at = static_cast<int>(int_part.size()) - p.grouping; at > 0; at -= p.grouping)
      int_part.insert(static_cast<size_t>(at), ",");
  }
  bool zero = int_part.find_first_not_of("0,") == std::string::npos && frac.find_first_not_of('0') == std::string::npos;
  std::string out = (negative && !zero ? "-" : "") + p.prefix + int_part;
  if (!frac.empty()) out += "." + frac;
  return out + p.suffix;
}

}  // namespace

void AddNumberAndJsonFilters(Environment& env) {
  // Pebble's numberFormat(pattern): a Java DecimalFormat pattern.
  env.AddFilter("numberFormat", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string pattern, StringArg(st, "numberFormat", args, 0, "format"));
    auto parsed = ParseDecimalPattern(pattern);
    if (!parsed.ok()) return ArgError(st, "numberFormat", parsed.status().ToString());
    if (!in.is_int() && !in.is_double())
      return ArgError(st, "numberFormat", "needs a number, got " + std::string(in.TypeName()));
    if (in.is_int() && std::llabs(in.AsInt()) > (int64_t{1} << 53))
      return ArgError(st, "numberFormat", "integers beyond 2^53 are not supported");
    double v = in.is_int() ? static_cast<double>(in.AsInt()) : in.AsDouble();
    if (!std::isfinite(v)) return ArgError(st, "numberFormat", "needs a finite number");
    return Value(FormatDecimal(v, *parsed));
  });
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
