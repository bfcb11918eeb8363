// Kestra's execution.Count and log.PurgeLogs: tasks that read and tidy the
// store of executions (a housekeeping flow's tools).
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
}

}  // namespace floe::tasks
