// The tasks that run other flows: Subflow (one execution) and ForEachItem
// (one execution per batch of a file's lines).
#include <fstream>

#include "core/id.h"
#include "core/time.h"
#include "exec/running_execution.h"
#include "storage/row_split.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::exec {

using state::State;

Result<RunningExecution::ChildCall> RunningExecution::ReadChildCall(RunTaskContext& ctx) {
  ChildCall call;
  ASSIGN_OR_RETURN(call.ns, ctx.RequiredString("namespace"));
  ASSIGN_OR_RETURN(call.flow_id, ctx.RequiredString("flowId"));
  ASSIGN_OR_RETURN(call.wait, ctx.BoolOr("wait", true));
  ASSIGN_OR_RETURN(call.transmit_failed, ctx.BoolOr("transmitFailed", true));
  ASSIGN_OR_RETURN(bool inherit_labels, ctx.BoolOr("inheritLabels", false));
  {
    // Kestra's subflows always carry their caller's system labels (its
    // correlation id); inheritLabels passes the others too.
    std::shared_lock lock(context_mu_);
    if (labels_.is_map())
      for (const auto& [k, v] : labels_.AsMap())
        if (inherit_labels || k.starts_with("system."))
          call.labels.emplace_back(k, tmpl::ToDisplayString(v, tmpl::Dialect::kPebble));
  }
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> extra, ctx.Property("labels"));
  if (extra) {
    if (!extra->is_map()) return ctx.PropertyError("labels", "must be a map of label -> value");
    for (const auto& [k, v] : extra->AsMap())
      call.labels.emplace_back(k, tmpl::ToDisplayString(v, tmpl::Dialect::kPebble));
  }
  if (!env_.settings.find_flow)
    return FailedPrecondition("no flows folder to find " + call.ns + "." + call.flow_id + " in");
  ASSIGN_OR_RETURN(flow::Flow child, env_.settings.find_flow(call.ns, call.flow_id));
  // floe runs a flow as its flows folder holds it: a revision is served
  // only when it is that one.
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> revision, ctx.Property("revision"));
  if (revision) {
    ASSIGN_OR_RETURN(int64_t wanted, ctx.IntOr("revision", 0));
    int current = child.revision > 0 ? child.revision : 1;
    if (wanted < 1) return ctx.PropertyError("revision", "must be a whole number >= 1");
    if (wanted != current)
      return ctx.PropertyError("revision", "flow " + call.ns + "." + call.flow_id + " is at revision " +
                                               std::to_string(current) + ", not " + std::to_string(wanted) +
                                               "; floe runs the flow its flows folder holds and keeps no older "
                                               "revisions");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> schedule, ctx.OptionalString("scheduleDate"));
  if (schedule) {
    auto at = ParseTimestamp(*schedule);
    if (!at.ok())
      return ctx.PropertyError("scheduleDate", "'" + *schedule + "' is not a date-time like 2025-01-31T08:00:00Z");
    call.schedule_date = *at;
  }
  call.flow = std::make_shared<flow::Flow>(std::move(child));
  return call;
}

