// How values print inside {{ }}, and the helpers error messages share.
#include "core/strings.h"
#include "tmpl/internal/ast.h"
#include "tmpl/internal/render_util.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tmpl {
namespace {

std::string PythonRepr(const Value& v);

std::string PythonRepr(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString: {
      std::string out = "'";
      for (char c : v.AsString()) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
      }
      return out + "'";
    }
    case Value::Kind::kList: {
      std::string out = "[";
      bool first = true;
      for (const auto& item : v.AsList()) {
        if (!first) out += ", ";
        first = false;
        out += PythonRepr(item);
      }
      return out + "]";
    }
    case Value::Kind::kMap: {
      if (const std::string* display = v.AsMap().display()) return *display;
      std::string out = "{";
      bool first = true;
      for (const auto& [k, item] : v.AsMap()) {
        if (!first) out += ", ";
        first = false;
        out += PythonRepr(Value(k)) + ": " + PythonRepr(item);
      }
      return out + "}";
    }
    default:
      return ToDisplayString(v, Dialect::kJinja);
  }
}

std::string_view KindArticle(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return "an int";
    case Value::Kind::kUndefined:
      return "an undefined value";
    default:
      return "a";
  }
}

}  // namespace

std::string Describe(const Value& v) {
  std::string_view article = KindArticle(v);
  if (article == "a") return "a " + std::string(v.TypeName());
  return std::string(article);
}

std::string AvailableHint(std::string_view missing, const std::vector<std::string>& names) {
  std::string hint = DidYouMean(missing, names);
  if (names.empty()) return hint.empty() ? "nothing is defined here" : hint;
  std::string list;
  size_t shown = 0;
  for (const auto& n : names) {
    if (shown++ == 12) {
      list += ", ...";
      break;
    }
    list += (list.empty() ? "" : ", ") + n;
  }
  return (hint.empty() ? "" : hint + " ") + "defined here: " + list;
}

std::string ExpressionPath(const Node& node) {
  if (node.kind == NodeKind::kName) return node.text;
  if (node.kind == NodeKind::kAttr) {
    std::string base = ExpressionPath(*node.kids[0]);
    return base.empty() ? "" : base + "." + node.text;
  }
  return "";
}

std::string ToDisplayString(const Value& v, Dialect dialect) {
  bool jinja = dialect == Dialect::kJinja;
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return "";
    case Value::Kind::kNull:
      return jinja ? "None" : "";
    case Value::Kind::kBool:
      return v.AsBool() ? (jinja ? "True" : "true") : (jinja ? "False" : "false");
    case Value::Kind::kInt:
      return std::to_string(v.AsInt());
    case Value::Kind::kDouble:
      return FormatDouble(v.AsDouble());
    case Value::Kind::kString:
      return v.AsString();
    case Value::Kind::kMap:
      if (const std::string* display = v.AsMap().display()) return *display;
      return jinja ? PythonRepr(v) : ToJson(v);
    case Value::Kind::kList:
      return jinja ? PythonRepr(v) : ToJson(v);
    case Value::Kind::kCallable:
      return "<function " + v.CallableName() + ">";
  }
  return "";
}

}  // namespace floe::tmpl
