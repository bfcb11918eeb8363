#include "cli/remote_commands.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/command_support.h"
#include "cli/render.h"
#include "flow/flow.h"
#include "runtime/home.h"
#include "tmpl/json.h"

namespace floe::cli {
namespace {

std::string ExecutionPath(const std::string& id) { return "/api/v1/executions/" + UrlEncode(id); }

// Prints the execution as `floe run` / `floe executions show` do; the exit code for its state.
int Print(const state::Execution& e, bool json, bool leading_blank) {
  if (json) {
    std::printf("%s\n", tmpl::ToJson(ExecutionToValue(e), 2).c_str());
  } else {
    std::printf("%s%s", leading_blank ? "\n" : "", DescribeExecution(e).c_str());
  }
  return e.state == state::State::kSuccess ? kExitOk : kExitFailed;
}

// Prints log lines from the follow stream until the execution ends.
Status FollowLogs(const ServerClient& client, const std::string& id) {
  return client.Stream("/api/v1/logs/" + UrlEncode(id) + "/follow", [](const ServerClient::Event& event) {
    if (event.event == "end") return false;
    if (event.id == "start" || event.data.empty()) return true;
    auto json = tmpl::ParseJson(event.data);
    if (json.ok()) std::printf("%s\n", FormatLogLine(LogFromJson(*json)).c_str());
    std::fflush(stdout);
    return true;
  });
}

Result<state::Execution> WaitEnded(const ServerClient& client, const std::string& id) {
  while (true) {
    ASSIGN_OR_RETURN(state::Execution e, client.GetExecution(id));
    if (state::IsTerminal(e.state) || e.state == state::State::kPaused) return e;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int RemoteRun(const ServerClient& client, const std::string& file, const std::vector<std::string>& input_flags,
              bool json, bool detach) {
  auto flow = flow::LoadFlowFile(file, runtime::BuiltinRegistry());
  if (!flow.ok()) return Report(flow.status());
  auto inputs = ParseInputFlags(input_flags);
  if (!inputs.ok()) return Report(inputs.status());
  // The server runs the flow it has: this file's version becomes it.
  std::string flow_path = "/api/v1/flows/" + UrlEncode(flow->namespace_) + "/" + UrlEncode(flow->id);
  auto existing = client.Send("GET", flow_path);
  if (!existing.ok()) return Report(existing.status());
  auto saved = existing->status == 404 ? client.Call("POST", "/api/v1/flows", flow->source, "application/x-yaml")
                                       : client.Call("PUT", flow_path, flow->source, "application/x-yaml");
  if (!saved.ok()) return Report(saved.status());
  std::vector<ServerClient::FormField> fields;
  for (const auto& [name, value] : *inputs) {
    bool is_file = false;
    for (const auto& decl : flow->inputs)
      if (decl.id == name && decl.type == flow::InputType::kFile) is_file = true;
    std::string text = value.is_string() ? value.AsString() : tmpl::ToJson(value);
    fields.push_back(is_file ? ServerClient::FormField{.name = name, .file = text}
                             : ServerClient::FormField{.name = name, .value = text});
  }
  auto created =
      client.PostForm("/api/v1/executions/" + UrlEncode(flow->namespace_) + "/" + UrlEncode(flow->id), fields);
  if (!created.ok()) return Report(created.status());
  state::Execution started = ExecutionFromJson(*created);
  if (detach) {
    std::printf("%s\n", started.id.c_str());
    return kExitOk;
  }
  if (!json) {
    std::printf("execution %s  %s.%s\n", started.id.c_str(), started.namespace_.c_str(), started.flow_id.c_str());
    std::fflush(stdout);
    if (Status s = FollowLogs(client, started.id); !s.ok()) std::fprintf(stderr, "floe: %s\n", s.ToString().c_str());
  }
  auto ended = WaitEnded(client, started.id);
  if (!ended.ok()) return Report(ended.status());
  return Print(*ended, json, true);
}

int RemoteExecutionsList(const ServerClient& client, const state::ExecutionFilter& filter, bool json) {
  std::string query = "/api/v1/executions/search?size=" + std::to_string(filter.limit);
  if (!filter.namespace_.empty()) query += "&namespace=" + UrlEncode(filter.namespace_);
  if (!filter.flow_id.empty()) query += "&flowId=" + UrlEncode(filter.flow_id);
  if (filter.state) query += "&state=" + std::string(state::StateName(*filter.state));
  auto found = client.Json("GET", query);
  if (!found.ok()) return Report(found.status());
  std::vector<state::Execution> list;
  if (const tmpl::Value* results = found->Get("results"); results && results->is_list())
    for (const auto& e : results->AsList()) list.push_back(ExecutionFromJson(e));
  // The same namespace filter as the local store: that namespace only.
  if (!filter.namespace_.empty())
    std::erase_if(list, [&](const state::Execution& e) { return e.namespace_ != filter.namespace_; });
  if (json) {
    tmpl::ValueList out;
    for (const auto& e : list) out.push_back(ExecutionToValue(e));
    std::printf("%s\n", tmpl::ToJson(tmpl::Value(std::move(out)), 2).c_str());
  } else {
    std::printf("%s", ExecutionTable(list).c_str());
  }
  return kExitOk;
}

int RemoteExecutionsShow(const ServerClient& client, const std::string& id, bool json) {
  auto e = client.GetExecution(id);
  if (!e.ok()) return Report(e.status());
  Print(*e, json, false);
  return kExitOk;
}

int RemoteControl(const ServerClient& client, const std::string& action, const std::string& id_prefix,
                  const std::vector<std::string>& input_flags, const std::string& task, bool latest) {
  auto e = client.GetExecution(id_prefix);
  if (!e.ok()) return Report(e.status());
  std::string path = ExecutionPath(e->id);
  if (action == "kill") {
    if (auto r = client.Call("DELETE", path + "/kill"); !r.ok()) return Report(r.status());
    for (int i = 0; i < 150; ++i) {
      auto now = client.GetExecution(e->id);
      if (now.ok() && state::IsTerminal(now->state)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto now = client.GetExecution(e->id);
    if (!now.ok()) return Report(now.status());
    std::printf("execution %s: %s\n", e->id.c_str(), std::string(state::StateName(now->state)).c_str());
    return kExitOk;
  }
  if (action == "pause") {
    if (auto r = client.Call("POST", path + "/pause"); !r.ok()) return Report(r.status());
    std::printf(
        "execution %s: PAUSED; no task starts, those running finish; 'floe executions resume %s' continues it\n",
        e->id.c_str(), e->id.c_str());
    return kExitOk;
  }
  std::string target = e->id;
  if (action == "resume") {
    auto inputs = ParseInputFlags(input_flags);
    if (!inputs.ok()) return Report(inputs.status());
    std::vector<ServerClient::FormField> fields;
    for (const auto& [name, value] : *inputs)
      fields.push_back({.name = name, .value = value.is_string() ? value.AsString() : tmpl::ToJson(value)});
    if (auto r = client.PostForm(path + "/resume", fields); !r.ok()) return Report(r.status());
  } else if (action == "restart") {
    if (auto r = client.Call("POST", path + "/restart"); !r.ok()) return Report(r.status());
  } else if (action == "replay") {
    auto r = client.Json("POST", path + "/replay?taskId=" + UrlEncode(task) + (latest ? "&latest=true" : ""));
    if (!r.ok()) return Report(r.status());
    target = ExecutionFromJson(*r).id;
  } else {
    return Report(InvalidArgument("unknown action " + action));
  }
  if (Status s = FollowLogs(client, target); !s.ok()) std::fprintf(stderr, "floe: %s\n", s.ToString().c_str());
  auto ended = WaitEnded(client, target);
  if (!ended.ok()) return Report(ended.status());
  return Print(*ended, false, true);
}

int RemoteLogs(const ServerClient& client, const std::string& id_prefix, bool follow) {
  auto e = client.GetExecution(id_prefix);
  if (!e.ok()) return Report(e.status());
  if (follow) {
    Status s = FollowLogs(client, e->id);
    return s.ok() ? kExitOk : Report(s);
  }
  auto lines = client.Json("GET", "/api/v1/logs/" + UrlEncode(e->id));
  if (!lines.ok()) return Report(lines.status());
  if (lines->is_list())
    for (const auto& line : lines->AsList()) std::printf("%s\n", FormatLogLine(LogFromJson(line)).c_str());
  return kExitOk;
}

int RemoteFlows(const ServerClient& client) {
  auto found = client.Json("GET", "/api/v1/flows/search?size=10000");
  if (!found.ok()) return Report(found.status());
  const tmpl::Value* results = found->Get("results");
  if (!results || !results->is_list() || results->AsList().empty()) {
    std::printf("no flows on %s\n", client.base_url().c_str());
    return kExitOk;
  }
  for (const auto& f : results->AsList()) {
    const tmpl::Value* rev = f.Get("revision");
    std::string name = f.Get("namespace")->AsString() + "." + f.Get("id")->AsString();
    std::printf("%-40s revision %lld%s\n", name.c_str(),
                rev && rev->is_int() ? static_cast<long long>(rev->AsInt()) : 0,
                f.Get("disabled") && f.Get("disabled")->is_bool() && f.Get("disabled")->AsBool() ? "  (disabled)" : "");
  }
  return kExitOk;
}

Result<std::vector<state::Trigger>> RemoteTriggers(const ServerClient& client, const state::TriggerFilter& filter) {
  std::string query = "/api/v1/triggers/search?size=10000";
  if (!filter.namespace_.empty()) query += "&namespace=" + UrlEncode(filter.namespace_);
  if (!filter.flow_id.empty()) query += "&flowId=" + UrlEncode(filter.flow_id);
  ASSIGN_OR_RETURN(tmpl::Value found, client.Json("GET", query));
  std::vector<state::Trigger> out;
  const tmpl::Value* results = found.Get("results");
  if (!results || !results->is_list()) return out;
  auto text = [](const tmpl::Value& v, const char* k) {
    const tmpl::Value* f = v.Get(k);
    return f && f->is_string() ? f->AsString() : std::string();
  };
  auto time = [&](const tmpl::Value& v, const char* k) -> std::optional<Timestamp> {
    std::string t = text(v, k);
    if (t.empty()) return std::nullopt;
    auto parsed = ParseTimestamp(t);
    return parsed.ok() ? std::optional<Timestamp>(*parsed) : std::nullopt;
  };
  for (const auto& item : results->AsList()) {
    const tmpl::Value* c = item.Get("triggerContext");
    if (!c || !c->is_map()) continue;
    state::Trigger t;
    t.key = {text(*c, "namespace"), text(*c, "flowId"), text(*c, "triggerId")};
    t.type = text(*c, "type");
    const tmpl::Value* disabled = c->Get("disabled");
    t.enabled = !(disabled && disabled->is_bool() && disabled->AsBool());
    t.next_date = time(*c, "nextExecutionDate");
    t.last_date = time(*c, "date");
    t.last_execution_id = text(*c, "executionId");
    t.lease_owner = text(*c, "workerId");
    // The server shows a lease only while it holds: count it as held a moment more.
    if (!t.lease_owner.empty()) t.lease_until = std::chrono::system_clock::now() + std::chrono::seconds(1);
    out.push_back(std::move(t));
  }
  return out;
}

Status RemoteTriggerControl(const ServerClient& client, const state::TriggerKey& key, const std::string& action) {
  if (action == "unlock") {
    return client
        .Call("POST", "/api/v1/triggers/" + UrlEncode(key.namespace_) + "/" + UrlEncode(key.flow_id) + "/" +
                          UrlEncode(key.trigger_id) + "/unlock")
        .status();
  }
  tmpl::Value body = tmpl::Value::MakeMap({{"namespace", key.namespace_},
                                           {"flowId", key.flow_id},
                                           {"triggerId", key.trigger_id},
                                           {"disabled", action == "disable"}});
  return client.Call("PUT", "/api/v1/triggers", tmpl::ToJson(body), "application/json").status();
}

}  // namespace floe::cli