Result<tmpl::Value> RunningExecution::RenderInContext(const flow::YamlNode& node) {
  std::shared_lock lock(context_mu_);
  return RenderNode(node, context_, &*host_);
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunChild(const flow::TaskSpec& spec, const ChildCall& call,
                                                                 std::map<std::string, tmpl::Value> inputs,
                                                                 RunTaskContext& ctx) {
  auto failed = [](std::string error) { return FlowableEnd{.state = State::kFailed, .error = std::move(error)}; };
  std::string name = call.ns + "." + call.flow_id;
  std::string when = call.schedule_date ? " at " + FormatTimestamp(*call.schedule_date) : "";
  if (!call.wait) {
    auto id = env_.submit(call.flow, inputs,
                          {.labels = call.labels, .secrets = mask_.Values(), .not_before = call.schedule_date});
    if (!id.ok()) return failed(Status(id.status()).WithContext("task '" + spec.id + "': subflow").ToString());
    ctx.Log(LogLevel::kInfo, (call.schedule_date ? "scheduled subflow " : "started subflow ") + name +
                                 " as execution " + *id + when + " (not waiting)");
    return FlowableEnd{.outputs = tmpl::Value::MakeMap({{"executionId", tmpl::Value(*id)}})};
  }
  if (call.schedule_date && *call.schedule_date > Now()) {
    ctx.Log(LogLevel::kInfo, "subflow " + name + " is scheduled" + when + "; waiting for it");
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*call.schedule_date - Now());
    if (!ctx.WaitFor(wait))
      return FlowableEnd{.state = State::kKilled, .error = "killed while waiting for the subflow's scheduleDate"};
  }
  RunningExecution sub(env_, *call.flow);
  for (auto& secret : mask_.Values()) sub.AddSecret(std::move(secret));
  auto id = sub.Start(inputs, call.labels);
  if (!id.ok()) return failed(Status(id.status()).WithContext("task '" + spec.id + "': subflow").ToString());
  ctx.Log(LogLevel::kInfo, "subflow " + name + " runs as execution " + *id);
  ASSIGN_OR_RETURN(std::string last, env_.run_to_end(sub, *call.flow, inputs, {.labels = call.labels}));
  if (last != *id) ctx.Log(LogLevel::kInfo, "subflow " + name + " was retried as execution " + last);
  *id = last;
  ASSIGN_OR_RETURN(state::Execution done, env_.store.GetExecution(*id));
  ASSIGN_OR_RETURN(tmpl::Value sub_outputs, tmpl::ParseJson(done.outputs_json));
  // Kestra's deprecated Subflow `outputs`: rendered in the subflow's
  // context, for a subflow that declares no outputs of its own.
  if (const flow::YamlNode* declared = spec.properties.Find("outputs")) {
    if (last != sub.id()) {
      ctx.Log(LogLevel::kWarn, "subflow " + name +
                                   " was retried as a new execution; this task's deprecated `outputs` are rendered "
                                   "in its first execution's context");
    }
    if (!call.flow->outputs.empty()) {
      ctx.Log(LogLevel::kWarn,
              "subflow " + name + " declares its own outputs; this task's deprecated `outputs` are not used");
    } else {
      auto rendered = sub.RenderInContext(*declared);
      if (!rendered.ok() || !rendered->is_map())
        return failed("task '" + spec.id + "': cannot take the subflow's outputs: " +
                      (rendered.ok() ? std::string("`outputs` must be a map") : rendered.status().ToString()));
      sub_outputs = *rendered;
    }
  }
  tmpl::Value outputs = tmpl::Value::MakeMap({{"executionId", tmpl::Value(*id)},
                                              {"state", tmpl::Value(std::string(state::StateName(done.state)))},
                                              {"outputs", sub_outputs}});
  bool bad = done.state == State::kFailed || done.state == State::kKilled || done.state == State::kCancelled ||
             done.state == State::kRetried;
  if (bad && call.transmit_failed)
    return FlowableEnd{.state = State::kFailed,
                       .outputs = outputs,
                       .error = "subflow execution " + *id + " ended " + std::string(state::StateName(done.state)) +
                                (done.error.empty() ? "" : ": " + done.error)};
  if (done.state == State::kPaused)
    return failed("subflow execution " + *id + " paused; a waiting Subflow cannot pause with it");
  return FlowableEnd{.state = done.state == State::kWarning ? State::kWarning : State::kSuccess, .outputs = outputs};
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunSubflow(const flow::TaskSpec& spec, RunTaskContext& ctx) {
  auto call = ReadChildCall(ctx);
  if (!call.ok()) return FlowableEnd{.state = State::kFailed, .error = call.status().ToString()};
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> given, ctx.OptionalMap("inputs"));
  std::map<std::string, tmpl::Value> inputs;
  if (given)
    for (const auto& [k, v] : given->AsMap()) inputs[k] = v;
  return RunChild(spec, *call, std::move(inputs), ctx);
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunStep(const std::string& step_id, const std::string& type,
                                                                const Scope& scope,
                                                                const std::function<Result<FlowableEnd>()>& step) {
  std::string key = RunKey(scope, step_id);
  state::TaskRun run;
  {
    std::lock_guard lock(mu_);
    if (auto it = finished_.find(key); it != finished_.end() && it->second == State::kSuccess) {
      std::shared_lock context_lock(context_mu_);
      const tmpl::Value* outputs = context_.Get("outputs")->Get(step_id);
      for (const auto& k : scope.output_keys) outputs = outputs ? outputs->Get(k) : nullptr;
      return FlowableEnd{.outputs = outputs ? *outputs : tmpl::Value(tmpl::ValueMap{})};
    }
    run.attempt = ++attempts_[key];
  }
  RETURN_IF_ERROR(CreateRunIn(run, step_id, type, scope));
  RETURN_IF_ERROR(Transition(run, State::kRunning));
  Result<FlowableEnd> end = step();
  if (!end.ok()) end = FlowableEnd{.state = State::kFailed, .error = end.status().ToString()};
  if (!end->outputs.is_map()) end->outputs = tmpl::Value(tmpl::ValueMap{});
  state::TransitionDetails details{.outputs_json = tmpl::ToJson(end->outputs)};
  if (end->state == State::kFailed) details.error = end->error;
  // A failed step keeps its outputs too (an errors branch reads them).
  RETURN_IF_ERROR(Transition(run, end->state, details));
  SetOutputs(step_id, scope.output_keys, end->outputs);
  return end;
}

// Kestra's ForEachItem, as its three steps (child task runs): <id>_split cuts
// `items` into batches (`batch`: rows (1), bytes or partitions; `separator`),
// each a file in the execution's storage; <id>_items starts one execution of
// the subflow per batch (its inputs rendered with {{ taskrun.items }}, the
// batch's URI), concurrently; with transmitFailed a failed one fails the
// task; <id>_merge gathers the subflows' outputs into one file, a line per
// batch.
Result<RunningExecution::FlowableEnd> RunningExecution::RunForEachItem(const flow::TaskSpec& spec, const Scope& inner,
                                                                       RunTaskContext& ctx) {
  auto call = ReadChildCall(ctx);
  if (!call.ok()) return FlowableEnd{.state = State::kFailed, .error = call.status().ToString()};
  ASSIGN_OR_RETURN(std::string items, ctx.RequiredString("items"));
  storage::RowSplit split{.rows = 1};
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> batch, ctx.OptionalMap("batch"));
  if (batch) {
    split.rows = 0;
    for (const auto& [k, v] : batch->AsMap()) {
      if (k == "rows" || k == "partitions") {
        int64_t n = v.is_int() ? v.AsInt() : 0;
        if (v.is_string()) n = std::atoll(v.AsString().c_str());
        if (n < 1) return ctx.PropertyError("batch", "'" + k + "' must be a whole number >= 1");
        (k == "rows" ? split.rows : split.partitions) = n;
      } else if (k == "bytes") {
        auto bytes = storage::ParseByteSize(tmpl::ToDisplayString(v, tmpl::Dialect::kPebble));
        if (!bytes.ok() || *bytes < 1) return ctx.PropertyError("batch", "'bytes': " + bytes.status().message());
        split.bytes = *bytes;
      } else if (k == "separator") {
        split.separator = v.is_string() ? v.AsString() : "";
      } else {
        return ctx.PropertyError("batch", "unknown key '" + k + "' (rows, bytes, partitions, separator)");
      }
    }
    if (split.rows == 0 && split.bytes == 0 && split.partitions == 0) split.rows = 1;
    if (Status s = storage::CheckRowSplit(split); !s.ok()) return ctx.PropertyError("batch", s.message());
  }
  const std::string split_type = "io.kestra.plugin.core.flow.ForEachItem$ForEachItemSplit";
  ASSIGN_OR_RETURN(FlowableEnd cut, RunStep(spec.id + "_split", split_type, inner, [&]() -> Result<FlowableEnd> {
                     ASSIGN_OR_RETURN(std::filesystem::path source, ctx.ResolveFile(items));
                     ASSIGN_OR_RETURN(std::filesystem::path dir, ctx.WorkingDirectory());
                     std::vector<std::filesystem::path> parts;
                     ASSIGN_OR_RETURN(std::vector<int64_t> rows, storage::SplitRows(source, split, [&](size_t i) {
                                        parts.push_back(dir / ("batch-" + std::to_string(i) + ".txt"));
                                        return Result<std::filesystem::path>(parts.back());
                                      }));
                     tmpl::ValueList uris;
                     for (size_t i = 0; i < parts.size(); ++i) {
                       if (rows[i] == 0) continue;  // an empty partition is no batch
                       ASSIGN_OR_RETURN(std::string uri,
                                        ctx.StoreFile(parts[i], "batch-" + std::to_string(uris.size()) + ".txt"));
                       uris.push_back(tmpl::Value(uri));
                     }
                     return FlowableEnd{.outputs = tmpl::Value::MakeMap({{"splits", tmpl::Value(std::move(uris))}})};
                   }));
  if (cut.state == State::kFailed) return cut;
  std::vector<std::string> batch_uris;
  if (const tmpl::Value* splits = cut.outputs.Get("splits"); splits && splits->is_list())
    for (const auto& u : splits->AsList()) batch_uris.push_back(u.AsString());

  std::mutex mu;
  std::vector<tmpl::Value> subflow_outputs(batch_uris.size());
  const std::string items_type = "io.kestra.plugin.core.flow.ForEachItem$ForEachItemExecutable";
  ASSIGN_OR_RETURN(
      FlowableEnd ran, RunStep(spec.id + "_items", items_type, inner, [&]() -> Result<FlowableEnd> {
        // Each batch's inputs render with its own {{ taskrun.items }}.
        std::vector<std::map<std::string, tmpl::Value>> batch_inputs;
        for (size_t i = 0; i < batch_uris.size(); ++i) {
          ctx.AddVariable("taskrun", tmpl::Value::MakeMap({{"items", tmpl::Value(batch_uris[i])},
                                                           {"iteration", tmpl::Value(static_cast<int64_t>(i))}}));
          ASSIGN_OR_RETURN(std::optional<tmpl::Value> given, ctx.OptionalMap("inputs"));
          std::map<std::string, tmpl::Value> inputs;
          if (given)
            for (const auto& [k, v] : given->AsMap()) inputs[k] = v;
          batch_inputs.push_back(std::move(inputs));
        }
        ctx.Log(LogLevel::kInfo, std::to_string(batch_uris.size()) + " batch(es) to " + call->ns + "." + call->flow_id);
        std::vector<tmpl::Value> ids(batch_uris.size());  // in batch order
        std::map<std::string, int64_t> states;
        std::string first_error;
        ASSIGN_OR_RETURN(Outcome o, RunConcurrently(batch_uris.size(), 0, {}, [&](size_t i) -> Result<Outcome> {
                           ASSIGN_OR_RETURN(FlowableEnd end, RunChild(spec, *call, batch_inputs[i], ctx));
                           std::lock_guard lock(mu);
                           if (const tmpl::Value* id = end.outputs.Get("executionId")) ids[i] = *id;
                           if (const tmpl::Value* st = end.outputs.Get("state")) ++states[st->AsString()];
                           if (const tmpl::Value* out = end.outputs.Get("outputs")) subflow_outputs[i] = *out;
                           Outcome one;
                           if (end.state == State::kFailed) {
                             one.failed = true;
                             one.failed_task = spec.id;
                             if (first_error.empty()) first_error = end.error;
                           }
                           one.warning = end.state == State::kWarning;
                           return one;
                         }));
        tmpl::ValueMap iterations;
        for (const auto& [state, n] : states) iterations.Set(state, tmpl::Value(n));
        tmpl::Value outputs =
            tmpl::Value::MakeMap({{"numberOfBatches", tmpl::Value(static_cast<int64_t>(batch_uris.size()))},
                                  {"iterations", tmpl::Value(std::move(iterations))},
                                  {"executionIds", tmpl::Value(tmpl::ValueList(ids.begin(), ids.end()))}});
        if (o.failed) return FlowableEnd{.state = State::kFailed, .outputs = outputs, .error = first_error};
        return FlowableEnd{.state = o.warning ? State::kWarning : State::kSuccess, .outputs = outputs};
      }));
  if (ran.state == State::kFailed)
    return FlowableEnd{.state = State::kFailed, .outputs = ran.outputs, .error = ran.error};

  const std::string merge_type = "io.kestra.plugin.core.flow.ForEachItem$ForEachItemMergeOutputs";
  ASSIGN_OR_RETURN(
      FlowableEnd merged, RunStep(spec.id + "_merge", merge_type, inner, [&]() -> Result<FlowableEnd> {
        ASSIGN_OR_RETURN(std::filesystem::path dir, ctx.WorkingDirectory());
        std::filesystem::path file = dir / "subflow-outputs.ion";
        std::ofstream out(file, std::ios::binary);
        // JSON maps are Ion text: a line per batch, as Kestra's merged outputs file.
        // After a recovery `_items` did not run here again: its
        // subflows' outputs are read back from the store.
        const tmpl::Value* ids = ran.outputs.Get("executionIds");
        for (size_t i = 0; i < subflow_outputs.size(); ++i) {
          tmpl::Value o = subflow_outputs[i];
          if (!o.is_map() && ids && ids->is_list() && i < ids->AsList().size() && ids->AsList()[i].is_string()) {
            ASSIGN_OR_RETURN(state::Execution done, env_.store.GetExecution(ids->AsList()[i].AsString()));
            ASSIGN_OR_RETURN(o, tmpl::ParseJson(done.outputs_json.empty() ? "{}" : done.outputs_json));
          }
          out << tmpl::ToJson(o.is_map() ? o : tmpl::Value(tmpl::ValueMap{})) << "\n";
        }
        if (!out.flush()) return IoError("cannot write '" + file.string() + "'");
        out.close();
        ASSIGN_OR_RETURN(std::string uri, ctx.StoreFile(file, "subflow-outputs.ion"));
        return FlowableEnd{.outputs = tmpl::Value::MakeMap({{"subflowOutputs", tmpl::Value(uri)}})};
      }));
  if (merged.state == State::kFailed) return merged;
  return FlowableEnd{.state = ran.state, .outputs = ran.outputs};
}

}  // namespace floe::exec
