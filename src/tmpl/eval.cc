// Tree-walking renderer, expressions: names, attributes, calls, filters,
// tests and operators.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "core/strings.h"
#include "tmpl/internal/ast.h"
#include "tmpl/internal/builtins.h"
#include "tmpl/internal/render_util.h"
#include "tmpl/json.h"
#include "tmpl/render_state.h"

namespace floe::tmpl {
namespace {

// Python's printf-style `'%s and %d' % (x, 3)` (Jinja only; dbt macros use
// it): %s %r %d %i %f %e %g %x %o %c %% with flags, width and precision;
// a list or tuple gives the arguments, a map serves %(name)s.
std::optional<std::string> PercentFormat(const std::string& format, const Value& args, std::string* error) {
  auto fail = [error](std::string message) {
    *error = std::move(message);
    return std::optional<std::string>();
  };
  std::vector<Value> positional;
  if (args.is_list()) {
    positional = args.AsList();
  } else if (!args.is_map()) {
    positional.push_back(args);
  }
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (++i >= format.size()) return fail("incomplete format: '%' at the end");
    const Value* arg = nullptr;
    if (format[i] == '(') {
      size_t close = format.find(')', i);
      if (close == std::string::npos || !args.is_map()) return fail("a %(name)s format needs a dict");
      arg = args.AsMap().Find(format.substr(i + 1, close - i - 1));
      if (!arg) return fail("format key '" + format.substr(i + 1, close - i - 1) + "' is not in the dict");
      i = close + 1;
    }
    std::string spec = "%";
    while (i < format.size() && std::strchr("-+ #0", format[i])) spec += format[i++];
    while (i < format.size() && (std::isdigit(static_cast<unsigned char>(format[i])) || format[i] == '.'))
      spec += format[i++];
    if (i >= format.size()) return fail("incomplete format");
    char conv = format[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (!arg) {
      if (next >= positional.size()) return fail("not enough arguments for format string");
      arg = &positional[next++];
    }
    char buf[512];
    switch (conv) {
      case 's':
      case 'r': {
        std::string text =
            conv == 'r' && arg->is_string() ? "'" + arg->AsString() + "'" : ToDisplayString(*arg, Dialect::kJinja);
        std::snprintf(buf, sizeof buf, (spec + "s").c_str(), text.c_str());
        out += text.size() >= sizeof buf ? text : std::string(buf);
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o':
      case 'c':
        if (!arg->is_number())
          return fail("%" + std::string(1, conv) + " format: a number is required, not " +
                      std::string(arg->TypeName()));
        std::snprintf(buf, sizeof buf, (spec + "ll" + (conv == 'i' ? 'd' : conv)).c_str(),
                      static_cast<long long>(arg->is_int() ? arg->AsInt() : static_cast<int64_t>(arg->AsDouble())));
        out += buf;
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (!arg->is_number())
          return fail("%" + std::string(1, conv) + " format: a number is required, not " +
                      std::string(arg->TypeName()));
        std::snprintf(buf, sizeof buf, (spec + conv).c_str(), arg->AsDouble());
        out += buf;
        break;
      default:
        return fail("unsupported format character '" + std::string(1, conv) + "'");
    }
  }
  if (next < positional.size() && !args.is_map()) return fail("not all arguments converted during string formatting");
  return out;
}

// Python's floor division and modulo: the result takes the divisor's sign.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) {
  int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

}  // namespace

Result<Value> RenderState::EvalName(const Node& node) {
  if (const Value* v = Resolve(node.text)) return *v;
  if (env_.FindFunction(node.text)) {
    // A bare function name evaluates to a callable, so `{{ now() }}` and
    // passing functions around both work.
    const Function* fn = env_.FindFunction(node.text);
    std::string name = node.text;
    return Value::MakeCallable(name, [this, fn, name](CallArgs& args) { return CallFunction(*fn, name, args); });
  }
  return Value::Undefined(node.text, AvailableHint(node.text, VisibleNames()));
}

// Every value an expression computes is bounded, not only the rendered text:
// `{% set s = s ~ s %}` in a loop would otherwise double a string to
// gigabytes before anything is printed.
Result<Value> RenderState::Eval(const Node& node) {
  Result<Value> v = EvalNode(node);
  if (!v.ok()) return v;
  const Limits& limits = env_.limits;
  if (v->is_string() && v->AsString().size() > limits.max_output_bytes) {
    return ErrorAt(node, "a value of " + std::to_string(v->AsString().size()) + " bytes exceeds the limit of " +
                             std::to_string(limits.max_output_bytes) + " bytes");
  }
  size_t items = v->is_list() ? v->AsList().size() : v->is_map() ? v->AsMap().size() : 0;
  if (items > limits.max_collection_items) {
    return ErrorAt(node, "a " + std::string(v->TypeName()) + " of " + std::to_string(items) +
                             " items exceeds the limit of " + std::to_string(limits.max_collection_items));
  }
  return v;
}

Result<Value> RenderState::EvalNode(const Node& node) {
  current_offset_ = node.offset;
  switch (node.kind) {
    case NodeKind::kLiteral:
      return node.literal;
    case NodeKind::kName:
      return EvalName(node);
    case NodeKind::kAttr:
      return EvalAttr(node);
    case NodeKind::kIndex:
      return EvalIndex(node);
    case NodeKind::kSlice:
      return EvalSlice(node);
    case NodeKind::kCall:
      return EvalCall(node);
    case NodeKind::kFilter:
      return EvalFilter(node, nullptr);
    case NodeKind::kTest:
      return EvalTest(node);
    case NodeKind::kUnary:
      return EvalUnary(node);
    case NodeKind::kBinary:
      return EvalBinary(node);
    case NodeKind::kAnd: {
      ASSIGN_OR_RETURN(Value a, Eval(*node.kids[0]));
      if (!a.Truthy()) return Value(false);
      ASSIGN_OR_RETURN(Value b, Eval(*node.kids[1]));
      return Value(b.Truthy());
    }
    case NodeKind::kOr: {
      ASSIGN_OR_RETURN(Value a, Eval(*node.kids[0]));
      if (a.Truthy()) return env_.dialect == Dialect::kJinja ? a : Value(true);
      ASSIGN_OR_RETURN(Value b, Eval(*node.kids[1]));
      return env_.dialect == Dialect::kJinja ? b : Value(b.Truthy());
    }
    case NodeKind::kCoalesce: {
      // `a ?? b`: b when a is undefined or null; Kestra's `a ??? b`: only
      // when a is undefined (a null stays null).
      ASSIGN_OR_RETURN(Value a, Eval(*node.kids[0]));
      if (!a.is_undefined() && (!a.is_null() || node.text == "???")) return a;
      return Eval(*node.kids[1]);
    }
    case NodeKind::kCondExpr: {
      ASSIGN_OR_RETURN(Value cond, Eval(*node.kids[0]));
      if (cond.Truthy()) return Eval(*node.kids[1]);
      if (!node.kids[2]) {
        // Jinja's `x if c` without else: undefined (prints empty); Pebble has
        // no such form, so give it the empty string strict mode accepts.
        if (env_.dialect == Dialect::kPebble) return Value(std::string());
        return Value::Undefined("conditional expression without else");
      }
      return Eval(*node.kids[2]);
    }
    case NodeKind::kListLit: {
      ValueList list;
      list.reserve(node.kids.size());
      for (const auto& kid : node.kids) {
        ASSIGN_OR_RETURN(Value v, Eval(*kid));
        list.push_back(std::move(v));
      }
      return Value(std::move(list));
    }
    case NodeKind::kMapLit: {
      ValueMap map;
      for (size_t i = 0; i + 1 < node.kids.size(); i += 2) {
        ASSIGN_OR_RETURN(Value k, Eval(*node.kids[i]));
        ASSIGN_OR_RETURN(Value v, Eval(*node.kids[i + 1]));
        if (!k.is_string()) {
          if (k.is_undefined()) RETURN_IF_ERROR(CheckDefined(k, *node.kids[i]));
          k = Value(ToDisplayString(k, env_.dialect));
        }
        map.Set(k.AsString(), std::move(v));
      }
      return Value(std::move(map));
    }
    default:
      return ErrorAt(node, "internal: statement node in expression position");
  }
}

Result<Value> RenderState::EvalAttr(const Node& node) {
  ASSIGN_OR_RETURN(Value obj, Eval(*node.kids[0]));
  const std::string& name = node.text;
  if (obj.is_undefined() && node.kids[0]->kind == NodeKind::kName) {
    // `dbt_utils.star` with no variable dbt_utils: a namespaced function.
    std::string dotted = node.kids[0]->text + "." + name;
    if (const Function* fn = env_.FindFunction(dotted))
      return Value::MakeCallable(dotted,
                                 [this, fn, dotted](CallArgs& args) { return CallFunction(*fn, dotted, args); });
  }
  if (obj.is_undefined()) {
    // The first missing name is the one to report: `a.b.c` with `a` missing
    // says 'a' is not defined.
    if (env_.undefined == UndefinedBehavior::kLenient) return CheckDefined(obj, *node.kids[0]);
    return obj;
  }
  if (obj.is_map()) {
    if (const Value* v = obj.AsMap().Find(name)) return *v;
    // Methods like .items() are resolved at the call; a plain missing key is
    // undefined with the keys that do exist as the hint.
    std::vector<std::string> keys;
    for (const auto& [k, v] : obj.AsMap()) keys.push_back(k);
    std::string path = ExpressionPath(*node.kids[0]);
    std::string hint =
        keys.empty() ? (path.empty() ? "the map is empty" : "'" + path + "' is empty") : AvailableHint(name, keys);
    return Value::Undefined(path.empty() ? name : path + "." + name, hint);
  }
  if (obj.is_list() && !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
    std::optional<size_t> i = ParseIndex(name);
    if (i && *i < obj.AsList().size()) return obj.AsList()[*i];
    return Value::Undefined(name, "the list has " + std::to_string(obj.AsList().size()) + " items");
  }
  return Value::Undefined(name, std::string(obj.TypeName()) + " has no attribute '" + name + "'");
}

Result<Value> RenderState::EvalIndex(const Node& node) {
  ASSIGN_OR_RETURN(Value obj, Eval(*node.kids[0]));
  ASSIGN_OR_RETURN(Value idx, Eval(*node.kids[1]));
  RETURN_IF_ERROR(CheckDefined(idx, *node.kids[1]));
  if (obj.is_undefined()) {
    if (env_.undefined == UndefinedBehavior::kLenient) return CheckDefined(obj, *node.kids[0]);
    return obj;
  }
  if (obj.is_map()) {
    std::string key = idx.is_string() ? idx.AsString() : ToDisplayString(idx, env_.dialect);
    if (const Value* v = obj.AsMap().Find(key)) return *v;
    // dbt's query results are agate rows: by column name and by position.
    // A Python dict indexed by a missing int raises, so this never changes
    // what a working Jinja template renders.
    if (env_.dialect == Dialect::kJinja && idx.is_int() && idx.AsInt() >= 0 &&
        static_cast<size_t>(idx.AsInt()) < obj.AsMap().size())
      return obj.AsMap().entries()[static_cast<size_t>(idx.AsInt())].second;
    std::vector<std::string> keys;
    for (const auto& [k, v] : obj.AsMap()) keys.push_back(k);
    return Value::Undefined(key, AvailableHint(key, keys));
  }
  if (obj.is_list() || obj.is_string()) {
    if (!idx.is_int()) return ErrorAt(*node.kids[1], "index must be an int, got " + Describe(idx));
    int64_t n = obj.is_list() ? static_cast<int64_t>(obj.AsList().size()) : static_cast<int64_t>(obj.AsString().size());
    int64_t i = idx.AsInt();
    if (i < 0) i += n;
    if (i < 0 || i >= n) {
      return Value::Undefined("[" + std::to_string(idx.AsInt()) + "]",
                              "index out of range: the " + std::string(obj.TypeName()) + " has " + std::to_string(n) +
                                  (obj.is_list() ? " items" : " characters"));
    }
    if (obj.is_list()) return obj.AsList()[static_cast<size_t>(i)];
    return Value(std::string(1, obj.AsString()[static_cast<size_t>(i)]));
  }
  return ErrorAt(node, "cannot index " + Describe(obj));
}

Result<Value> RenderState::EvalSlice(const Node& node) {
  ASSIGN_OR_RETURN(Value obj, Eval(*node.kids[0]));
  RETURN_IF_ERROR(CheckDefined(obj, *node.kids[0]));
  if (!obj.is_list() && !obj.is_string()) return ErrorAt(node, "cannot slice " + Describe(obj));
  int64_t n = obj.is_list() ? static_cast<int64_t>(obj.AsList().size()) : static_cast<int64_t>(obj.AsString().size());
  int64_t bounds[3] = {0, n, 1};
  bool given[3] = {false, false, false};
  for (int k = 0; k < 3; ++k) {
    if (!node.kids[k + 1]) continue;
    ASSIGN_OR_RETURN(Value v, Eval(*node.kids[k + 1]));
    if (v.is_null()) continue;
    if (!v.is_int()) return ErrorAt(*node.kids[k + 1], "slice bounds must be ints");
    bounds[k] = v.AsInt();
    given[k] = true;
  }
  int64_t step = bounds[2];
  if (step == 0) return ErrorAt(node, "slice step cannot be zero");
  auto clamp = [&](int64_t i, int64_t lo, int64_t hi) {
    if (i < 0) i += n;
    return std::clamp(i, lo, hi);
  };
  int64_t start = given[0] ? clamp(bounds[0], step > 0 ? 0 : -1, step > 0 ? n : n - 1) : (step > 0 ? 0 : n - 1);
  int64_t stop = given[1] ? clamp(bounds[1], step > 0 ? 0 : -1, step > 0 ? n : n - 1) : (step > 0 ? n : -1);
  ValueList items;
  std::string chars;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is_list()) {
      items.push_back(obj.AsList()[static_cast<size_t>(i)]);
    } else {
      chars += obj.AsString()[static_cast<size_t>(i)];
    }
  }
  if (obj.is_list()) return Value(std::move(items));
  return Value(std::move(chars));
}

