// The standard filters, tests and functions (Environment::Standard()).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include "core/time.h"
#include "tmpl/json.h"
#include "tmpl/render_state.h"
#include "tmpl/template.h"

namespace floe::tmpl {
namespace {

using Args = CallArgs;

Status ArgError(RenderState& st, std::string_view filter, std::string message) {
  return st.Error("'" + std::string(filter) + "': " + message);
}

Result<std::string> StringArg(RenderState& st, std::string_view fn, const Args& args, size_t i, std::string_view name,
                              const char* fallback = nullptr) {
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
                       std::optional<int64_t> fallback = std::nullopt) {
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
      size_t i = std::stoul(std::string(part));
      if (i >= cur.AsList().size()) return Value::Undefined(std::string(path));
      cur = cur.AsList()[i];
    } else {
      return Value::Undefined(std::string(path));
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return cur;
}

Result<Value> SortFilter(const Value& in, Args& args, RenderState& st) {
  ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "sort"));
  bool reverse = args.Arg(0, "reverse") && args.Arg(0, "reverse")->Truthy();
  bool case_sensitive = args.Arg(1, "case_sensitive") && args.Arg(1, "case_sensitive")->Truthy();
  const Value* attr = args.Arg(2, "attribute");
  Status error;
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    Value x = attr ? Attribute(a, Text(*attr, st)) : a;
    Value y = attr ? Attribute(b, Text(*attr, st)) : b;
    auto r = Less(x, y, case_sensitive);
    if (!r.ok()) {
      if (error.ok()) error = r.status();
      return false;
    }
    return *r;
  });
  if (!error.ok()) return ArgError(st, "sort", error.message());
  if (reverse) std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

Result<Value> MinMax(const Value& in, Args& args, RenderState& st, bool want_max) {
  ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, want_max ? "max" : "min"));
  if (items.empty()) return Value::Undefined(want_max ? "max of an empty list" : "min of an empty list");
  const Value* attr = args.Arg(1, "attribute");
  Value best = items[0];
  for (size_t i = 1; i < items.size(); ++i) {
    Value a = attr ? Attribute(items[i], Text(*attr, st)) : items[i];
    Value b = attr ? Attribute(best, Text(*attr, st)) : best;
    auto less = want_max ? Less(b, a, false) : Less(a, b, false);
    if (!less.ok()) return st.Error(less.status().message());
    if (*less) best = items[i];
  }
  return best;
}

