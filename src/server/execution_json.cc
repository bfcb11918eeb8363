#include "server/execution_json.h"

#include "core/duration.h"
#include "core/time.h"
#include "exec/secret_cipher.h"
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
  if (!history.empty()) {
    s.Set("startDate", FormatTimestamp(history.front().at));
    bool ended = state::IsTerminal(current) || current == state::State::kPaused;
    Timestamp until = ended ? history.back().at : SystemClock().Now();
    s.Set("duration", FormatDuration(std::chrono::duration_cast<Duration>(until - history.front().at)));
    if (ended) s.Set("endDate", FormatTimestamp(history.back().at));
  }
  s.Set("histories", tmpl::Value(std::move(histories)));
  return tmpl::Value(std::move(s));
}

// SECRET inputs are kept sealed in the store; an API shows them masked, as logs do.
tmpl::Value MaskSealed(const tmpl::Value& v) {
  if (v.is_string() && exec::SecretCipher::IsSealed(v.AsString())) return tmpl::Value("******");
  if (v.is_map()) {
    tmpl::ValueMap out;
    for (const auto& [k, item] : v.AsMap()) out.Set(k, MaskSealed(item));
    return tmpl::Value(std::move(out));
  }
  if (v.is_list()) {
    tmpl::ValueList out;
    for (const auto& item : v.AsList()) out.push_back(MaskSealed(item));
    return tmpl::Value(std::move(out));
  }
  return v;
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
  out.Set("tenantId", "main");
  out.Set("originalId", e.id);
  out.Set("deleted", false);
  // Kestra's metadata: the attempt counts restarts.
  int64_t restarts = 0;
  for (const auto& h : e.history) restarts += h.state == state::State::kRestarted;
  tmpl::ValueMap metadata;
  metadata.Set("attemptNumber", 1 + restarts);
  if (!e.history.empty()) metadata.Set("originalCreatedDate", FormatTimestamp(e.history.front().at));
  out.Set("metadata", tmpl::Value(std::move(metadata)));
  out.Set("state", StateJson(e.state, e.history));
  out.Set("inputs", MaskSealed(ParsedOr(e.inputs_json, tmpl::Value(tmpl::ValueMap{}))));
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
    run.Set("executionId", e.id);
    run.Set("namespace", e.namespace_);
    run.Set("flowId", e.flow_id);
    run.Set("taskId", r.task_id);
    run.Set("taskType", r.task_type);  // floe's addition: Kestra's clients ignore it
    if (!r.parent_id.empty()) run.Set("parentTaskRunId", r.parent_id);
    tmpl::Value loop = ParsedOr(r.loop_values_json, tmpl::Value(tmpl::ValueList{}));
    if (loop.is_list() && !loop.AsList().empty()) {
      const tmpl::Value& last = loop.AsList().back();
      run.Set("value", last.is_string() ? last : tmpl::Value(tmpl::ToJson(last)));
    }
    run.Set("attempt", r.attempt);
    // Kestra's attempts: floe records each attempt as its own task run, so
    // a run has one, with logToFile's file on it.
    tmpl::ValueMap attempt;
    attempt.Set("state", StateJson(r.state, r.history));
    if (!r.log_file.empty()) attempt.Set("logFile", r.log_file);
    run.Set("attempts", tmpl::ValueList{tmpl::Value(std::move(attempt))});
    if (!r.error.empty()) run.Set("error", r.error);
    run.Set("outputs", ParsedOr(r.outputs_json, tmpl::Value(tmpl::ValueMap{})));
    run.Set("state", StateJson(r.state, r.history));
    runs.push_back(tmpl::Value(std::move(run)));
  }
  out.Set("taskRunList", tmpl::Value(std::move(runs)));
  if (!e.error.empty()) out.Set("error", e.error);
  return tmpl::Value(std::move(out));
}

}  // namespace floe::server