Status RenderState::EvalArgs(const Node& node, size_t first, CallArgs& args) {
  for (size_t i = first; i < node.kids.size(); ++i) {
    ASSIGN_OR_RETURN(Value v, Eval(*node.kids[i]));
    const std::string& keyword = node.names[i - first];
    if (keyword.empty()) {
      if (!args.keyword.empty()) return ErrorAt(*node.kids[i], "positional argument after keyword argument");
      args.positional.push_back(std::move(v));
    } else {
      args.keyword.emplace_back(keyword, std::move(v));
    }
  }
  return Status::Ok();
}

Result<Value> RenderState::CallValue(const Value& callee, CallArgs& args) {
  if (!callee.is_callable()) return Error("cannot call " + Describe(callee));
  if (++depth_ > env_.limits.max_depth) {
    --depth_;
    return Error("calls nested deeper than " + std::to_string(env_.limits.max_depth));
  }
  auto result = callee.AsCallable()(args);
  --depth_;
  return result;
}

// Methods on strings, lists and maps that dbt projects call: "a".upper(),
// d.items(), l.append(x). Defined in methods.cc.
Result<Value> CallMethod(const Value& obj, const std::string& name, CallArgs& args, RenderState& state, bool* found);

Result<Value> RenderState::EvalCall(const Node& node) {
  const Node& callee_node = *node.kids[0];
  CallArgs args;
  if (callee_node.kind == NodeKind::kAttr) {
    const Node& base = *callee_node.kids[0];
    if (base.kind == NodeKind::kName && !Resolve(base.text)) {
      // dbt's package namespaces: `dbt_utils.star(...)` calls the function
      // registered as "dbt_utils.star" when no variable dbt_utils exists;
      // `config.get(...)` likewise, although `config` is a function too.
      std::string dotted = base.text + "." + callee_node.text;
      if (const Function* fn = env_.FindFunction(dotted)) {
        RETURN_IF_ERROR(EvalArgs(node, 1, args));
        current_offset_ = base.offset;
        return CallFunction(*fn, dotted, args);
      }
      if (!env_.FindFunction(base.text))
        return ErrorAt(base, "unknown function '" + dotted + "'").WithHint(AvailableHint(dotted, env_.FunctionNames()));
    }
    ASSIGN_OR_RETURN(Value obj, Eval(*callee_node.kids[0]));
    const Value* member = obj.is_map() ? obj.AsMap().Find(callee_node.text) : nullptr;
    if (!member || !member->is_callable()) {
      if (obj.is_undefined()) RETURN_IF_ERROR(CheckDefined(obj, *callee_node.kids[0]));
      RETURN_IF_ERROR(EvalArgs(node, 1, args));
      bool found = false;
      current_offset_ = callee_node.offset;
      auto result = CallMethod(obj, callee_node.text, args, *this, &found);
      if (found) return result;
      return ErrorAt(callee_node, std::string(obj.TypeName()) + " has no method '" + callee_node.text + "'");
    }
    RETURN_IF_ERROR(EvalArgs(node, 1, args));
    current_offset_ = node.offset;
    return CallValue(*member, args);
  }
  if (callee_node.kind == NodeKind::kName && !Resolve(callee_node.text)) {
    if (const Function* fn = env_.FindFunction(callee_node.text)) {
      RETURN_IF_ERROR(EvalArgs(node, 1, args));
      current_offset_ = callee_node.offset;
      return CallFunction(*fn, callee_node.text, args);
    }
    return ErrorAt(callee_node, "unknown function '" + callee_node.text + "'")
        .WithHint(AvailableHint(callee_node.text, env_.FunctionNames()));
  }
  ASSIGN_OR_RETURN(Value callee, Eval(callee_node));
  RETURN_IF_ERROR(CheckDefined(callee, callee_node));
  RETURN_IF_ERROR(EvalArgs(node, 1, args));
  current_offset_ = node.offset;
  return CallValue(callee, args);
}

