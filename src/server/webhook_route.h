// The webhook route: GET|POST|PUT {prefix}/executions/webhook/{namespace}/{flowId}/{key}
// fires a flow's Webhook trigger through the scheduler, as Kestra's
// ExecutionController#webhook does.
//
//   RETURN_IF_ERROR(AddWebhookRoutes(http, "/api/v1", scheduler, store, events));
//
// The call becomes the trigger's variables: trigger.body (the body parsed as
// JSON when it parses, else its text; null when empty), trigger.headers and
// trigger.parameters (name -> list of values, as Kestra gives them).
// Answers: 200 with the created execution as JSON; when the trigger has
// `wait: true`, 200 once the execution ended, with it (or with its outputs
// map under `returnOutputs: true`); 404 when no loaded flow has an enabled
// webhook with that key (or it is disabled); 409 when the trigger's
// conditions do not hold; 429 when the executor's queue is full; 400 when
// the flow's inputs do not validate.
//
// A prefix containing "{tenant}" accepts only the tenant "main".
#pragma once

#include <string>

#include "core/status.h"
#include "exec/events.h"
#include "server/http_server.h"
#include "state/store.h"
#include "triggers/scheduler.h"

namespace floe::server {

Status AddWebhookRoutes(HttpServer& http, const std::string& prefix, triggers::Scheduler& scheduler,
                        state::Store& store, exec::EventBus& events);

// The WebhookCall a request makes (exposed for tests).
triggers::WebhookCall MakeWebhookCall(const HttpRequest& request);

}  // namespace floe::server
