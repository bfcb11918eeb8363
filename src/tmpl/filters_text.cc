#include <algorithm>
#include <cctype>
#include <cstring>
#include <regex>

#include "core/strings.h"
#include "tmpl/internal/builtins.h"
#include "tmpl/template.h"

namespace floe::tmpl::builtins {
namespace {

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

}  // namespace

void AddStringFilters(Environment& env) {
  auto map_case = [](std::string (*f)(std::string_view)) {
    return [f](const Value& in, Args&, RenderState& st) -> Result<Value> { return Value(f(Text(in, st))); };
  };
  env.AddFilter("upper", map_case(Utf8ToUpper));
  env.AddFilter("lower", map_case(Utf8ToLower));
  env.AddFilter("capitalize", map_case(Utf8Capitalize));
  env.AddFilter("title", map_case(Utf8ToTitle));
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
    // Pebble passes a map of replacements (Kestra: regexp=true makes the
    // keys regular expressions and the values may use $1); Jinja passes
    // (old, new[, count]).
    if (!args.positional.empty() && args.positional[0].is_map()) {
      const Value* regexp = args.Arg(1, "regexp");
      if (regexp && !regexp->is_bool()) return ArgError(st, "replace", "regexp must be true or false");
      for (const auto& [from, to] : args.positional[0].AsMap()) {
        if (regexp && regexp->AsBool()) {
          try {
            s = std::regex_replace(s, std::regex(from), Text(to, st));
          } catch (const std::regex_error& e) {
            return ArgError(st, "replace", "'" + from + "' is not a valid regular expression: " + e.what());
          }
          continue;
        }
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
  // Kestra: escapeChar('single'|'double'|'shell') escapes quotes for a
  // quoted string of that kind (shell: ' becomes '\'').
  env.AddFilter("escapeChar", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(std::string type, StringArg(st, "escapeChar", args, 0, "type"));
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
    if (type != "single" && type != "double" && type != "shell")
      return ArgError(st, "escapeChar", "unknown type '" + type + "'").WithHint("use single, double or shell");
    std::string s = Text(in, st), out;
    for (char c : s) {
      if (type == "single" && c == '\'') {
        out += "\\'";
      } else if (type == "double" && c == '"') {
        out += "\\\"";
      } else if (type == "shell" && c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    return Value(std::move(out));
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
    if (width > 1024) return ArgError(st, "indent", "width must be at most 1024");
    const Value* first = args.Arg(1, "first");
    return Value(Indent(Text(in, st), width, first && first->Truthy()));
  });
  env.AddFilter("nindent", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(int64_t width, IntArg(st, "nindent", args, 0, "width", 4));
    if (width > 1024) return ArgError(st, "nindent", "width must be at most 1024");
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
  env.AddFilter("string", [](const Value& in, Args&, RenderState& st) -> Result<Value> { return Value(Text(in, st)); });
  env.AddFilter("abbreviate", [](const Value& in, Args& args, RenderState& st) -> Result<Value> {
    ASSIGN_OR_RETURN(int64_t n, IntArg(st, "abbreviate", args, 0, "length"));
    std::string s = Text(in, st);
    if (static_cast<int64_t>(s.size()) <= n) return Value(s);
    if (n <= 3) return Value(s.substr(0, static_cast<size_t>(std::max<int64_t>(n, 0))));
    return Value(s.substr(0, static_cast<size_t>(n - 3)) + "...");
  });
}

}  // namespace floe::tmpl::builtins