Result<Value> RenderState::EvalFilter(const Node& node, const Value* input_override) {
  Value input;
  if (node.kids[0]) {
    const Node& in = *node.kids[0];
    if (in.kind == NodeKind::kFilter && !in.kids[0] && input_override) {
      ASSIGN_OR_RETURN(input, EvalFilter(in, input_override));
    } else {
      ASSIGN_OR_RETURN(input, Eval(in));
    }
  } else if (input_override) {
    input = *input_override;
  }
  CallArgs args;
  RETURN_IF_ERROR(EvalArgs(node, 1, args));
  current_offset_ = node.offset;
  return ApplyFilter(node.text, input, args);
}

Result<Value> RenderState::ApplyFilter(std::string_view name, const Value& input, CallArgs& args) {
  const Filter* filter = env_.FindFilter(name);
  if (!filter) {
    return Error("unknown filter '" + std::string(name) + "'").WithHint(AvailableHint(name, env_.FilterNames()));
  }
  // Only default/defined-aware filters may see an undefined input.
  if (input.is_undefined() && name != "default" && name != "d" && env_.undefined == UndefinedBehavior::kStrict) {
    Status s = Error("'" + input.UndefinedName() + "' is not defined");
    if (!input.UndefinedHint().empty()) s = std::move(s).WithHint(input.UndefinedHint());
    return s;
  }
  const uint32_t at = current_offset_;
  ASSIGN_OR_RETURN(Value out, (*filter)(input, args, *this));
  if (const std::string* extra = args.UntakenKeyword())
    return ErrorAt(at, "filter '" + std::string(name) + "' takes no argument named '" + *extra + "'");
  return out;
}

