#include "cli/home.h"

#include <cstdlib>

#include "tasks/builtin.h"

namespace floe::cli {

Home ResolveHome(const std::string& flag) {
  std::filesystem::path root;
  if (!flag.empty()) {
    root = flag;
  } else if (const char* env = std::getenv("FLOE_HOME"); env && *env) {
    root = env;
  } else {
    root = ".floe";
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(root, ec);
  return Home{ec ? root : absolute.lexically_normal()};
}

const flow::TaskRegistry& BuiltinRegistry() {
  static const flow::TaskRegistry registry = [] {
    flow::TaskRegistry r;
    tasks::RegisterBuiltinTasks(r);
    return r;
  }();
  return registry;
}

}  // namespace floe::cli
