#include "cli/command_support.h"

#include <cstdio>

namespace floe::cli {

int Report(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return kExitUsage;
}

Result<std::map<std::string, tmpl::Value>> ParseInputFlags(const std::vector<std::string>& flags) {
  std::map<std::string, tmpl::Value> inputs;
  for (const auto& kv : flags) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return InvalidArgument("--input '" + kv + "' must be NAME=VALUE");
    inputs[kv.substr(0, eq)] = tmpl::Value(kv.substr(eq + 1));
  }
  return inputs;
}

}  // namespace floe::cli