Result<Value> RenderState::CallFunction(const Function& fn, std::string_view name, CallArgs& args) {
  const uint32_t at = current_offset_;
  ASSIGN_OR_RETURN(Value out, fn(args, *this));
  if (const std::string* extra = args.UntakenKeyword())
    return ErrorAt(at, "function '" + std::string(name) + "' takes no argument named '" + *extra + "'");
  return out;
}

Result<bool> RenderState::ApplyTest(std::string_view name, const Value& input, CallArgs& args) {
  const Test* test = env_.FindTest(name);
  if (!test) return Error("unknown test '" + std::string(name) + "'");
  auto r = (*test)(input, args);
  if (!r.ok()) return Error(r.status().message());
  if (const std::string* extra = args.UntakenKeyword())
    return Error("test '" + std::string(name) + "' takes no argument named '" + *extra + "'");
  return r;
}

Result<Value> RenderState::EvalTest(const Node& node) {
  ASSIGN_OR_RETURN(Value input, Eval(*node.kids[0]));
  CallArgs args;
  RETURN_IF_ERROR(EvalArgs(node, 1, args));
  current_offset_ = node.offset;
  std::string name = node.text;
  ASSIGN_OR_RETURN(bool result, ApplyTest(name, input, args));
  return Value(node.negated ? !result : result);
}

