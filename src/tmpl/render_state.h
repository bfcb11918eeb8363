// RenderState: what a filter, function or test sees while a template renders.
// Host extensions (flow functions like secret(), model functions like ref())
// use it to report errors at the current position and to call back into the
// engine. One RenderState lives for one Render() call, on one thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tmpl/template.h"
#include "tmpl/value.h"

namespace floe::tmpl {

struct Node;

class RenderState {
 public:
  RenderState(const Template& tmpl, const Value& context, const RenderHost* host = nullptr);

  const Environment& env() const { return env_; }
  Dialect dialect() const { return env_.dialect; }
  const Value& context() const { return context_; }
  // The host's services, or a default host whose services all fail clearly.
  const RenderHost& host() const;

  // An error positioned at the expression being evaluated.
  Status Error(std::string message) const;
  // Where the expression being evaluated is (cheaper than Error's).
  SourceLocation Location() const;

  Result<Value> CallValue(const Value& callee, CallArgs& args);
  // Calls an Environment function; a keyword argument it did not take is
  // an error naming it.
  Result<Value> CallFunction(const Function& fn, std::string_view name, CallArgs& args);
  Result<Value> ApplyFilter(std::string_view name, const Value& input, CallArgs& args);
  Result<bool> ApplyTest(std::string_view name, const Value& input, CallArgs& args);
  // Renders `source` as a template against the current context (`render()`).
  Result<std::string> RenderNested(std::string_view source);
  // dbt's return(value): ends the innermost running macro, whose call then
  // evaluates to `value` (any Value, not its text) instead of its output.
  // Statements after it do not run; expressions already being evaluated
  // finish. An error, at the current position, outside a macro.
  Status Return(Value value);

  // Entry points used by Template.
  Result<std::string> RenderRoot();
  Result<Value> EvaluateRoot(const Node& expression);

 private:
  friend Result<Value> CallMacro(const Template& library, std::string_view macro, CallArgs& args, RenderState& caller);
  // The top-level macros of a library template, by macro name.
  static const std::map<std::string, const Node*, std::less<>>& MacrosOf(const Template& t) { return t.macros_; }
  // A state that renders `tmpl`'s nodes with another Environment (CallMacro's).
  RenderState(const Template& tmpl, const Environment& env, const Value& context, const RenderHost* host);

  // Why RenderBlock stopped before the end of its block.
  enum class Stop { kNone, kBreak, kContinue, kReturn };

  Status RenderBlock(const Node& block, std::string& out);
  Status RenderNode(const Node& node, std::string& out);
  Status RenderFor(const Node& node, std::string& out);
  Status RenderCallBlock(const Node& node, std::string& out);
  Status Append(std::string& out, std::string_view text);
  Status Assign(const std::vector<std::string>& names, const Value& value, const Node& at);
  Value DefineMacro(const Node& node);
  // Runs a macro definition with `args` in a fresh frame: its output, or
  // what it return()ed.
  Result<Value> InvokeMacro(const Node& def, CallArgs& args);

  Result<Value> Eval(const Node& node);  // EvalNode, then the value's size checked against the limits
  Result<Value> EvalNode(const Node& node);
  Result<Value> EvalName(const Node& node);
  Result<Value> EvalAttr(const Node& node);
  Result<Value> EvalIndex(const Node& node);
  Result<Value> EvalSlice(const Node& node);
  Result<Value> EvalCall(const Node& node);
  Result<Value> EvalFilter(const Node& node, const Value* input_override);
  Result<Value> EvalTest(const Node& node);
  Result<Value> EvalBinary(const Node& node);
  Result<Value> EvalUnary(const Node& node);
  Status EvalArgs(const Node& node, size_t first, CallArgs& args);
  Status CheckDefined(const Value& v, const Node& at) const;
  Status ErrorAt(const Node& node, std::string message) const;
  Status ErrorAt(uint32_t offset, std::string message) const;

  const Value* Lookup(std::string_view name) const;
  // Lookup, and for a CallMacro state the library's top-level macros
  // between the frames and the context.
  const Value* Resolve(std::string_view name);
  std::vector<std::string> VisibleNames() const;

  Status RenderImport(const Node& node, std::string& out);
  Result<RenderState*> LoadModule(const Node& node, const std::string& name);
  ValueMap Exports() const;

  const Template& tmpl_;
  const RenderHost* host_;
  // Imported templates and their states stay alive while their macros may
  // be called.
  std::vector<std::shared_ptr<const Template>> imported_templates_;
  std::vector<std::unique_ptr<RenderState>> imported_states_;
  const Environment& env_;
  const Value& context_;
  std::vector<ValueMap> frames_;  // innermost last
  uint32_t current_offset_ = 0;
  int depth_ = 0;
  int64_t iterations_ = 0;
  size_t output_bytes_ = 0;
  Stop stop_ = Stop::kNone;
  Value returned_;               // set with stop_ == kReturn
  int macro_depth_ = 0;          // macro bodies running in this state
  bool library_macros_ = false;  // a CallMacro state: tmpl_'s top-level macros are visible
};

// Calls the top-level macro `macro` of `library` (a macro, test,
// materialization, docs or snapshot block: TemplateBlock::macro_name) as
// dbt's global macro namespace does: in the caller's context, host and
// Environment, so the macro sees `this`, `model`, `config` and every
// function the caller can call. Returns the macro's output, or the Value it
// return()ed. The library's other top-level macros are visible by name
// inside it; the caller's local variables are not. Errors in the macro
// point into the library's source; an unknown macro is an error at the
// caller's position. Only the macro runs, not the rest of the library.
//
// Thread safety: `library` is only read; calls with different callers may
// run at once. A Value the macro returns must not hold a macro of the
// library (it would outlive the call).
//
//   env.AddFunction("my_macro", [lib](CallArgs& a, RenderState& st) { return CallMacro(*lib, "my_macro", a, st); });
Result<Value> CallMacro(const Template& library, std::string_view macro, CallArgs& args, RenderState& caller);

}  // namespace floe::tmpl
