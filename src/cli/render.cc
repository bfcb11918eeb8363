#include "cli/render.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/time.h"
#include "exec/secret_cipher.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::cli {
namespace {

tmpl::Value ParsedOrText(const std::string& json) {
  auto v = tmpl::ParseJson(json);
  return v.ok() ? *v : tmpl::Value(json);
}

// Inputs as shown: encrypted (secret) values are ******.
tmpl::Value ShownInputs(const std::string& json) {
  tmpl::Value inputs = ParsedOrText(json);
  if (!inputs.is_map()) return inputs;
  tmpl::ValueMap out;
  for (const auto& [k, v] : inputs.AsMap()) {
    bool sealed = v.is_string() && exec::SecretCipher::IsSealed(v.AsString());
    out.Set(k, sealed ? tmpl::Value("******") : v);
  }
  return tmpl::Value(std::move(out));
}

tmpl::Value Histories(const std::vector<state::StateChange>& history) {
  tmpl::ValueList out;
  for (const auto& h : history)
    out.push_back(tmpl::Value::MakeMap({{"state", tmpl::Value(std::string(state::StateName(h.state)))},
                                        {"date", tmpl::Value(FormatTimestamp(h.at))}}));
  return tmpl::Value(std::move(out));
}

void AddTimes(tmpl::ValueMap& m, const std::vector<state::StateChange>& history) {
  if (history.empty()) return;
  m.Set("startDate", tmpl::Value(FormatTimestamp(history.front().at)));
  if (state::IsTerminal(history.back().state)) {
    m.Set("endDate", tmpl::Value(FormatTimestamp(history.back().at)));
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(history.back().at - history.front().at);
    m.Set("durationMs", tmpl::Value(static_cast<int64_t>(d.count())));
  }
}

std::chrono::milliseconds Elapsed(const std::vector<state::StateChange>& history) {
  if (history.size() < 2) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(history.back().at - history.front().at);
}

// How long it took, or for one still going, how long it has run so far:
// "1.20 s", "3.40 s so far" (never "0 ms" for something that is running).
std::string DurationText(const std::vector<state::StateChange>& history) {
  if (history.empty()) return "-";
  if (state::IsTerminal(history.back().state)) return HumanDuration(Elapsed(history));
  auto so_far = std::chrono::duration_cast<std::chrono::milliseconds>(SystemClock().Now() - history.front().at);
  return HumanDuration(std::max(so_far, std::chrono::milliseconds(0))) + " so far";
}

}  // namespace

// The innermost ForEach value of a task run ({{ taskrun.value }}), or "".
std::string LoopValue(const state::TaskRun& t) {
  auto values = tmpl::ParseJson(t.loop_values_json);
  if (!values.ok() || !values->is_list() || values->AsList().empty()) return "";
  return tmpl::ToDisplayString(values->AsList().back(), tmpl::Dialect::kPebble);
}

tmpl::Value ExecutionToValue(const state::Execution& e) {
  tmpl::ValueMap m;
  m.Set("id", tmpl::Value(e.id));
  m.Set("namespace", tmpl::Value(e.namespace_));
  m.Set("flowId", tmpl::Value(e.flow_id));
  m.Set("state", tmpl::Value(std::string(state::StateName(e.state))));
  if (!e.error.empty()) m.Set("error", tmpl::Value(e.error));
  AddTimes(m, e.history);
  m.Set("inputs", ShownInputs(e.inputs_json));
  m.Set("outputs", ParsedOrText(e.outputs_json));
  m.Set("labels", ParsedOrText(e.labels_json));
  if (!e.trigger_json.empty()) m.Set("trigger", ParsedOrText(e.trigger_json));
  tmpl::ValueList runs;
  for (const auto& t : e.task_runs) {
    tmpl::ValueMap r;
    r.Set("id", tmpl::Value(t.id));
    r.Set("taskId", tmpl::Value(t.task_id));
    r.Set("type", tmpl::Value(t.task_type));
    r.Set("attempt", tmpl::Value(t.attempt));
    if (!t.parent_id.empty()) r.Set("parentTaskRunId", tmpl::Value(t.parent_id));
    if (std::string value = LoopValue(t); !value.empty()) r.Set("value", tmpl::Value(value));
    r.Set("state", tmpl::Value(std::string(state::StateName(t.state))));
    if (!t.error.empty()) r.Set("error", tmpl::Value(t.error));
    if (!t.log_file.empty()) r.Set("logFile", tmpl::Value(t.log_file));
    AddTimes(r, t.history);
    r.Set("outputs", ParsedOrText(t.outputs_json));
    r.Set("histories", Histories(t.history));
    runs.push_back(tmpl::Value(std::move(r)));
  }
  m.Set("taskRunList", tmpl::Value(std::move(runs)));
  m.Set("histories", Histories(e.history));
  return tmpl::Value(std::move(m));
}