std::string Indent(const std::string& s, int64_t width, bool first) {
  std::string pad(static_cast<size_t>(std::max<int64_t>(0, width)), ' ');
  std::string out;
  bool at_line_start = first;
  for (char c : s) {
    if (at_line_start && c != '\n') out += pad;
    at_line_start = false;
    out += c;
    if (c == '\n') at_line_start = true;
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Result<std::string> UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n =
        (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const char* p = std::strchr(kBase64, c);
    if (!p || c == '\0') return InvalidArgument(std::string("invalid base64 character '") + c + "'");
    buf = (buf << 6) | static_cast<uint32_t>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
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

void AddStringFilters(Environment& env) {
  auto map_chars = [](int (*f)(int)) {
    return [f](const Value& in, Args&, RenderState& st) -> Result<Value> {
      std::string s = Text(in, st);
      for (char& c : s) c = static_cast<char>(f(static_cast<unsigned char>(c)));
      return Value(std::move(s));
    };
  };
  env.AddFilter("upper", map_chars(::toupper));
  env.AddFilter("lower", map_chars(::tolower));
  env.AddFilter("capitalize", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    std::string s = Text(in, st);
    for (size_t i = 0; i < s.size(); ++i)
      s[i] = static_cast<char>(i == 0 ? std::toupper(static_cast<unsigned char>(s[i]))
                                      : std::tolower(static_cast<unsigned char>(s[i])));
    return Value(std::move(s));
  });
  env.AddFilter("title", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    std::string s = Text(in, st);
    bool start = true;
    for (char& c : s) {
      auto u = static_cast<unsigned char>(c);
      c = static_cast<char>(start ? std::toupper(u) : std::tolower(u));
      start = !std::isalnum(u);
    }
    return Value(std::move(s));
  });
  env.AddFilter("trim", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    std::string s = Text(in, st);
    ASSIGN_OR_RETURN(std::string chars, StringArg(st, "trim", args, 0, "chars", " \t\r\n\v\f"));
    size_t b = s.find_first_not_of(chars);
    if (b == std::string::npos) return Value(std::string());
    size_t e = s.find_last_not_of(chars);
    return Value(s.substr(b, e - b + 1));
  });
  env.AddFilter("replace", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    std::string s = Text(in, st);
    // Pebble passes a map of replacements; Jinja passes (old, new[, count]).
    if (args.positional.size() == 1 && args.positional[0].is_map()) {
      for (const auto& [from, to] : args.positional[0].AsMap()) {
        if (from.empty()) continue;
        std::string out;
        size_t pos = 0, hit;
        std::string repl = Text(to, st);
        while ((hit = s.find(from, pos)) != std::string::npos) {
          out += s.substr(pos, hit - pos) + repl;
          pos = hit + from.size();
        }
        s = out + s.substr(pos);
      }
      return Value(std::move(s));
    }
    ASSIGN_OR_RETURN(std::string from, StringArg(st, "replace", args, 0, "old"));
    ASSIGN_OR_RETURN(std::string to, StringArg(st, "replace", args, 1, "new"));
    ASSIGN_OR_RETURN(int64_t count, IntArg(st, "replace", args, 2, "count", -1));
    std::string out;
    size_t pos = 0;
    if (from.empty()) return Value(s);
    for (int64_t n = 0; count < 0 || n < count; ++n) {
      size_t hit = s.find(from, pos);
      if (hit == std::string::npos) break;
      out += s.substr(pos, hit - pos) + to;
      pos = hit + from.size();
    }
    return Value(out + s.substr(pos));
  });
  env.AddFilter("split", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    std::string s = Text(in, st);
    const Value* sep_arg = args.Arg(0, "sep");
    ASSIGN_OR_RETURN(int64_t limit, IntArg(st, "split", args, 1, "limit", -1));
    ValueList parts;
    if (!sep_arg || sep_arg->is_null()) {
      size_t i = 0;
      while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i >= s.size()) break;
        size_t j = i;
        while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
        parts.push_back(Value(s.substr(i, j - i)));
        i = j;
      }
      return Value(std::move(parts));
    }
    std::string sep = Text(*sep_arg, st);
    if (sep.empty()) return ArgError(st, "split", "empty separator");
    size_t pos = 0;
    while (limit < 0 || static_cast<int64_t>(parts.size()) < limit - 1 + (limit == 0 ? 1 : 0)) {
      size_t hit = s.find(sep, pos);
      if (hit == std::string::npos) break;
      parts.push_back(Value(s.substr(pos, hit - pos)));
      pos = hit + sep.size();
    }
    parts.push_back(Value(s.substr(pos)));
    return Value(std::move(parts));
  });
  env.AddFilter("join", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "join"));
    ASSIGN_OR_RETURN(std::string sep, StringArg(st, "join", args, 0, "d", ""));
    const Value* attr = args.Arg(1, "attribute");
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += sep;
      out += Text(attr ? Attribute(items[i], Text(*attr, st)) : items[i], st);
    }
    return Value(std::move(out));
  });
  auto substring = [](bool before, bool last) {
    return [before, last](const Value& in, Args& args, RenderState& st) -> Result<Value> {
      std::string s = Text(in, st);
      ASSIGN_OR_RETURN(std::string sep, StringArg(st, "substring", args, 0, "separator"));
      size_t hit = last ? s.rfind(sep) : s.find(sep);
      if (hit == std::string::npos) return Value(before ? s : std::string());
      return Value(before ? s.substr(0, hit) : s.substr(hit + sep.size()));
    };
  };
  env.AddFilter("substringBefore", substring(true, false));
  env.AddFilter("substringBeforeLast", substring(true, true));
  env.AddFilter("substringAfter", substring(false, false));
  env.AddFilter("substringAfterLast", substring(false, true));
  env.AddFilter("startsWith", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string p, StringArg(st, "startsWith", args, 0, "prefix"));
    return Value(Text(in, st).starts_with(p));
  });
  env.AddFilter("endsWith", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string p, StringArg(st, "endsWith", args, 0, "suffix"));
    return Value(Text(in, st).ends_with(p));
  });
  env.AddFilter("indent", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(int64_t width, IntArg(st, "indent", args, 0, "width", 4));
    const Value* first = args.Arg(1, "first");
    return Value(Indent(Text(in, st), width, first && first->Truthy()));
  });
  env.AddFilter("nindent", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(int64_t width, IntArg(st, "nindent", args, 0, "width", 4));
    return Value("\n" + Indent(Text(in, st), width, true));
  });
  env.AddFilter("slugify", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    std::string out;
    for (unsigned char c : Text(in, st)) {
      if (std::isalnum(c)) {
        out += static_cast<char>(std::tolower(c));
      } else if (!out.empty() && out.back() != '-') {
        out += '-';
      }
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return Value(std::move(out));
  });
  env.AddFilter("urlencode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (in.is_map()) {
      std::string out;
      for (const auto& [k, v] : in.AsMap())
        out += (out.empty() ? "" : "&") + UrlEncode(k) + "=" + UrlEncode(Text(v, st));
      return Value(std::move(out));
    }
    return Value(UrlEncode(Text(in, st)));
  });
  env.AddFilter("urldecode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string s, UrlDecode(Text(in, st)));
    return Value(std::move(s));
  });
  env.AddFilter("base64encode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    return Value(Base64Encode(Text(in, st)));
  });
  env.AddFilter("base64decode", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    auto s = Base64Decode(Text(in, st));
    if (!s.ok()) return ArgError(st, "base64decode", s.status().message());
    return Value(std::move(*s));
  });
  env.AddFilter("string", [](const Value& in, Args&, RenderState& st) -> Result<Value> { return Value(Text(in, st)); });
  env.AddFilter("abbreviate", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(int64_t n, IntArg(st, "abbreviate", args, 0, "length"));
    std::string s = Text(in, st);
    if (static_cast<int64_t>(s.size()) <= n) return Value(s);
    if (n <= 3) return Value(s.substr(0, static_cast<size_t>(std::max<int64_t>(n, 0))));
    return Value(s.substr(0, static_cast<size_t>(n - 3)) + "...");
  });
}

