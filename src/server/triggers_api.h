// The REST API's trigger routes (Kestra's TriggerController), under /api/v1
// and /api/v1/{tenant}:
//
//   GET  /triggers/search                              ?namespace= &flowId= &q= &page= &size=:
//                                                      [{"abstractTrigger": the flow's, "triggerContext": the state}]
//   GET  /triggers/{namespace}/{flowId}                that flow's triggers' states, paged
//   PUT  /triggers                                     a trigger's {"namespace", "flowId", "triggerId"} with
//                                                      "disabled", or with "backfill": {"start", "end", "inputs",
//                                                      "labels", "concurrency"} to start one
//   POST /triggers/{namespace}/{flowId}/{triggerId}/unlock    frees its lease; 409 when it held none
//   POST /triggers/{namespace}/{flowId}/{triggerId}/restart   frees its lease whether held or not
//   PUT  /triggers/backfill/pause, /unpause            a trigger's ids: its backfill pauses or goes on
//   POST /triggers/backfill/delete                     a trigger's ids: its backfill is removed
//   POST /triggers/set-disabled/by-triggers            {"triggers": [ids...], "disabled": true} -> {"count"}
#pragma once

#include <memory>

#include "core/status.h"
#include "server/api_context.h"
#include "state/model.h"
#include "tmpl/value.h"
#include "triggers/scheduler.h"

namespace floe::server {

Result<std::shared_ptr<void>> AddTriggerRoutes(ApiContext& api, triggers::Scheduler& scheduler);

// A trigger's stored state as Kestra's API shows it (with its backfill, when it has one).
tmpl::Value TriggerJson(const state::Trigger& trigger, const std::optional<state::Backfill>& backfill, Timestamp now);

}  // namespace floe::server
