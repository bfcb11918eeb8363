// The REST API's log routes (Kestra's LogController), under /api/v1 and
// /api/v1/{tenant}:
//
//   GET    /logs/{executionId}           ?minLevel= &taskId= &taskRunId=: its lines, oldest first
//   GET    /logs/{executionId}/download  the same as text, one line each
//   GET    /logs/{executionId}/follow    server-sent events: `id: start`, then each line with its
//                                        sequence number as id (a reconnect's Last-Event-ID resumes
//                                        after it), then an `end` event once the execution ended
//   DELETE /logs/{executionId}           ?minLevel= &taskId= ... (all by default)
//   GET    /logs/search                  ?namespace= &flowId= &minLevel= &startDate= &endDate= &q= &page= &size=
//
// A client that falls behind by three quarters of the server's stream buffer
// gets an `overflow` event and the stream ends (sse.h's
// WriteEventOrEndBehind); it reconnects with Last-Event-ID and misses nothing.
#pragma once

#include <memory>

#include "core/status.h"
#include "server/api_context.h"
#include "state/model.h"
#include "tmpl/value.h"

namespace floe::server {

// Returns the routes' state, which must outlive the HTTP server and the API's workers.
Result<std::shared_ptr<void>> AddLogRoutes(ApiContext& api);

// A log line as Kestra's API shows it.
tmpl::Value LogJson(const state::LogEntry& entry, const std::string& ns, const std::string& flow_id);

}  // namespace floe::server
