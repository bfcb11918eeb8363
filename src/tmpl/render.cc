// Tree-walking renderer: evaluates the AST that parser.cc builds.
#include <algorithm>
#include <cmath>

#include "core/strings.h"
#include "tmpl/internal/ast.h"
#include "tmpl/json.h"
#include "tmpl/render_state.h"

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

std::string Describe(const Value& v) {
  std::string_view article = KindArticle(v);
  if (article == "a") return "a " + std::string(v.TypeName());
  return std::string(article);
}

}  // namespace

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
    case Value::Kind::kList:
    case Value::Kind::kMap:
      return jinja ? PythonRepr(v) : ToJson(v);
    case Value::Kind::kCallable:
      return "<function " + v.CallableName() + ">";
  }
  return "";
}

RenderState::RenderState(const Template& tmpl, const Value& context, const RenderHost* host)
    : tmpl_(tmpl), host_(host), env_(*tmpl.env_), context_(context) {
  frames_.emplace_back();
}

const RenderHost& RenderState::host() const {
  static const RenderHost kNone;
  return host_ ? *host_ : kNone;
}

Result<RenderState*> RenderState::LoadModule(const Node& node, const std::string& name) {
  if (++depth_ > env_.limits.max_depth) {
    --depth_;
    return ErrorAt(node, "imports nested deeper than " + std::to_string(env_.limits.max_depth));
  }
  auto loaded = host().LoadTemplate(name);
  if (!loaded.ok()) {
    --depth_;
    return ErrorAt(node, loaded.status().ToString());
  }
  auto state = std::make_unique<RenderState>(**loaded, context_, host_);
  state->depth_ = depth_;
  auto rendered = state->RenderRoot();
  --depth_;
  if (!rendered.ok()) return rendered.status();
  imported_templates_.push_back(*loaded);
  imported_states_.push_back(std::move(state));
  return imported_states_.back().get();
}

ValueMap RenderState::Exports() const { return frames_.front(); }

Status RenderState::RenderImport(const Node& node, std::string& out) {
  ASSIGN_OR_RETURN(Value name, Eval(*node.kids[0]));
  RETURN_IF_ERROR(CheckDefined(name, *node.kids[0]));
  if (!name.is_string()) return ErrorAt(node, "a template name must be a string, got " + Describe(name));
  if (node.kind == NodeKind::kInclude) {
    if (++depth_ > env_.limits.max_depth) {
      --depth_;
      return ErrorAt(node, "includes nested deeper than " + std::to_string(env_.limits.max_depth));
    }
    auto loaded = host().LoadTemplate(name.AsString());
    if (!loaded.ok()) {
      --depth_;
      return ErrorAt(node, loaded.status().ToString());
    }
    RenderState nested(**loaded, context_, host_);
    nested.depth_ = depth_;
    nested.frames_ = frames_;
    auto text = nested.RenderRoot();
    --depth_;
    if (!text.ok()) return text.status();
    return Append(out, *text);
  }
  ASSIGN_OR_RETURN(RenderState * module, LoadModule(node, name.AsString()));
  ValueMap exports = module->Exports();
  if (node.kind == NodeKind::kImport) {
    frames_.back().Set(node.names[0], Value(std::move(exports)));
    return Status::Ok();
  }
  for (size_t i = 0; i + 1 < node.names.size(); i += 2) {
    const Value* v = exports.Find(node.names[i]);
    if (!v) return ErrorAt(node, "template '" + name.AsString() + "' has no macro or variable '" + node.names[i] + "'");
    frames_.back().Set(node.names[i + 1], *v);
  }
  return Status::Ok();
}

Status RenderState::ErrorAt(uint32_t offset, std::string message) const {
  return TemplateError(tmpl_.source_, tmpl_.origin_, offset, std::move(message));
}

Status RenderState::ErrorAt(const Node& node, std::string message) const {
  return ErrorAt(node.offset, std::move(message));
}

Status RenderState::Error(std::string message) const { return ErrorAt(current_offset_, std::move(message)); }

Result<std::string> RenderState::RenderRoot() {
  std::string out;
  out.reserve(tmpl_.source_.size());
  RETURN_IF_ERROR(RenderBlock(*tmpl_.root_, out));
  return out;
}

Result<Value> RenderState::EvaluateRoot(const Node& expression) {
  ASSIGN_OR_RETURN(Value v, Eval(expression));
  RETURN_IF_ERROR(CheckDefined(v, expression));
  return v;
}

Status RenderState::Append(std::string& out, std::string_view text) {
  output_bytes_ += text.size();
  if (output_bytes_ > env_.limits.max_output_bytes)
    return Error("output exceeds the limit of " + std::to_string(env_.limits.max_output_bytes) + " bytes");
  out.append(text);
  return Status::Ok();
}

