#include "fuzz/flow_fuzz_target.h"

#include <string_view>

#include "flow/flow.h"
#include "tasks/builtin.h"

namespace floe::fuzz {
namespace {

const flow::TaskRegistry& Registry() {
  static const flow::TaskRegistry* registry = [] {
    auto* r = new flow::TaskRegistry();
    tasks::RegisterBuiltinTasks(*r);
    return r;
  }();
  return *registry;
}

}  // namespace

void FuzzFlow(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  flow::FlowParse parse = flow::ParseFlow(text, "fuzz.yml", Registry());
  for (const Status& e : parse.errors) (void)e.ToString();
  if (!parse.flow) return;
  // Defaults are checked at load; resolving them walks every input type.
  Result<tmpl::Value> inputs = flow::ResolveInputs(*parse.flow, {});
  (void)inputs.ok();  // an error (a required input without default) is fine
}

}  // namespace floe::fuzz
