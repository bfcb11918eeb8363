#include "server/execution_json.h"

#include "core/time.h"
#include "tmpl/json.h"

namespace floe::server {
namespace {

tmpl::Value ParsedOr(const std::string& json, tmpl::Value fallback) {
  if (json.empty()) return fallback;
  auto v = tmpl::ParseJson(json);
  return v.ok() ? *v : fallback;
}

tmpl::Value StateJson(state::State current, const std::vector<state::StateChange>& history) {
  tmpl::ValueMap s;
  s.Set("current", std::string(state::StateName(current)));
  tmpl::ValueList histories;
  for (const auto& h : history)
    histories.push_back(
        tmpl::Value::MakeMap({{"state", std::string(state::StateName(h.state))}, {"date", FormatTimestamp(h.at)}}));
  if (!history.empty()) s.Set("startDate", FormatTimestamp(history.front().at));
  if (state::IsTerminal(current) && !history.empty()) s.Set("endDate", FormatTimestamp(history.back().at));
  s.Set("histories", tmpl::Value(std::move(histories)));
  return tmpl::Value(std::move(s));
}

}  // namespace

tmpl::Value ExecutionOutputs(const state::Execution& execution) {
  return ParsedOr(execution.outputs_json, tmpl::Value(tmpl::ValueMap{}));
}

tmpl::Value ExecutionJson(const state::Execution& e, int flow_revision) {
  tmpl::ValueMap out;
  out.Set("id", e.id);
  out.Set("namespace", e.namespace_);
  out.Set("flowId", e.flow_id);
  out.Set("flowRevision", flow_revision);
  out.Set("state", StateJson(e.state, e.history));
  out.Set("inputs", ParsedOr(e.inputs_json, tmpl::Value(tmpl::ValueMap{})));
  out.Set("outputs", ExecutionOutputs(e));
  tmpl::ValueList labels;
  tmpl::Value label_map = ParsedOr(e.labels_json, tmpl::Value(tmpl::ValueMap{}));
  if (label_map.is_map())
    for (const auto& [k, v] : label_map.AsMap()) labels.push_back(tmpl::Value::MakeMap({{"key", k}, {"value", v}}));
  out.Set("labels", tmpl::Value(std::move(labels)));
  if (!e.trigger_json.empty()) out.Set("trigger", ParsedOr(e.trigger_json, tmpl::Value()));
  tmpl::ValueList runs;
  for (const auto& r : e.task_runs) {
    tmpl::ValueMap run;
    run.Set("id", r.id);
    run.Set("taskId", r.task_id);
    run.Set("attempt", r.attempt);
    // Kestra keeps logToFile's file on the attempt.
    if (!r.log_file.empty()) run.Set("attempts", tmpl::ValueList{tmpl::Value::MakeMap({{"logFile", r.log_file}})});
    run.Set("outputs", ParsedOr(r.outputs_json, tmpl::Value(tmpl::ValueMap{})));
    run.Set("state", StateJson(r.state, r.history));
    runs.push_back(tmpl::Value(std::move(run)));
  }
  out.Set("taskRunList", tmpl::Value(std::move(runs)));
  if (!e.error.empty()) out.Set("error", e.error);
  return tmpl::Value(std::move(out));
}

}  // namespace floe::server
