// The built-in task registry, built once, for tests of the tasks module
// (runtime::BuiltinRegistry() lives above tasks and adds the cron check).
#pragma once

#include "flow/registry.h"
#include "tasks/builtin.h"

namespace floe::test_support {

inline const flow::TaskRegistry& BuiltinTasks() {
  static const flow::TaskRegistry registry = [] {
    flow::TaskRegistry r;
    tasks::RegisterBuiltinTasks(r);
    return r;
  }();
  return registry;
}

}  // namespace floe::test_support
