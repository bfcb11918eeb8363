// Tree-walking renderer, statements: text, output, if, for, set, macros,
// call blocks, imports. Expressions are in eval.cc.
#include <algorithm>
#include <utility>

#include "tmpl/internal/ast.h"
#include "tmpl/internal/render_util.h"
#include "tmpl/json.h"
#include "tmpl/render_state.h"

namespace floe::tmpl {

RenderState::RenderState(const Template& tmpl, const Value& context, const RenderHost* host)
    : RenderState(tmpl, *tmpl.env_, context, host) {}

RenderState::RenderState(const Template& tmpl, const Environment& env, const Value& context, const RenderHost* host)
    : tmpl_(tmpl), host_(host), env_(env), context_(context) {
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

SourceLocation RenderState::Location() const { return TemplateLocation(tmpl_.source_, tmpl_.origin_, current_offset_); }

Result<std::string> RenderState::RenderRoot() {
  if (!tmpl_.root_) return tmpl_.source_;  // a literal: no tags, nothing parsed
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

// Stops early after a break, continue or return; the loop or macro that
// handles it resets stop_.
Status RenderState::RenderBlock(const Node& block, std::string& out) {
  for (const auto& kid : block.kids) {
    RETURN_IF_ERROR(RenderNode(*kid, out));
    if (stop_ != Stop::kNone) break;
  }
  return Status::Ok();
}

Status RenderState::Return(Value value) {
  if (macro_depth_ == 0)
    return Error("return() outside a macro")
        .WithHint("return(value) ends a macro and makes its call evaluate to value");
  returned_ = std::move(value);
  stop_ = Stop::kReturn;
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
      if (stop_ != Stop::kNone) return Status::Ok();  // left by break/continue/return: no assignment
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
      if (stop_ != Stop::kNone) return Status::Ok();
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
    case NodeKind::kBreak:
      stop_ = Stop::kBreak;
      return Status::Ok();
    case NodeKind::kContinue:
      stop_ = Stop::kContinue;
      return Status::Ok();
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
    // Iterating a map: (key, value) pairs when two names are given; else
    // Pebble's entries (`e.key`, `e.value`) or Jinja's keys.
    for (const auto& [k, v] : iterable.AsMap()) {
      if (node.names.size() == 2) {
        items.push_back(Value(ValueList{Value(k), v}));
      } else if (env_.dialect == Dialect::kPebble) {
        items.push_back(Value::MakeMap({{"key", Value(k)}, {"value", v}}));
      } else {
        items.push_back(Value(k));
      }
    }
    list = &items;
  } else if (iterable.is_string()) {
    for (char c : iterable.AsString()) items.push_back(Value(std::string(1, c)));
    list = &items;
  } else if (iterable.is_null()) {
    if (env_.dialect == Dialect::kPebble) return Status::Ok();  // Pebble renders nothing, not even `else`
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
  // One `loop` map per loop, updated in place each iteration. Pebble's has
  // index and revindex from 0 (3 items: index 0 1 2, revindex 2 1 0), first,
  // last and length; Jinja's counts from 1 and adds index0, revindex0,
  // previtem and nextitem.
  const bool pebble = env_.dialect == Dialect::kPebble;
  auto length = static_cast<int64_t>(n);
  Value loop = pebble ? Value::MakeMap({{"index", Value(int64_t{0})},
                                        {"revindex", Value(length - 1)},
                                        {"first", Value(true)},
                                        {"last", Value(n == 1)},
                                        {"length", Value(length)}})
                      : Value::MakeMap({{"index", Value(int64_t{1})},
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
    fields.Set("first", Value(i == 0));
    fields.Set("last", Value(i + 1 == n));
    if (pebble) {
      fields.Set("index", Value(index));
      fields.Set("revindex", Value(length - index - 1));
    } else {
      fields.Set("index", Value(index + 1));
      fields.Set("index0", Value(index));
      fields.Set("revindex", Value(length - index));
      fields.Set("revindex0", Value(length - index - 1));
      if (i > 0) fields.Set("previtem", (*list)[i - 1]);
      fields.Set("nextitem", i + 1 < n ? (*list)[i + 1] : Value::Undefined("loop.nextitem"));
    }
    status = Assign(node.names, (*list)[i], node);
    if (!status.ok()) break;
    status = RenderBlock(*node.kids[1], out);
    if (!status.ok() || stop_ == Stop::kReturn) break;
    if (stop_ == Stop::kBreak) {
      stop_ = Stop::kNone;
      break;
    }
    stop_ = Stop::kNone;  // continue, or nothing
  }
  frames_.pop_back();
  return status;
}

Value RenderState::DefineMacro(const Node& node) {
  // The macro closes over nothing but its definition; it renders with the
  // caller's RenderState (same context and globals), in a fresh frame.
  const Node* def = &node;
  return Value::MakeCallable(node.text, [this, def](CallArgs& args) { return InvokeMacro(*def, args); });
}

Result<Value> RenderState::InvokeMacro(const Node& def, CallArgs& args) {
  size_t nparams = def.names.size();
  if (args.positional.size() > nparams) {
    return ErrorAt(def, "macro '" + def.text + "' takes " + std::to_string(nparams) + " arguments, got " +
                            std::to_string(args.positional.size()));
  }
  if (++depth_ > env_.limits.max_depth) {
    --depth_;
    return ErrorAt(def, "macro calls nested deeper than " + std::to_string(env_.limits.max_depth));
  }
  ValueMap frame;
  for (size_t i = 0; i < nparams; ++i) {
    const std::string& p = def.names[i];
    const Value* given = args.Arg(i, p);
    if (given) {
      frame.Set(p, *given);
    } else if (def.kids[i + 1]) {
      auto d = Eval(*def.kids[i + 1]);
      if (!d.ok()) {
        --depth_;
        return d.status();
      }
      frame.Set(p, *d);
    } else {
      frame.Set(p, Value::Undefined(p, "macro '" + def.text + "' was called without it"));
    }
  }
  ValueMap kwargs;
  for (const auto& [k, v] : args.keyword) {
    if (std::find(def.names.begin(), def.names.end(), k) != def.names.end()) continue;
    if (k == "caller") {
      frame.Set(k, v);  // from a call block
    } else if (!def.catch_kwargs && env_.dialect == Dialect::kJinja) {
      --depth_;
      std::string params;
      for (const auto& p : def.names) params += (params.empty() ? "" : ", ") + p;
      return ErrorAt(def, "macro '" + def.text + "' takes no keyword argument '" + k + "'")
          .WithHint("its parameters: " + (params.empty() ? std::string("none") : params));
    } else {
      kwargs.Set(k, v);
    }
  }
  frame.Set("kwargs", Value(std::move(kwargs)));
  frame.Set("varargs", Value(ValueList()));
  frames_.push_back(std::move(frame));
  ++macro_depth_;
  std::string out;
  Status s = RenderBlock(*def.kids[0], out);
  --macro_depth_;
  frames_.pop_back();
  --depth_;
  if (!s.ok()) return s;
  if (stop_ == Stop::kReturn) {
    stop_ = Stop::kNone;
    return std::exchange(returned_, Value());
  }
  return Value(std::move(out));
}

Result<Value> CallMacro(const Template& library, std::string_view macro, CallArgs& args, RenderState& caller) {
  const auto& macros = RenderState::MacrosOf(library);
  auto it = macros.find(macro);
  if (it == macros.end()) {
    std::vector<std::string> names;
    for (const auto& [name, node] : macros) names.push_back(name);
    return caller.Error("'" + library.name() + "' has no top-level macro '" + std::string(macro) + "'")
        .WithHint(AvailableHint(macro, names));
  }
  RenderState state(library, caller.env_, caller.context_, caller.host_);
  state.library_macros_ = true;
  // Limits hold across the whole render, not per call.
  state.depth_ = caller.depth_;
  state.iterations_ = caller.iterations_;
  state.output_bytes_ = caller.output_bytes_;
  auto result = state.InvokeMacro(*it->second, args);
  caller.iterations_ = state.iterations_;
  caller.output_bytes_ = state.output_bytes_;
  return result;
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

const Value* RenderState::Resolve(std::string_view name) {
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if (const Value* v = it->Find(name)) return v;
  }
  if (library_macros_) {
    auto it = MacrosOf(tmpl_).find(name);
    if (it != MacrosOf(tmpl_).end()) {
      // Defined on first use, in the root frame, like a rendered {% macro %}.
      frames_.front().Set(name, DefineMacro(*it->second));
      return frames_.front().Find(name);
    }
  }
  if (const Value* v = context_.Get(name)) return v;
  return host().Global(name);
}

const Value* RenderState::Lookup(std::string_view name) const {
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if (const Value* v = it->Find(name)) return v;
  }
  if (const Value* v = context_.Get(name)) return v;
  return host().Global(name);
}

std::vector<std::string> RenderState::VisibleNames() const {
  std::vector<std::string> names;
  for (const auto& frame : frames_)
    for (const auto& [k, v] : frame) names.push_back(k);
  if (context_.is_map())
    for (const auto& [k, v] : context_.AsMap()) names.push_back(k);
  for (auto& k : host().GlobalNames()) names.push_back(std::move(k));
  return names;
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
