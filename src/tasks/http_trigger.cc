// http.Trigger (Kestra's io.kestra.plugin.core.http.Trigger): each poll sends
// the request http.Request would, then renders `responseCondition` with
// `response` ({statusCode, body, headers}); when it holds, the execution
// starts with trigger.uri, trigger.code, trigger.headers, trigger.body and
// trigger.length (Kestra's http.Request outputs). It keeps no state: while
// the condition holds, every poll fires (Kestra's stopAfter ends that).
#include "flow/task.h"
#include "tasks/builtin.h"
#include "tasks/http_call.h"

namespace floe::tasks {
namespace {

using tmpl::Value;

class HttpTrigger final : public flow::PollingTrigger {
 public:
  Result<std::optional<Value>> Poll(flow::TaskContext& ctx, Value& /*state: none kept*/) override {
    ASSIGN_OR_RETURN(HttpResponse r, SendHttpRequest(ctx));
    ctx.AddVariable(
        "response",
        Value::MakeMap({{"statusCode", Value(r.code)}, {"body", Value(r.body)}, {"headers", Value(r.headers)}}));
    ASSIGN_OR_RETURN(std::optional<Value> condition, ctx.Property("responseCondition"));
    // Kestra's default, {{ response.statusCode < 400 }}, without rendering it.
    bool fire = condition ? flow::ConditionHolds(*condition) : r.code < 400;
    if (!fire) return std::optional<Value>();
    int64_t length = static_cast<int64_t>(r.body.size());
    return std::optional<Value>(Value::MakeMap({{"uri", Value(r.uri)},
                                                {"code", Value(r.code)},
                                                {"headers", Value(std::move(r.headers))},
                                                {"body", Value(std::move(r.body))},
                                                {"length", Value(length)}}));
  }
};

}  // namespace

void RegisterHttpTrigger(flow::TaskRegistry& registry) {
  std::vector<flow::PropertySpec> properties = HttpRequestProperties();
  properties.push_back({.name = "responseCondition",
                        .type = flow::PropertyType::kString,
                        .description = "Fires when true; sees response.statusCode, response.body, response.headers. "
                                       "Default: {{ response.statusCode < 400 }}."});
  registry.Register({
      .name = "http.Trigger",
      .aliases = {"io.kestra.plugin.core.http.Trigger", "io.kestra.plugin.fs.http.Trigger"},
      .description = "Polls a URL every interval; starts an execution (trigger.code, trigger.body, trigger.headers, "
                     "trigger.uri) when responseCondition holds.",
      .properties = std::move(properties),
      .trigger_factory = [] { return std::make_unique<HttpTrigger>(); },
  });
}

}  // namespace floe::tasks