Status RenderState::RenderBlock(const Node& block, std::string& out) {
  for (const auto& kid : block.kids) RETURN_IF_ERROR(RenderNode(*kid, out));
  return Status::Ok();
}

Status RenderState::CheckDefined(const Value& v, const Node& at) const {
  if (!v.is_undefined()) return Status::Ok();
  Status s = ErrorAt(at, "'" + v.UndefinedName() + "' is not defined");
  if (!v.UndefinedHint().empty()) s = std::move(s).WithHint(v.UndefinedHint());
  return s;
}

Status RenderState::RenderNode(const Node& node, std::string& out) {
  switch (node.kind) {
    case NodeKind::kText:
      return Append(out, node.span);
    case NodeKind::kOutput: {
      ASSIGN_OR_RETURN(Value v, Eval(*node.kids[0]));
      if (v.is_undefined()) {
        if (env_.undefined == UndefinedBehavior::kStrict) return CheckDefined(v, *node.kids[0]);
        return Status::Ok();
      }
      if (v.is_string()) return Append(out, v.AsString());
      return Append(out, ToDisplayString(v, env_.dialect));
    }
    case NodeKind::kIf: {
      size_t n = node.kids.size();
      size_t pairs = node.has_else ? (n - 1) / 2 : n / 2;
      for (size_t i = 0; i < pairs; ++i) {
        ASSIGN_OR_RETURN(Value cond, Eval(*node.kids[2 * i]));
        if (cond.Truthy()) return RenderBlock(*node.kids[2 * i + 1], out);
      }
      if (node.has_else) return RenderBlock(*node.kids.back(), out);
      return Status::Ok();
    }
    case NodeKind::kFor:
      return RenderFor(node, out);
    case NodeKind::kSet: {
      ASSIGN_OR_RETURN(Value v, Eval(*node.kids[0]));
      if (!node.text.empty()) {
        // {% set ns.attr = v %}: assignment into a namespace/map.
        const Value* target = Lookup(node.names[0]);
        if (!target || !target->is_map()) return ErrorAt(node, "'" + node.names[0] + "' is not a namespace or map");
        target->MutableMap().Set(node.text, v);
        return Status::Ok();
      }
      return Assign(node.names, v, node);
    }
    case NodeKind::kSetBlock: {
      std::string captured;
      RETURN_IF_ERROR(RenderBlock(*node.kids[0], captured));
      frames_.back().Set(node.names[0], Value(std::move(captured)));
      return Status::Ok();
    }
    case NodeKind::kMacro: {
      frames_.back().Set(node.text, DefineMacro(node));
      return Status::Ok();
    }
    case NodeKind::kCallBlock:
      return RenderCallBlock(node, out);
    case NodeKind::kFilterBlock: {
      std::string captured;
      RETURN_IF_ERROR(RenderBlock(*node.kids[0], captured));
      Value input(std::move(captured));
      ASSIGN_OR_RETURN(Value result, EvalFilter(*node.kids[1], &input));
      return Append(out, ToDisplayString(result, env_.dialect));
    }
    case NodeKind::kDo: {
      ASSIGN_OR_RETURN(Value ignored, Eval(*node.kids[0]));
      (void)ignored;
      return Status::Ok();
    }
    case NodeKind::kBlock:
      return RenderBlock(node, out);
    case NodeKind::kInclude:
    case NodeKind::kImport:
    case NodeKind::kFromImport:
      return RenderImport(node, out);
    default:
      return ErrorAt(node, "internal: expression node in statement position");
  }
}

Status RenderState::Assign(const std::vector<std::string>& names, const Value& value, const Node& at) {
  if (names.size() == 1) {
    frames_.back().Set(names[0], value);
    return Status::Ok();
  }
  if (!value.is_list() || value.AsList().size() != names.size())
    return ErrorAt(at, "cannot unpack " + Describe(value) + " into " + std::to_string(names.size()) + " names");
  for (size_t i = 0; i < names.size(); ++i) frames_.back().Set(names[i], value.AsList()[i]);
  return Status::Ok();
}

