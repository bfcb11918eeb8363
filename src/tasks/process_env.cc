#include "tasks/process_env.h"

#include <algorithm>
#include <array>

namespace floe::tasks {

bool WithheldFromTasks(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kCredentials = {
      "FLOE_SECRET_KEY",
      "FLOE_SECRET_KEY_FILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_SECURITY_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_ROLE_ARN",
      "AWS_ROLE_SESSION_NAME",
  };
  if (name.starts_with("SECRET_")) return true;
  return std::find(kCredentials.begin(), kCredentials.end(), name) != kCredentials.end();
}

std::vector<std::string> ProcessEnvironment(char** inherited,
                                            const std::vector<std::pair<std::string, std::string>>& given) {
  std::vector<std::string> env;
  for (char** e = inherited; e && *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (WithheldFromTasks(name)) continue;
    bool overridden =
        std::any_of(given.begin(), given.end(), [&](const auto& kv) { return std::string_view(kv.first) == name; });
    if (!overridden) env.emplace_back(entry);
  }
  for (const auto& [name, value] : given) {
    // A name given twice: the last wins. (A named prefix, not the binding:
    // clang 14 cannot capture structured bindings.)
    const std::string prefix = name + "=";
    std::erase_if(env, [&prefix](const std::string& e) { return e.starts_with(prefix); });
    env.push_back(prefix + value);
  }
  return env;
}

}  // namespace floe::tasks
