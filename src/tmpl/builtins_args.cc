#include <algorithm>
#include <cctype>
#include <cerrno>

#include "core/strings.h"
#include "tmpl/internal/builtins.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {

Status ArgError(RenderState& st, std::string_view filter, std::string message) {
  return st.Error("'" + std::string(filter) + "': " + message);
}

Result<std::string> StringArg(RenderState& st, std::string_view fn, const Args& args, size_t i, std::string_view name,
                              const char* fallback) {
  const Value* v = args.Arg(i, name);
  if (!v) {
    if (fallback) return std::string(fallback);
    return ArgError(st, fn, "missing argument '" + std::string(name) + "'");
  }
  if (v->is_string()) return v->AsString();
  if (v->is_undefined()) return ArgError(st, fn, "argument '" + std::string(name) + "' is undefined");
  return ToDisplayString(*v, st.dialect());
}

Result<int64_t> IntArg(RenderState& st, std::string_view fn, const Args& args, size_t i, std::string_view name,
                       std::optional<int64_t> fallback) {
  const Value* v = args.Arg(i, name);
  if (!v) {
    if (fallback) return *fallback;
    return ArgError(st, fn, "missing argument '" + std::string(name) + "'");
  }
  if (v->is_int()) return v->AsInt();
  if (v->is_double()) return static_cast<int64_t>(v->AsDouble());
  return ArgError(st, fn, "argument '" + std::string(name) + "' must be an int, got " + std::string(v->TypeName()));
}

std::string Text(const Value& v, RenderState& st) {
  return v.is_string() ? v.AsString() : ToDisplayString(v, st.dialect());
}

Result<ValueList> AsItems(const Value& v, RenderState& st, std::string_view fn) {
  if (v.is_list()) return v.AsList();
  if (v.is_map()) {
    ValueList keys;
    for (const auto& [k, x] : v.AsMap()) keys.push_back(Value(k));
    return keys;
  }
  if (v.is_string()) {
    ValueList chars;
    for (char c : v.AsString()) chars.push_back(Value(std::string(1, c)));
    return chars;
  }
  if (v.is_null() || v.is_undefined()) return ValueList{};
  return ArgError(st, fn, "expects a list, got " + std::string(v.TypeName()));
}

// Orders values of one kind (numbers, or strings); mixed kinds fail.
Result<bool> Less(const Value& a, const Value& b, bool case_sensitive) {
  if (a.is_number() && b.is_number()) return a.AsDouble() < b.AsDouble();
  if (a.is_string() && b.is_string()) {
    if (case_sensitive) return a.AsString() < b.AsString();
    return std::lexicographical_compare(
        a.AsString().begin(), a.AsString().end(), b.AsString().begin(), b.AsString().end(), [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
        });
  }
  if (a.is_bool() && b.is_bool()) return !a.AsBool() && b.AsBool();
  if (a.is_null() && !b.is_null()) return true;
  if (b.is_null()) return false;
  return InvalidArgument("cannot order " + std::string(a.TypeName()) + " and " + std::string(b.TypeName()));
}

// Follows "a.b.0" through maps and lists.
Value Attribute(const Value& v, std::string_view path) {
  Value cur = v;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string_view part = path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (cur.is_map()) {
      const Value* next = cur.AsMap().Find(part);
      if (!next) return Value::Undefined(std::string(path));
      cur = *next;
    } else if (cur.is_list() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
      std::optional<size_t> i = ParseIndex(part);
      if (!i || *i >= cur.AsList().size()) return Value::Undefined(std::string(path));
      cur = cur.AsList()[*i];
    } else {
      return Value::Undefined(std::string(path));
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return cur;
}

Result<Value> ToNumber(const Value& in, RenderState& st, std::string_view fn, bool want_int) {
  if (in.is_int()) return want_int ? in : Value(static_cast<double>(in.AsInt()));
  if (in.is_double()) return want_int ? Value(static_cast<int64_t>(in.AsDouble())) : in;
  if (in.is_bool()) return want_int ? Value(int64_t{in.AsBool()}) : Value(in.AsBool() ? 1.0 : 0.0);
  if (in.is_string()) {
    std::string s = in.AsString();
    s.erase(0, s.find_first_not_of(" \t\n"));
    s.erase(s.find_last_not_of(" \t\n") + 1);
    char* end = nullptr;
    errno = 0;
    if (want_int || fn == "number") {
      long long i = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && end == s.c_str() + s.size() && errno == 0) return Value(static_cast<int64_t>(i));
    }
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return want_int ? Value(static_cast<int64_t>(d)) : Value(d);
    return ArgError(st, fn, "'" + in.AsString() + "' is not a number");
  }
  return ArgError(st, fn, "cannot convert " + std::string(in.TypeName()) + " to a number");
}

}  // namespace floe::tmpl::builtins
