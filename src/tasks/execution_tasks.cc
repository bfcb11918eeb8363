// Kestra's execution.Count, execution.PurgeExecutions, execution.Resume and
// log.PurgeLogs: tasks that read, tidy and drive the store of executions (a
// housekeeping or approval flow's tools).
#include "tasks/builtin.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

Result<std::optional<Timestamp>> DateProperty(flow::TaskContext& ctx, std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, ctx.OptionalString(name));
  if (!text) return std::optional<Timestamp>();
  auto t = ParseTimestamp(*text);
  if (!t.ok()) return ctx.PropertyError(name, t.status().message());
  return std::optional<Timestamp>(*t);
}

// Counts each flow's executions (in `states`, started in [startDate,
// endDate)); keeps the flows for which `expression` (with {{ count }}) holds.
class CountTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::optional<Value> flows, ctx.Property("flows"));
    if (!flows || !flows->is_list() || flows->AsList().empty())
      return ctx.PropertyError("flows", "needs a list of {namespace, flowId}");
    ASSIGN_OR_RETURN(std::optional<Value> states, ctx.Property("states"));
    ASSIGN_OR_RETURN(std::optional<Timestamp> start, DateProperty(ctx, "startDate"));
    ASSIGN_OR_RETURN(std::optional<Timestamp> end, DateProperty(ctx, "endDate"));
    tmpl::ValueList results;
    int64_t total = 0;
    for (const auto& f : flows->AsList()) {
      const Value* ns = f.Get("namespace");
      const Value* id = f.Get("flowId");
      if (!ns || !id || !ns->is_string() || !id->is_string())
        return ctx.PropertyError("flows", "each item needs a namespace and a flowId");
      ASSIGN_OR_RETURN(auto executions, ctx.Executions(ns->AsString(), id->AsString()));
      int64_t count = 0;
      for (const auto& e : executions) {
        if (start && e.created < *start) continue;
        if (end && e.created >= *end) continue;
        if (states && states->is_list()) {
          bool wanted = false;
          for (const auto& s : states->AsList()) wanted = wanted || (s.is_string() && s.AsString() == e.state);
          if (!wanted) continue;
        }
        ++count;
      }
      ASSIGN_OR_RETURN(std::optional<Value> holds,
                       ctx.PropertyWith("expression", Value::MakeMap({{"count", Value(count)}})));
      if (!holds) return ctx.PropertyError("expression", "required property 'expression' is missing");
      if (!flow::ConditionHolds(*holds)) continue;
      results.push_back(Value::MakeMap({{"namespace", *ns}, {"flowId", *id}, {"count", Value(count)}}));
      total += count;
    }
    return Value::MakeMap({{"results", Value(std::move(results))}, {"total", Value(total)}});
  }
};

class PurgeLogsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    flow::LogPurgeRequest request;
    ASSIGN_OR_RETURN(request.namespace_, ctx.StringOr("namespace", ""));
    ASSIGN_OR_RETURN(request.flow_id, ctx.StringOr("flowId", ""));
    if (!request.flow_id.empty() && request.namespace_.empty())
      return ctx.PropertyError("flowId", "needs its namespace");
    ASSIGN_OR_RETURN(std::optional<Value> levels, ctx.Property("logLevels"));
    if (levels) {
      if (!levels->is_list()) return ctx.PropertyError("logLevels", "must be a list of levels");
      for (const auto& l : levels->AsList()) {
        std::optional<LogLevel> level = l.is_string() ? ParseLogLevel(l.AsString()) : std::nullopt;
        if (!level) return ctx.PropertyError("logLevels", "unknown level (TRACE, DEBUG, INFO, WARN, ERROR)");
        request.levels.push_back(*level);
      }
    }
    ASSIGN_OR_RETURN(request.start, DateProperty(ctx, "startDate"));
    ASSIGN_OR_RETURN(request.end, DateProperty(ctx, "endDate"));
    if (!request.end) return ctx.PropertyError("endDate", "required property 'endDate' is missing");
    ASSIGN_OR_RETURN(int64_t count, ctx.PurgeLogs(request));
    ctx.Log(LogLevel::kInfo, "purged " + std::to_string(count) + " log line(s)");
    return Value::MakeMap({{"count", Value(count)}});
  }
};