Status RenderState::RenderFor(const Node& node, std::string& out) {
  ASSIGN_OR_RETURN(Value iterable, Eval(*node.kids[0]));
  ValueList items;
  const ValueList* list = nullptr;
  if (iterable.is_undefined()) {
    if (env_.undefined == UndefinedBehavior::kStrict) return CheckDefined(iterable, *node.kids[0]);
    list = &items;
  } else if (iterable.is_list()) {
    list = &iterable.AsList();
  } else if (iterable.is_map()) {
    // Iterating a map: keys, or (key, value) pairs when two names are given.
    for (const auto& [k, v] : iterable.AsMap()) {
      if (node.names.size() == 2) {
        items.push_back(Value(ValueList{Value(k), v}));
      } else {
        items.push_back(Value(k));
      }
    }
    list = &items;
  } else if (iterable.is_string()) {
    for (char c : iterable.AsString()) items.push_back(Value(std::string(1, c)));
    list = &items;
  } else if (iterable.is_null()) {
    list = &items;
  } else {
    return ErrorAt(*node.kids[0], "cannot iterate over " + Describe(iterable));
  }
  const Node* filter = node.kids[3].get();
  ValueList filtered;
  if (filter) {
    frames_.emplace_back();
    for (const auto& item : *list) {
      RETURN_IF_ERROR(Assign(node.names, item, node));
      ASSIGN_OR_RETURN(Value keep, Eval(*filter));
      if (keep.Truthy()) filtered.push_back(item);
    }
    frames_.pop_back();
    list = &filtered;
  }
  if (list->empty()) {
    if (node.kids[2]) return RenderBlock(*node.kids[2], out);
    return Status::Ok();
  }
  const size_t n = list->size();
  frames_.emplace_back();
  // One `loop` map per loop, updated in place each iteration.
  auto length = static_cast<int64_t>(n);
  Value loop = Value::MakeMap({{"index", Value(int64_t{1})},
                               {"index0", Value(int64_t{0})},
                               {"revindex", Value(length)},
                               {"revindex0", Value(length - 1)},
                               {"first", Value(true)},
                               {"last", Value(n == 1)},
                               {"length", Value(length)},
                               {"previtem", Value::Undefined("loop.previtem")},
                               {"nextitem", Value::Undefined("loop.nextitem")}});
  frames_.back().Set("loop", loop);
  ValueMap& fields = loop.MutableMap();
  Status status;
  for (size_t i = 0; i < n; ++i) {
    if (++iterations_ > env_.limits.max_loop_iterations) {
      status = ErrorAt(node, "loop iterations exceed the limit of " + std::to_string(env_.limits.max_loop_iterations));
      break;
    }
    auto index = static_cast<int64_t>(i);
    fields.Set("index", Value(index + 1));
    fields.Set("index0", Value(index));
    fields.Set("revindex", Value(length - index));
    fields.Set("revindex0", Value(length - index - 1));
    fields.Set("first", Value(i == 0));
    fields.Set("last", Value(i + 1 == n));
    if (i > 0) fields.Set("previtem", (*list)[i - 1]);
    fields.Set("nextitem", i + 1 < n ? (*list)[i + 1] : Value::Undefined("loop.nextitem"));
    status = Assign(node.names, (*list)[i], node);
    if (!status.ok()) break;
    status = RenderBlock(*node.kids[1], out);
    if (!status.ok()) break;
  }
  frames_.pop_back();
  return status;
}

Value RenderState::DefineMacro(const Node& node) {
  // The macro closes over nothing but its definition; it renders with the
  // caller's RenderState (same context and globals), in a fresh frame.
  const Node* def = &node;
  return Value::MakeCallable(node.text, [this, def](CallArgs& args) -> Result<Value> {
    if (++depth_ > env_.limits.max_depth) {
      --depth_;
      return ErrorAt(*def, "macro calls nested deeper than " + std::to_string(env_.limits.max_depth));
    }
    ValueMap frame;
    size_t nparams = def->names.size();
    if (args.positional.size() > nparams) {
      --depth_;
      return ErrorAt(*def, "macro '" + def->text + "' takes " + std::to_string(nparams) + " arguments, got " +
                               std::to_string(args.positional.size()));
    }
    ValueList varargs;
    for (size_t i = 0; i < nparams; ++i) {
      const std::string& p = def->names[i];
      const Value* given = args.Arg(i, p);
      if (given) {
        frame.Set(p, *given);
      } else if (def->kids[i + 1]) {
        auto d = Eval(*def->kids[i + 1]);
        if (!d.ok()) {
          --depth_;
          return d.status();
        }
        frame.Set(p, *d);
      } else {
        frame.Set(p, Value::Undefined(p, "macro '" + def->text + "' was called without it"));
      }
    }
    ValueMap kwargs;
    for (const auto& [k, v] : args.keyword) {
      if (std::find(def->names.begin(), def->names.end(), k) == def->names.end()) kwargs.Set(k, v);
    }
    frame.Set("kwargs", Value(std::move(kwargs)));
    frame.Set("varargs", Value(std::move(varargs)));
    frames_.push_back(std::move(frame));
    std::string out;
    Status s = RenderBlock(*def->kids[0], out);
    frames_.pop_back();
    --depth_;
    if (!s.ok()) return s;
    return Value(std::move(out));
  });
}

