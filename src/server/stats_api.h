// The REST API's dashboard statistics (Kestra's StatsController) and plugin
// documentation (PluginController), under /api/v1 and /api/v1/{tenant}:
//
//   POST /stats/executions/daily                {"namespace", "flowId", "startDate", "endDate"} (all optional; the
//                                               last 30 days by default): one entry per day, zero-filled, with
//                                               executionCounts by state and duration min/avg/max/sum/count
//   POST /stats/taskruns/daily                  the same, counting task runs
//   POST /stats/executions/daily/group-by-flow  {namespace: {flowId: [the same per day]}}
//   GET  /plugins                               floe's task and trigger types, with their Kestra names
//   GET  /plugins/{cls}                         {"cls", "name", "aliases", "markdown", "schema"}: a type's JSON Schema
//   GET  /plugins/schemas/flow                  the JSON Schema of a whole flow (`floe schema`)
#pragma once

#include <memory>

#include "core/status.h"
#include "server/api_context.h"

namespace floe::server {

Status AddStatsRoutes(ApiContext& api);
Status AddPluginRoutes(ApiContext& api);

}  // namespace floe::server
