// The tasks that run other flows: Subflow (one execution) and ForEachItem
// (one execution per batch of a file's lines).
#include <fstream>

#include "exec/running_execution.h"
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
  call.flow = std::make_shared<flow::Flow>(std::move(child));
  return call;
}

Result<RunningExecution::FlowableEnd> RunningExecution::RunChild(const flow::TaskSpec& spec, const ChildCall& call,
                                                                 std::map<std::string, tmpl::Value> inputs,
                                                                 RunTaskContext& ctx) {
  auto failed = [](std::string error) { return FlowableEnd{.state = State::kFailed, .error = std::move(error)}; };
  std::string name = call.ns + "." + call.flow_id;
  if (!call.wait) {
    auto id = env_.submit(call.flow, inputs, {.labels = call.labels, .secrets = mask_.Values()});
    if (!id.ok()) return failed(Status(id.status()).WithContext("task '" + spec.id + "': subflow").ToString());
    ctx.Log(LogLevel::kInfo, "started subflow " + name + " as execution " + *id + " (not waiting)");
    return FlowableEnd{.outputs = tmpl::Value::MakeMap({{"executionId", tmpl::Value(*id)}})};
  }
  RunningExecution sub(env_, *call.flow);
  for (auto& secret : mask_.Values()) sub.AddSecret(std::move(secret));
  auto id = sub.Start(inputs, call.labels);
  if (!id.ok()) return failed(Status(id.status()).WithContext("task '" + spec.id + "': subflow").ToString());
  ctx.Log(LogLevel::kInfo, "subflow " + name + " runs as execution " + *id);
  RETURN_IF_ERROR(sub.Run());
  ASSIGN_OR_RETURN(state::Execution done, env_.store.GetExecution(*id));
  ASSIGN_OR_RETURN(tmpl::Value sub_outputs, tmpl::ParseJson(done.outputs_json));
  tmpl::Value outputs = tmpl::Value::MakeMap({{"executionId", tmpl::Value(*id)},
                                              {"state", tmpl::Value(std::string(state::StateName(done.state)))},
                                              {"outputs", sub_outputs}});
  bool bad = done.state == State::kFailed || done.state == State::kKilled || done.state == State::kCancelled;
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

// Kestra's ForEachItem: the lines of `items` in batches of `batch.rows`, each
// batch a file in the execution's storage ({{ taskrun.items }}) given to one
// execution of the subflow. Batches run concurrently; with transmitFailed a
// failed batch fails the task.
Result<RunningExecution::FlowableEnd> RunningExecution::RunForEachItem(const flow::TaskSpec& spec,
                                                                       RunTaskContext& ctx) {
  auto call = ReadChildCall(ctx);
  if (!call.ok()) return FlowableEnd{.state = State::kFailed, .error = call.status().ToString()};
  ASSIGN_OR_RETURN(std::string items, ctx.RequiredString("items"));
  ASSIGN_OR_RETURN(std::filesystem::path source, ctx.ResolveFile(items));
  int64_t rows = 1;
  ASSIGN_OR_RETURN(std::optional<tmpl::Value> batch, ctx.OptionalMap("batch"));
  if (batch) {
    for (const auto& [k, v] : batch->AsMap()) {
      if (k != "rows") return ctx.PropertyError("batch", "floe splits by 'rows' only, not '" + k + "'");
      if (!v.is_int() || v.AsInt() < 1) return ctx.PropertyError("batch", "'rows' must be a whole number >= 1");
      rows = v.AsInt();
    }
  }
  // Split into batch files.
  std::ifstream in(source, std::ios::binary);
  if (!in) return ctx.PropertyError("items", "cannot read '" + items + "'");
  ASSIGN_OR_RETURN(std::filesystem::path dir, ctx.WorkingDirectory());
  std::vector<std::string> batch_uris;
  std::string line, chunk;
  int64_t in_chunk = 0;
  auto flush = [&]() -> Status {
    if (in_chunk == 0) return Status::Ok();
    std::string name = "batch-" + std::to_string(batch_uris.size()) + ".txt";
    std::ofstream(dir / name, std::ios::binary) << chunk;
    ASSIGN_OR_RETURN(std::string uri, ctx.StoreFile(dir / name, name));
    batch_uris.push_back(uri);
    chunk.clear();
    in_chunk = 0;
    return Status::Ok();
  };
  while (std::getline(in, line)) {
    chunk += line + "\n";
    if (++in_chunk == rows) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
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
  ctx.Log(LogLevel::kInfo, std::to_string(batch_uris.size()) + " batch(es) of up to " + std::to_string(rows) +
                               " line(s) to " + call->ns + "." + call->flow_id);
  std::mutex mu;
  tmpl::ValueList ids;
  std::map<std::string, int64_t> states;
  std::string first_error;
  ASSIGN_OR_RETURN(Outcome o, RunConcurrently(batch_uris.size(), 0, {}, [&](size_t i) -> Result<Outcome> {
                     ASSIGN_OR_RETURN(FlowableEnd end, RunChild(spec, *call, batch_inputs[i], ctx));
                     std::lock_guard lock(mu);
                     if (const tmpl::Value* id = end.outputs.Get("executionId")) ids.push_back(*id);
                     if (const tmpl::Value* st = end.outputs.Get("state")) ++states[st->AsString()];
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
  tmpl::Value outputs = tmpl::Value::MakeMap({{"numberOfBatches", tmpl::Value(static_cast<int64_t>(batch_uris.size()))},
                                              {"iterations", tmpl::Value(std::move(iterations))},
                                              {"executionIds", tmpl::Value(std::move(ids))}});
  if (o.failed) return FlowableEnd{.state = State::kFailed, .outputs = outputs, .error = first_error};
  return FlowableEnd{.state = o.warning ? State::kWarning : State::kSuccess, .outputs = outputs};
}

}  // namespace floe::exec