Status RenderState::RenderCallBlock(const Node& node, std::string& out) {
  const Node* body = node.kids[1].get();
  const Node* block = &node;
  Value caller = Value::MakeCallable("caller", [this, body, block](CallArgs& args) -> Result<Value> {
    ValueMap frame;
    for (size_t i = 0; i < block->names.size(); ++i) {
      const Value* given = args.Arg(i, block->names[i]);
      frame.Set(block->names[i], given ? *given : Value());
    }
    frames_.push_back(std::move(frame));
    std::string captured;
    Status s = RenderBlock(*body, captured);
    frames_.pop_back();
    if (!s.ok()) return s;
    return Value(std::move(captured));
  });
  const Node& call = *node.kids[0];
  ASSIGN_OR_RETURN(Value callee, Eval(*call.kids[0]));
  CallArgs args;
  RETURN_IF_ERROR(EvalArgs(call, 1, args));
  args.keyword.emplace_back("caller", caller);
  frames_.emplace_back();
  frames_.back().Set("caller", caller);
  auto result = CallValue(callee, args);
  frames_.pop_back();
  if (!result.ok()) return result.status();
  return Append(out, ToDisplayString(*result, env_.dialect));
}

const Value* RenderState::Lookup(std::string_view name) const {
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if (const Value* v = it->Find(name)) return v;
  }
  return context_.Get(name);
}

std::vector<std::string> RenderState::VisibleNames() const {
  std::vector<std::string> names;
  for (const auto& frame : frames_)
    for (const auto& [k, v] : frame) names.push_back(k);
  if (context_.is_map())
    for (const auto& [k, v] : context_.AsMap()) names.push_back(k);
  return names;
}

namespace {
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
}  // namespace

// "inputs.name" for a chain of names and attributes; "" for anything else.
std::string ExpressionPath(const Node& node) {
  if (node.kind == NodeKind::kName) return node.text;
  if (node.kind == NodeKind::kAttr) {
    std::string base = ExpressionPath(*node.kids[0]);
    return base.empty() ? "" : base + "." + node.text;
  }
  return "";
}

Result<Value> RenderState::EvalName(const Node& node) {
  if (const Value* v = Lookup(node.text)) return *v;
  if (env_.FindFunction(node.text)) {
    // A bare function name evaluates to a callable, so `{{ now() }}` and
    // passing functions around both work.
    const Function* fn = env_.FindFunction(node.text);
    return Value::MakeCallable(node.text, [this, fn](CallArgs& args) { return (*fn)(args, *this); });
  }
  return Value::Undefined(node.text, AvailableHint(node.text, VisibleNames()));
}

Result<Value> RenderState::Eval(const Node& node) {
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
      ASSIGN_OR_RETURN(Value a, Eval(*node.kids[0]));
      if (!a.is_undefined() && !a.is_null()) return a;
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
    size_t i = std::stoul(name);
    if (i < obj.AsList().size()) return obj.AsList()[i];
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
  if (callee_node.kind == NodeKind::kName && !Lookup(callee_node.text)) {
    if (const Function* fn = env_.FindFunction(callee_node.text)) {
      RETURN_IF_ERROR(EvalArgs(node, 1, args));
      current_offset_ = callee_node.offset;
      return (*fn)(args, *this);
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
  return (*filter)(input, args, *this);
}

Result<bool> RenderState::ApplyTest(std::string_view name, const Value& input, CallArgs& args) {
  const Test* test = env_.FindTest(name);
  if (!test) return Error("unknown test '" + std::string(name) + "'");
  auto r = (*test)(input, args);
  if (!r.ok()) return Error(r.status().message());
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

Result<std::string> RenderState::RenderNested(std::string_view source) {
  if (++depth_ > env_.limits.max_depth) {
    --depth_;
    return Error("render() nested deeper than " + std::to_string(env_.limits.max_depth));
  }
  SourceOrigin origin = tmpl_.origin_;
  origin.name += " (rendered string)";
  auto compiled = Template::Compile(source, origin, env_);
  if (!compiled.ok()) {
    --depth_;
    return compiled.status();
  }
  RenderState nested(**compiled, context_, host_);
  nested.depth_ = depth_;
  nested.frames_ = frames_;
  auto out = nested.RenderRoot();
  --depth_;
  return out;
}

}  // namespace floe::tmpl