void AddCollectionFilters(Environment& env) {
  auto length = [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (in.is_string()) return Value(static_cast<int64_t>(in.AsString().size()));
    if (in.is_list()) return Value(static_cast<int64_t>(in.AsList().size()));
    if (in.is_map()) return Value(static_cast<int64_t>(in.AsMap().size()));
    if (in.is_null()) return Value(int64_t{0});
    return ArgError(st, "length", "needs a string, list or map, got " + std::string(in.TypeName()));
  };
  env.AddFilter("length", length);
  env.AddFilter("count", length);
  auto default_filter = [](const Value& in, Args& args, RenderState&) -> Result<Value> {
    const Value* fallback = args.Arg(0, "default_value");
    const Value* boolean = args.Arg(1, "boolean");
    bool use_default = in.is_undefined() || (in.is_null()) || (boolean && boolean->Truthy() && !in.Truthy());
    // Pebble's default also replaces empty strings.
    if (in.is_string() && in.AsString().empty() && !(boolean && !boolean->Truthy())) use_default = true;
    if (!use_default) return in;
    return fallback ? *fallback : Value(std::string());
  };
  env.AddFilter("default", default_filter);
  env.AddFilter("d", default_filter);
  env.AddFilter("first", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "first"));
    if (items.empty()) return Value::Undefined("first item of an empty list");
    return items.front();
  });
  env.AddFilter("last", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "last"));
    if (items.empty()) return Value::Undefined("last item of an empty list");
    return items.back();
  });
  env.AddFilter("reverse", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (in.is_string()) return Value(std::string(in.AsString().rbegin(), in.AsString().rend()));
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "reverse"));
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  });
  env.AddFilter("sort", SortFilter);
  env.AddFilter("unique", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "unique"));
    ValueList out;
    for (const auto& v : items)
      if (std::none_of(out.begin(), out.end(), [&](const Value& o) { return o.Equals(v); })) out.push_back(v);
    return Value(std::move(out));
  });
  env.AddFilter("list", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "list"));
    return Value(std::move(items));
  });
  env.AddFilter("keys", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (!in.is_map()) return ArgError(st, "keys", "needs a map, got " + std::string(in.TypeName()));
    ValueList out;
    for (const auto& [k, v] : in.AsMap()) out.push_back(Value(k));
    return Value(std::move(out));
  });
  env.AddFilter("values", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (!in.is_map()) return ArgError(st, "values", "needs a map, got " + std::string(in.TypeName()));
    ValueList out;
    for (const auto& [k, v] : in.AsMap()) out.push_back(v);
    return Value(std::move(out));
  });
  env.AddFilter("items", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    if (!in.is_map()) return ArgError(st, "items", "needs a map, got " + std::string(in.TypeName()));
    ValueList out;
    for (const auto& [k, v] : in.AsMap()) out.push_back(Value(ValueList{Value(k), v}));
    return Value(std::move(out));
  });
  env.AddFilter("map", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "map"));
    ValueList out;
    if (const Value* attr = args.Arg(99, "attribute")) {
      const Value* fallback = args.Arg(99, "default");
      for (const auto& v : items) {
        Value a = Attribute(v, Text(*attr, st));
        out.push_back(a.is_undefined() && fallback ? *fallback : a);
      }
      return Value(std::move(out));
    }
    if (args.positional.empty()) return ArgError(st, "map", "needs a filter name or attribute=");
    std::string filter = Text(args.positional[0], st);
    Args rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    rest.keyword = args.keyword;
    for (const auto& v : items) {
      Args copy = rest;
      ASSIGN_OR_RETURN(Value mapped, st.ApplyFilter(filter, v, copy));
      out.push_back(std::move(mapped));
    }
    return Value(std::move(out));
  });
  auto select = [](bool keep, bool by_attr) {
    return [keep, by_attr](const Value& in, Args& args, RenderState& st) -> Result<Value> {
      ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, keep ? "select" : "reject"));
      size_t base = 0;
      std::string attr;
      if (by_attr) {
        if (args.positional.empty()) return ArgError(st, keep ? "selectattr" : "rejectattr", "needs an attribute name");
        attr = Text(args.positional[0], st);
        base = 1;
      }
      std::string test = args.positional.size() > base ? Text(args.positional[base], st) : "";
      Args test_args;
      if (args.positional.size() > base + 1)
        test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(base + 1),
                                    args.positional.end());
      ValueList out;
      for (const auto& v : items) {
        Value subject = by_attr ? Attribute(v, attr) : v;
        bool pass;
        if (test.empty()) {
          pass = subject.Truthy();
        } else {
          Args copy = test_args;
          ASSIGN_OR_RETURN(pass, st.ApplyTest(test, subject, copy));
        }
        if (pass == keep) out.push_back(v);
      }
      return Value(std::move(out));
    };
  };
  env.AddFilter("select", select(true, false));
  env.AddFilter("reject", select(false, false));
  env.AddFilter("selectattr", select(true, true));
  env.AddFilter("rejectattr", select(false, true));
  env.AddFilter("sum", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "sum"));
    const Value* attr = args.Arg(99, "attribute");
    const Value* start = args.Arg(99, "start");
    int64_t isum = start && start->is_int() ? start->AsInt() : 0;
    double dsum = start && start->is_double() ? start->AsDouble() : 0;
    bool is_double = start && start->is_double();
    for (const auto& item : items) {
      Value v = attr ? Attribute(item, Text(*attr, st)) : item;
      if (!v.is_number()) return ArgError(st, "sum", "cannot add " + std::string(v.TypeName()));
      if (v.is_double()) is_double = true;
      if (v.is_int())
        isum += v.AsInt();
      else
        dsum += v.AsDouble();
    }
    if (is_double) return Value(dsum + static_cast<double>(isum));
    return Value(isum);
  });
  env.AddFilter("min", [](const Value& in, Args& args, RenderState& st) { return MinMax(in, args, st, false); });
  env.AddFilter("max", [](const Value& in, Args& args, RenderState& st) { return MinMax(in, args, st, true); });
  env.AddFilter("chunk", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "chunk"));
    ASSIGN_OR_RETURN(int64_t size, IntArg(st, "chunk", args, 0, "size"));
    if (size <= 0) return ArgError(st, "chunk", "size must be positive");
    ValueList out;
    for (size_t i = 0; i < items.size(); i += static_cast<size_t>(size)) {
      size_t end = std::min(items.size(), i + static_cast<size_t>(size));
      out.push_back(Value(
          ValueList(items.begin() + static_cast<std::ptrdiff_t>(i), items.begin() + static_cast<std::ptrdiff_t>(end))));
    }
    return Value(std::move(out));
  });
  env.AddFilter("flatten", [](const Value& in, Args&, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(ValueList items, AsItems(in, st, "flatten"));
    ValueList out;
    for (const auto& v : items) {
      if (v.is_list())
        out.insert(out.end(), v.AsList().begin(), v.AsList().end());
      else
        out.push_back(v);
    }
    return Value(std::move(out));
  });
}

