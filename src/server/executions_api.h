// The REST API's execution routes (Kestra's ExecutionController), under
// /api/v1 and /api/v1/{tenant}:
//
//   POST   /executions/{namespace}/{id}          run a flow: inputs as multipart/form-data (files too), a url-encoded
//                                                form or a JSON object; ?labels=k:v &scheduleDate= &wait=true
//                                                (answer once it ended); 404 no flow, 409 disabled, 422 bad inputs
//   GET    /executions/{executionId}             one execution with its task runs
//   GET    /executions/search                    ?namespace= &flowId= &state= &labels=k:v &startDate= &endDate=
//                                                &timeRange=P1D &q= &page= &size= (or Kestra's filters[field][OP]=)
//   GET    /executions                           ?namespace= &flowId= (both required) &page= &size=
//   DELETE /executions/{executionId}/kill        202
//   POST   /executions/{executionId}/resume      a paused one goes on, with its onResume inputs (a form); 204
//   POST   /executions/{executionId}/restart     a failed or killed one runs again from its failed tasks
//   POST   /executions/{executionId}/replay      ?taskRunId= (or taskId=): a new execution from that task
//   POST   /executions/{executionId}/change-status   ?status= a terminal state, for an ended execution
//   POST   /executions/{executionId}/state       {"taskRunId", "state"}: a failed or killed execution's task run
//                                                becomes SUCCESS, WARNING or FAILED, and the execution restarts
//   POST   /executions/{executionId}/labels      [{"key","value"}] replaces an ended execution's labels
//   DELETE /executions/{executionId}             ?deleteLogs=true &deleteStorage=true; 204
//   GET    /executions/{executionId}/file        ?path=floe:///... (or kestra:///...) one of its files
//   GET    /executions/{executionId}/file/metas  ?path= -> {"size"}
//   GET    /executions/{executionId}/file/preview ?path= &maxRows=100: the first rows of a CSV, Parquet or
//                                                JSON file, read by DuckDB; other text as lines
//   GET    /executions/{executionId}/follow      server-sent events: `id: start`, then the whole execution at each
//                                                change (`id: progress`), then `id: end` when it ended
//   bulk:  DELETE /executions/kill/by-ids|by-query, POST /executions/restart/by-ids|by-query,
//          POST /executions/resume/by-ids|by-query, POST /executions/labels/by-ids|by-query,
//          DELETE /executions/by-ids|by-query: a body of ids (labels/by-ids: {"executionsId", "executionLabels"})
//          or a search's parameters; every execution is checked first, and any that cannot be acted on makes
//          the whole request a 400 listing them ("invalids"); else {"count"}.
#pragma once

#include "core/status.h"
#include "server/api_context.h"
#include "state/model.h"

namespace floe::server {

// Returns the routes' state, which must outlive the HTTP server and the
// API's workers.
Result<std::shared_ptr<void>> AddExecutionRoutes(ApiContext& api);

// The search of a request's query: Kestra's legacy parameters (namespace,
// flowId, state, labels, startDate, endDate, timeRange, q) or its
// filters[field][OP]=value form. Paging is left to the caller.
Result<state::ExecutionFilter> ReadExecutionFilter(const HttpRequest& request, Timestamp now);

}  // namespace floe::server
