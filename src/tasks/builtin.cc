#include "tasks/builtin.h"

namespace floe::tasks {

void RegisterBuiltinTasks(flow::TaskRegistry& registry) {
  RegisterCoreTasks(registry);
  RegisterDuckDbTasks(registry);
  RegisterFlowableTasks(registry);
  RegisterShellTasks(registry);
  RegisterKvTasks(registry);
  RegisterHttpTasks(registry);
  RegisterS3Tasks(registry);
}

}  // namespace floe::tasks