void AddNumberFilters(Environment& env) {
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
  env.AddFilter("number", [](const Value& in, Args&, RenderState& st) { return ToNumber(in, st, "number", false); });
}

void AddJsonFilters(Environment& env) {
  auto to_json = [](const Value& in, Args& args, RenderState&) -> Result<Value> {
    const Value* indent = args.Arg(0, "indent");
    return Value(ToJson(in, indent && indent->is_int() ? static_cast<int>(indent->AsInt()) : -1));
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

void AddFunctions(Environment& env) {
  env.AddFunction("range", [](Args& args, RenderState& st) -> Result<Value> {
    int64_t start = 0, stop, step = 1;
    std::vector<int64_t> nums;
    for (const auto& v : args.positional) {
      if (!v.is_int()) return ArgError(st, "range", "arguments must be ints, got " + std::string(v.TypeName()));
      nums.push_back(v.AsInt());
    }
    if (nums.size() == 1) {
      stop = nums[0];
    } else if (nums.size() == 2 || nums.size() == 3) {
      start = nums[0];
      stop = nums[1];
      if (nums.size() == 3) step = nums[2];
    } else {
      return ArgError(st, "range", "takes 1 to 3 ints");
    }
    if (step == 0) return ArgError(st, "range", "step cannot be zero");
    ValueList out;
    int64_t limit = st.env().limits.max_loop_iterations;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (static_cast<int64_t>(out.size()) >= limit)
        return ArgError(st, "range", "more than " + std::to_string(limit) + " items");
      out.push_back(Value(i));
    }
    return Value(std::move(out));
  });
  env.AddFunction("now",
                  [](Args&, RenderState&) -> Result<Value> { return Value(FormatTimestamp(SystemClock().Now())); });
  auto parse_json = [](Args& args, RenderState& st) -> Result<Value> {
    const Value* text = args.Arg(0, "text");
    if (!text) return ArgError(st, "fromJson", "needs a JSON string");
    auto v = ParseJson(Text(*text, st));
    if (!v.ok()) return ArgError(st, "fromJson", v.status().message());
    return v;
  };
  env.AddFunction("fromJson", parse_json);
  env.AddFunction("json", parse_json);
  env.AddFunction("render", [](Args& args, RenderState& st) -> Result<Value> {
    const Value* text = args.Arg(0, "template");
    if (!text) return ArgError(st, "render", "needs a template string");
    if (!text->is_string()) return *text;
    ASSIGN_OR_RETURN(std::string out, st.RenderNested(text->AsString()));
    return Value(std::move(out));
  });
  env.AddFunction("uuid", [](Args&, RenderState&) -> Result<Value> {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    uint64_t hi = rng(), lo = rng();
    hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x4000ull;              // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 1
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
    return Value(std::string(buf));
  });
  env.AddFunction("namespace", [](Args& args, RenderState&) -> Result<Value> {
    ValueMap ns;
    for (const auto& [k, v] : args.keyword) ns.Set(k, v);
    return Value(std::move(ns));
  });
  env.AddFunction("dict", [](Args& args, RenderState&) -> Result<Value> {
    ValueMap map;
    for (const auto& [k, v] : args.keyword) map.Set(k, v);
    return Value(std::move(map));
  });
}

}  // namespace

Environment Environment::Standard(Dialect dialect) {
  Environment env;
  env.dialect = dialect;
  env.trim_blocks = dialect == Dialect::kPebble;
  env.undefined = dialect == Dialect::kPebble ? UndefinedBehavior::kStrict : UndefinedBehavior::kLenient;
  AddStringFilters(env);
  AddCollectionFilters(env);
  AddNumberFilters(env);
  AddJsonFilters(env);
  AddTests(env);
  AddFunctions(env);
  return env;
}

}  // namespace floe::tmpl
