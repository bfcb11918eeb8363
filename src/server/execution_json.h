// An execution as Kestra's API shows it: what the webhook route answers (and
// the REST API, when it comes).
//
//   HttpResponse::Json(200, tmpl::ToJson(ExecutionJson(execution)));
//   // {"id":"...","namespace":"company.team","flowId":"hello","flowRevision":1,
//   //  "state":{"current":"SUCCESS","startDate":"...","endDate":"...","histories":[...]},
//   //  "inputs":{...},"outputs":{...},"labels":[{"key":"k","value":"v"}],"trigger":{...},
//   //  "taskRunList":[{"id","taskId","value","state":{...}}]}
#pragma once

#include "state/model.h"
#include "tmpl/value.h"

namespace floe::server {

tmpl::Value ExecutionJson(const state::Execution& execution, int flow_revision = 1);

// The execution's outputs (a map; empty when it has none).
tmpl::Value ExecutionOutputs(const state::Execution& execution);

}  // namespace floe::server
