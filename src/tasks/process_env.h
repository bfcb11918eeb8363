// The environment a task's process starts with: floe's own, without the
// credentials floe holds, plus what the flow sets.
//
//   std::vector<std::string> env = ProcessEnvironment(environ, {{"TOKEN", "..."}});
//   // no SECRET_*, no AWS_SECRET_ACCESS_KEY (unless the flow set it), TOKEN set
//
// Withheld from the inherited environment: SECRET_* (secret() values),
// FLOE_SECRET_KEY and FLOE_SECRET_KEY_FILE (the key of stored SECRET
// inputs), and the AWS credential variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, the
// container and web-identity credential sources). A flow that wants one
// passes it in `env` (`TOKEN: "{{ secret('TOKEN') }}"`).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floe::tasks {

// Whether an inherited variable named `name` is withheld from tasks.
bool WithheldFromTasks(std::string_view name);

// `inherited` (a NAME=value array ending in nullptr, like environ) minus
// withheld variables and those `given` sets, then `given` in order: each
// name appears once, with the flow's value when it sets one.
std::vector<std::string> ProcessEnvironment(char** inherited,
                                            const std::vector<std::pair<std::string, std::string>>& given);

}  // namespace floe::tasks
