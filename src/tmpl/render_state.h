// RenderState: what a filter, function or test sees while a template renders.
// Host extensions (flow functions like secret(), model functions like ref())
// use it to report errors at the current position and to call back into the
// engine. One RenderState lives for one Render() call, on one thread.
#pragma once

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

  Result<Value> CallValue(const Value& callee, CallArgs& args);
  Result<Value> ApplyFilter(std::string_view name, const Value& input, CallArgs& args);
  Result<bool> ApplyTest(std::string_view name, const Value& input, CallArgs& args);
  // Renders `source` as a template against the current context (`render()`).
  Result<std::string> RenderNested(std::string_view source);

  // Entry points used by Template.
  Result<std::string> RenderRoot();
  Result<Value> EvaluateRoot(const Node& expression);

 private:
  Status RenderBlock(const Node& block, std::string& out);
  Status RenderNode(const Node& node, std::string& out);
  Status RenderFor(const Node& node, std::string& out);
  Status RenderCallBlock(const Node& node, std::string& out);
  Status Append(std::string& out, std::string_view text);
  Status Assign(const std::vector<std::string>& names, const Value& value, const Node& at);
  Value DefineMacro(const Node& node);

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
};

}  // namespace floe::tmpl