Result<Value> RenderState::EvalUnary(const Node& node) {
  ASSIGN_OR_RETURN(Value v, Eval(*node.kids[0]));
  if (node.text == "not") return Value(!v.Truthy());
  RETURN_IF_ERROR(CheckDefined(v, *node.kids[0]));
  if (!v.is_number()) return ErrorAt(node, "unary '" + node.text + "' needs a number, got " + Describe(v));
  if (node.text == "+") return v;
  if (v.is_int()) return Value(-v.AsInt());
  return Value(-v.AsDouble());
}

Result<Value> RenderState::EvalBinary(const Node& node) {
  ASSIGN_OR_RETURN(Value a, Eval(*node.kids[0]));
  ASSIGN_OR_RETURN(Value b, Eval(*node.kids[1]));
  const std::string& op = node.text;
  current_offset_ = node.offset;
  if (op == "==") return Value(a.Equals(b));
  if (op == "!=") return Value(!a.Equals(b));
  RETURN_IF_ERROR(CheckDefined(a, *node.kids[0]));
  RETURN_IF_ERROR(CheckDefined(b, *node.kids[1]));
  if (op == "~") return Value(ToDisplayString(a, env_.dialect) + ToDisplayString(b, env_.dialect));
  if (op == "contains") {
    // Pebble: a list contains an item (or every item of a list), a map a
    // key, a string a substring; null contains nothing.
    if (a.is_null()) return Value(false);
    auto has = [&](const Value& x) {
      const ValueList& items = a.AsList();
      return std::any_of(items.begin(), items.end(), [&](const Value& i) { return i.Equals(x); });
    };
    if (a.is_list()) {
      if (!b.is_list()) return Value(has(b));
      return Value(std::all_of(b.AsList().begin(), b.AsList().end(), has));
    }
    if (a.is_map()) return Value(a.AsMap().Find(ToDisplayString(b, env_.dialect)) != nullptr);
    if (a.is_string()) return Value(a.AsString().find(ToDisplayString(b, env_.dialect)) != std::string::npos);
    return ErrorAt(node, "'contains' needs a list, map or string on the left, got " + Describe(a));
  }
  if (op == "..") return builtins::PebbleRange(a, b, 1, *this);
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.is_string()) {
      if (!a.is_string()) return ErrorAt(node, "'in <string>' needs a string on the left, got " + Describe(a));
      found = b.AsString().find(a.AsString()) != std::string::npos;
    } else if (b.is_list()) {
      found = std::any_of(b.AsList().begin(), b.AsList().end(), [&](const Value& x) { return x.Equals(a); });
    } else if (b.is_map()) {
      found = a.is_string() && b.AsMap().Find(a.AsString()) != nullptr;
    } else if (!b.is_null()) {
      return ErrorAt(node, "'in' needs a string, list or map on the right, got " + Describe(b));
    }
    return Value(op == "in" ? found : !found);
  }
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    int cmp;
    if (a.is_number() && b.is_number()) {
      double x = a.AsDouble(), y = b.AsDouble();
      if (a.is_int() && b.is_int()) {
        cmp = a.AsInt() < b.AsInt() ? -1 : (a.AsInt() > b.AsInt() ? 1 : 0);
      } else {
        cmp = x < y ? -1 : (x > y ? 1 : 0);
      }
    } else if (a.is_string() && b.is_string()) {
      cmp = a.AsString().compare(b.AsString());
    } else {
      return ErrorAt(node, "cannot compare " + Describe(a) + " with " + Describe(b) + " using '" + op + "'");
    }
    if (op == "<") return Value(cmp < 0);
    if (op == ">") return Value(cmp > 0);
    if (op == "<=") return Value(cmp <= 0);
    return Value(cmp >= 0);
  }
  if (op == "+") {
    if (a.is_string() || b.is_string()) {
      if (a.is_string() && b.is_string()) return Value(a.AsString() + b.AsString());
      if (env_.dialect == Dialect::kPebble)
        return Value(ToDisplayString(a, env_.dialect) + ToDisplayString(b, env_.dialect));
      return ErrorAt(node, "cannot add " + Describe(a) + " and " + Describe(b) + " (use ~ to join as text)");
    }
    if (a.is_list() && b.is_list()) {
      ValueList out = a.AsList();
      out.insert(out.end(), b.AsList().begin(), b.AsList().end());
      return Value(std::move(out));
    }
  }
  if (op == "%" && a.is_string() && env_.dialect == Dialect::kJinja) {
    std::string error;
    std::optional<std::string> formatted = PercentFormat(a.AsString(), b, &error);
    if (!formatted) return ErrorAt(node, error);
    return Value(std::move(*formatted));
  }
  if (op == "*" && ((a.is_string() && b.is_int()) || (a.is_int() && b.is_string()))) {
    const std::string& s = a.is_string() ? a.AsString() : b.AsString();
    int64_t times = a.is_int() ? a.AsInt() : b.AsInt();
    if (times > 0 && s.size() * static_cast<size_t>(times) > env_.limits.max_output_bytes)
      return ErrorAt(node, "string repetition exceeds the output limit");
    std::string out;
    for (int64_t i = 0; i < times; ++i) out += s;
    return Value(std::move(out));
  }
  if (!a.is_number() || !b.is_number()) {
    return ErrorAt(node, "cannot apply '" + op + "' to " + Describe(a) + " and " + Describe(b));
  }
  bool ints = a.is_int() && b.is_int();
  if (op == "+" || op == "-" || op == "*") {
    if (ints) {
      int64_t r;
      bool overflow = op == "+"   ? __builtin_add_overflow(a.AsInt(), b.AsInt(), &r)
                      : op == "-" ? __builtin_sub_overflow(a.AsInt(), b.AsInt(), &r)
                                  : __builtin_mul_overflow(a.AsInt(), b.AsInt(), &r);
      if (!overflow) return Value(r);
    }
    double x = a.AsDouble(), y = b.AsDouble();
    return Value(op == "+" ? x + y : op == "-" ? x - y : x * y);
  }
  if (op == "/" || op == "//" || op == "%") {
    if (b.AsDouble() == 0) return ErrorAt(node, "division by zero");
    if (ints) {
      if (op == "//" || (op == "/" && env_.dialect == Dialect::kPebble)) {
        if (a.AsInt() == INT64_MIN && b.AsInt() == -1) return Value(-static_cast<double>(INT64_MIN));
        return Value(op == "//" ? FloorDiv(a.AsInt(), b.AsInt()) : a.AsInt() / b.AsInt());
      }
      if (op == "%") {
        if (b.AsInt() == -1) return Value(int64_t{0});
        return Value(env_.dialect == Dialect::kJinja ? FloorMod(a.AsInt(), b.AsInt()) : a.AsInt() % b.AsInt());
      }
    }
    double x = a.AsDouble(), y = b.AsDouble();
    if (op == "/") return Value(x / y);
    if (op == "//") return Value(std::floor(x / y));
    double m = std::fmod(x, y);
    if (env_.dialect == Dialect::kJinja && m != 0 && ((m < 0) != (y < 0))) m += y;
    return Value(m);
  }
  if (op == "**") {
    if (ints && b.AsInt() >= 0) {
      int64_t result = 1, base = a.AsInt();
      bool overflow = false;
      for (int64_t e = b.AsInt(); e > 0 && !overflow; --e) overflow = __builtin_mul_overflow(result, base, &result);
      if (!overflow) return Value(result);
    }
    return Value(std::pow(a.AsDouble(), b.AsDouble()));
  }
  return ErrorAt(node, "unknown operator '" + op + "'");
}

}  // namespace floe::tmpl
