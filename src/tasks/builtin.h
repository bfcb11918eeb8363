// Every task and trigger type floe ships (the server's Schedule, Flow, Webhook
// ... through flow::RegisterServerTriggers), registered under floe's short names and
// Kestra's names as aliases.
//
//   flow::TaskRegistry registry;
//   tasks::RegisterBuiltinTasks(registry);
#pragma once

#include "flow/registry.h"

namespace floe::tasks {

void RegisterBuiltinTasks(flow::TaskRegistry& registry);

// Per family; RegisterBuiltinTasks calls them all.
void RegisterCoreTasks(flow::TaskRegistry& registry);
void RegisterDuckDbTasks(flow::TaskRegistry& registry);
void RegisterFlowableTasks(flow::TaskRegistry& registry);
void RegisterShellTasks(flow::TaskRegistry& registry);
void RegisterKvTasks(flow::TaskRegistry& registry);
void RegisterHttpTasks(flow::TaskRegistry& registry);
void RegisterS3Tasks(flow::TaskRegistry& registry);
void RegisterModelsTasks(flow::TaskRegistry& registry);
void RegisterGitTasks(flow::TaskRegistry& registry);
void RegisterGitSyncTasks(flow::TaskRegistry& registry);
void RegisterStorageTasks(flow::TaskRegistry& registry);
void RegisterNamespaceTasks(flow::TaskRegistry& registry);
void RegisterExecutionTasks(flow::TaskRegistry& registry);
void RegisterIcebergTasks(flow::TaskRegistry& registry);

}  // namespace floe::tasks