std::string HumanDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  char buf[64];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 60000) {
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ms) / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(ms / 60000),
                  static_cast<long long>((ms % 60000) / 1000));
  }
  return buf;
}

std::string ClockTime(Timestamp t) { return FormatTimestamp(t).substr(11, 12); }

std::string DescribeExecution(const state::Execution& e) {
  std::string out =
      "execution " + e.id + "  " + e.namespace_ + "." + e.flow_id + "  " + std::string(state::StateName(e.state));
  if (!e.history.empty()) out += (e.ended() ? " in " : " for ") + DurationText(e.history);
  out += "\n";
  // Children are indented under their flowable task.
  std::map<std::string, int> depth;
  for (const auto& t : e.task_runs) {
    auto parent = depth.find(t.parent_id);
    int d = parent == depth.end() ? 0 : parent->second + 1;
    depth[t.id] = d;
    std::string name = std::string(2 * d, ' ') + t.task_id;
    if (std::string value = LoopValue(t); !value.empty()) name += " [" + value + "]";
    char line[512];
    std::snprintf(line, sizeof line, "  %-24s %-9s %10s  %s\n", name.c_str(),
                  std::string(state::StateName(t.state)).c_str(), DurationText(t.history).c_str(), t.task_type.c_str());
    out += line;
    if (!t.error.empty()) out += "      error: " + t.error + "\n";
  }
  if (!e.error.empty()) out += "error: " + e.error + "\n";
  auto outputs = tmpl::ParseJson(e.outputs_json);
  if (outputs.ok() && outputs->is_map() && !outputs->AsMap().empty()) {
    out += "outputs:\n";
    for (const auto& [k, v] : outputs->AsMap())
      out += "  " + k + ": " + tmpl::ToDisplayString(v, tmpl::Dialect::kPebble) + "\n";
  }
  return out;
}

std::string ExecutionTable(const std::vector<state::Execution>& executions) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-26s  %-9s  %-24s  %-40s  %s\n", "ID", "STATE", "STARTED", "FLOW", "DURATION");
  out += line;
  for (const auto& e : executions) {
    std::string flow = e.namespace_ + "." + e.flow_id;
    std::string started = e.history.empty() ? "" : FormatTimestamp(e.history.front().at);
    std::string duration = DurationText(e.history);
    std::snprintf(line, sizeof line, "%-26s  %-9s  %-24s  %-40s  %s\n", e.id.c_str(),
                  std::string(state::StateName(e.state)).c_str(), started.c_str(), flow.c_str(), duration.c_str());
    out += line;
  }
  return out;
}

std::string FormatLogLine(const state::LogEntry& entry) {
  char prefix[128];
  std::snprintf(prefix, sizeof prefix, "%s %-5s %-16s ", ClockTime(entry.at).c_str(),
                std::string(LogLevelName(entry.level)).c_str(), entry.task_id.empty() ? "-" : entry.task_id.c_str());
  return std::string(prefix) + entry.message;
}

}  // namespace floe::cli
