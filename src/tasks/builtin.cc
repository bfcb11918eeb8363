#include "tasks/builtin.h"

#include "flow/trigger.h"

namespace floe::tasks {

void RegisterBuiltinTasks(flow::TaskRegistry& registry) {
  RegisterCoreTasks(registry);
  RegisterDuckDbTasks(registry);
  RegisterFlowableTasks(registry);
  RegisterShellTasks(registry);
  RegisterKvTasks(registry);
  RegisterHttpTasks(registry);
  RegisterS3Tasks(registry);
  RegisterModelsTasks(registry);
  RegisterGitTasks(registry);
  RegisterGitSyncTasks(registry);
  RegisterStorageTasks(registry);
  RegisterNamespaceTasks(registry);
  RegisterExecutionTasks(registry);
  RegisterIcebergTasks(registry);
  flow::RegisterServerTriggers(registry);
}

}  // namespace floe::tasks