// Deletes ended executions of a namespace (and those under it; only that
// one with a flowId) or of a flow, started before endDate (and after
// startDate), in `states`: their records, logs and files, as asked.
class PurgeExecutionsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    flow::ExecutionPurgeRequest request;
    ASSIGN_OR_RETURN(request.namespace_, ctx.StringOr("namespace", ""));
    ASSIGN_OR_RETURN(request.flow_id, ctx.StringOr("flowId", ""));
    if (!request.flow_id.empty() && request.namespace_.empty())
      return ctx.PropertyError("flowId", "needs its namespace");
    ASSIGN_OR_RETURN(std::optional<Value> states, ctx.Property("states"));
    if (states) {
      if (!states->is_list()) return ctx.PropertyError("states", "must be a list of states, like [SUCCESS]");
      for (const auto& st : states->AsList()) {
        if (!st.is_string()) return ctx.PropertyError("states", "must be a list of states, like [SUCCESS]");
        request.states.push_back(st.AsString());
      }
    }
    ASSIGN_OR_RETURN(request.start, DateProperty(ctx, "startDate"));
    ASSIGN_OR_RETURN(request.end, DateProperty(ctx, "endDate"));
    if (!request.end) return ctx.PropertyError("endDate", "required property 'endDate' is missing");
    ASSIGN_OR_RETURN(request.executions, ctx.BoolOr("purgeExecution", true));
    ASSIGN_OR_RETURN(request.logs, ctx.BoolOr("purgeLog", true));
    ASSIGN_OR_RETURN(request.storage, ctx.BoolOr("purgeStorage", true));
    ASSIGN_OR_RETURN(bool metrics, ctx.BoolOr("purgeMetric", true));
    (void)metrics;  // floe records no metrics per execution: there are none to purge
    auto counts = ctx.PurgeExecutions(request);
    if (!counts.ok()) return ctx.PropertyError("states", counts.status().ToString());
    ctx.Log(LogLevel::kInfo, "purged " + std::to_string(counts->executions) + " execution(s), " +
                                 std::to_string(counts->logs) + " log line(s) and " +
                                 std::to_string(counts->storage_files) + " file(s)");
    return Value::MakeMap({{"executionsCount", Value(counts->executions)},
                           {"logsCount", Value(counts->logs)},
                           {"storagesCount", Value(counts->storage_files)},
                           {"metricsCount", Value(int64_t{0})}});
  }
};

// Resumes a paused execution (another one: this one is running) with its
// Pause's onResume inputs; it goes on in the background.
class ResumeTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::optional<std::string> id, ctx.OptionalString("executionId"));
    ASSIGN_OR_RETURN(std::string ns, ctx.StringOr("namespace", ""));
    ASSIGN_OR_RETURN(std::string flow_id, ctx.StringOr("flowId", ""));
    if (!id) {
      if (!ns.empty() || !flow_id.empty())
        return ctx.PropertyError("namespace", "`namespace` and `flowId` should only be set when `executionId` is set");
      return ctx.PropertyError("executionId", "this execution is running, not paused: name the execution to resume");
    }
    if (ns.empty() != flow_id.empty())
      return ctx.PropertyError(ns.empty() ? "namespace" : "flowId",
                               "both `namespace` and `flowId` must be set when one is");
    ASSIGN_OR_RETURN(std::optional<Value> given, ctx.OptionalMap("inputs"));
    std::map<std::string, Value> inputs;
    if (given)
      for (const auto& [k, v] : given->AsMap()) inputs[k] = v;
    Status resumed = ctx.ResumeExecution(*id, ns, flow_id, inputs);
    if (!resumed.ok()) return ctx.PropertyError("executionId", resumed.ToString());
    ctx.Log(LogLevel::kInfo, "resumed execution " + *id);
    return Value::MakeMap({{"executionId", Value(*id)}});
  }
};

}  // namespace

void RegisterExecutionTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "execution.Count",
      .aliases = {"io.kestra.plugin.core.execution.Count", "io.kestra.core.tasks.executions.Counts"},
      .description = "Counts the executions of `flows` and keeps those for which `expression` (with {{ count }}) "
                     "holds: outputs results ({namespace, flowId, count}) and total.",
      .properties = {{.name = "flows", .type = PropertyType::kList, .required = true},
                     {.name = "expression", .type = PropertyType::kAny, .required = true},
                     {.name = "states", .type = PropertyType::kList, .description = "Count only these states."},
                     {.name = "startDate", .type = PropertyType::kString},
                     {.name = "endDate", .type = PropertyType::kString}},
      .factory = [] { return std::make_unique<CountTask>(); },
  });
  registry.Register({
      .name = "log.PurgeLogs",
      .aliases = {"io.kestra.plugin.core.log.PurgeLogs"},
      .description = "Deletes the log lines of a namespace's (or a flow's) executions written before `endDate` "
                     "(and after `startDate`), at `logLevels`: outputs count.",
      .properties = {{.name = "namespace", .type = PropertyType::kString},
                     {.name = "flowId", .type = PropertyType::kString},
                     {.name = "logLevels", .type = PropertyType::kList},
                     {.name = "startDate", .type = PropertyType::kString},
                     {.name = "endDate", .type = PropertyType::kString, .required = true}},
      .factory = [] { return std::make_unique<PurgeLogsTask>(); },
  });
  registry.Register({
      .name = "execution.PurgeExecutions",
      .aliases = {"io.kestra.plugin.core.execution.PurgeExecutions", "io.kestra.core.tasks.storages.Purge",
                  "io.kestra.plugin.core.storage.Purge"},
      .description = "Deletes ended executions (records, logs, files) of a namespace or a flow started before "
                     "`endDate`: outputs executionsCount, logsCount, storagesCount, metricsCount.",
      .properties = {{.name = "namespace",
                      .type = PropertyType::kString,
                      .description = "This namespace and those under it (only it with flowId)."},
                     {.name = "flowId", .type = PropertyType::kString},
                     {.name = "states", .type = PropertyType::kList, .description = "Only these ended states."},
                     {.name = "startDate", .type = PropertyType::kString},
                     {.name = "endDate", .type = PropertyType::kString, .required = true},
                     {.name = "purgeExecution", .type = PropertyType::kBool},
                     {.name = "purgeLog", .type = PropertyType::kBool},
                     {.name = "purgeMetric", .type = PropertyType::kBool},
                     {.name = "purgeStorage", .type = PropertyType::kBool},
                     {.name = "batchSize",
                      .type = PropertyType::kInt,
                      .description = "Accepted; floe purges in one transaction."}},
      .factory = [] { return std::make_unique<PurgeExecutionsTask>(); },
  });
  registry.Register({
      .name = "execution.Resume",
      .aliases = {"io.kestra.plugin.core.execution.Resume"},
      .description = "Resumes a paused execution (`executionId`; of `namespace`.`flowId` when given) with its "
                     "Pause's onResume `inputs`; it goes on in the background.",
      .properties = {{.name = "executionId", .type = PropertyType::kString},
                     {.name = "namespace", .type = PropertyType::kString},
                     {.name = "flowId", .type = PropertyType::kString},
                     {.name = "inputs", .type = PropertyType::kMap}},
      .factory = [] { return std::make_unique<ResumeTask>(); },
  });
}

}  // namespace floe::tasks
