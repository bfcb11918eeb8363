// The names and property schemas of the trigger types the server runs and of
// the conditions triggers may carry. Parsing is in triggers.cc.
#include <algorithm>

#include "flow/trigger.h"

namespace floe::flow {
namespace {

PropertySpec Prop(std::string name, PropertyType type, bool required = false, std::string description = "") {
  return {.name = std::move(name), .type = type, .required = required, .description = std::move(description)};
}

PropertySpec Enum(std::string name, std::vector<std::string> values, bool required = false,
                  std::string description = "") {
  return {.name = std::move(name),
          .type = PropertyType::kEnum,
          .required = required,
          .description = std::move(description),
          .enum_values = std::move(values)};
}

const std::vector<std::string> kDays = {"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"};
const std::string kDateHelp = "The date tested; {{ trigger.date }} by default.";

// Kestra's spellings of condition `name`: the current package, its
// "...Condition" form, and the pre-0.17 models package.
std::vector<std::string> ConditionAliases(const std::string& name) {
  std::string condition = name.ends_with("Condition") ? name : name + "Condition";
  std::vector<std::string> out = {"io.kestra.plugin.core.condition." + name,
                                  "io.kestra.core.models.conditions.types." + condition};
  if (condition != name) out.insert(out.begin() + 1, "io.kestra.plugin.core.condition." + condition);
  return out;
}

ConditionTypeInfo Info(ConditionType type, std::string name, std::string description,
                       std::vector<PropertySpec> properties) {
  std::vector<std::string> aliases = ConditionAliases(name);
  return {type, std::move(name), std::move(aliases), std::move(description), std::move(properties)};
}

}  // namespace

std::string_view ConditionTypeName(ConditionType type) {
  for (const auto& info : ConditionTypes())
    if (info.type == type) return info.name;
  return "Expression";
}

bool NeedsUpstreamExecution(ConditionType type) {
  switch (type) {
    case ConditionType::kExecutionStatus:
    case ConditionType::kExecutionFlow:
    case ConditionType::kExecutionNamespace:
    case ConditionType::kExecutionLabels:
    case ConditionType::kExecutionOutputs:
    case ConditionType::kMultipleCondition:
    case ConditionType::kHasRetryAttempt:
      return true;
    default:
      return false;
  }
}

const std::vector<ConditionTypeInfo>& ConditionTypes() {
  static const std::vector<ConditionTypeInfo> types = [] {
    auto states = [](std::string name) {
      return Prop(std::move(name), PropertyType::kList, false, "Execution states: SUCCESS, FAILED, ...");
    };
    auto conditions = [] { return Prop("conditions", PropertyType::kList, true, "A list of conditions."); };
    std::vector<ConditionTypeInfo> t = {
        Info(ConditionType::kExecutionStatus, "ExecutionStatus", "The upstream execution ended in (or not in) states.",
             {states("in"), states("notIn")}),
        Info(ConditionType::kExecutionFlow, "ExecutionFlow", "The upstream execution ran this flow.",
             {Prop("namespace", PropertyType::kString, true), Prop("flowId", PropertyType::kString, true)}),
        Info(ConditionType::kExecutionNamespace, "ExecutionNamespace", "The upstream execution's namespace matches.",
             {Prop("namespace", PropertyType::kString, true), Enum("comparison", {"EQUALS", "PREFIX", "SUFFIX"}),
              Prop("prefix", PropertyType::kBool, false, "Older spelling of comparison: PREFIX.")}),
        Info(ConditionType::kExecutionLabels, "ExecutionLabels", "The upstream execution has all these labels.",
             {Prop("labels", PropertyType::kAny, true, "A map, or a list of {key, value}.")}),
        Info(ConditionType::kExecutionOutputs, "ExecutionOutputs",
             "An expression over the upstream execution's outputs is true.",
             {Prop("expression", PropertyType::kString, true)}),
        Info(ConditionType::kExpression, "Expression", "An expression is true.",
             {Prop("expression", PropertyType::kString, true)}),
        Info(ConditionType::kDayWeek, "DayWeek", "The date falls on this day of the week.",
             {Enum("dayOfWeek", kDays, true), Prop("date", PropertyType::kString, false, kDateHelp)}),
        Info(ConditionType::kDayWeekInMonth, "DayWeekInMonth",
             "The date is the first (second, ..., last) such day of the week in its month.",
             {Enum("dayOfWeek", kDays, true), Enum("dayInMonth", {"FIRST", "SECOND", "THIRD", "FOURTH", "LAST"}, true),
              Prop("date", PropertyType::kString, false, kDateHelp)}),
        Info(ConditionType::kDateTimeBetween, "DateTimeBetween", "The date-time is after and/or before these.",
             {Prop("date", PropertyType::kString, false, kDateHelp), Prop("after", PropertyType::kString),
              Prop("before", PropertyType::kString)}),
        Info(ConditionType::kTimeBetween, "TimeBetween", "The time of day is after and/or before these.",
             {Prop("date", PropertyType::kString, false, kDateHelp), Prop("after", PropertyType::kString),
              Prop("before", PropertyType::kString)}),
        Info(ConditionType::kWeekend, "Weekend", "The date is a Saturday or a Sunday.",
             {Prop("date", PropertyType::kString, false, kDateHelp)}),
        Info(ConditionType::kNot, "Not", "None of the conditions holds.", {conditions()}),
        Info(ConditionType::kOr, "Or", "At least one of the conditions holds.", {conditions()}),
        Info(ConditionType::kMultipleCondition, "MultipleCondition",
             "Each named condition was met by some upstream execution within a time window.",
             {Prop("id", PropertyType::kString, true),
              Prop("conditions", PropertyType::kMap, true, "Name -> condition."),
              {.name = "timeWindow",
               .type = PropertyType::kMap,
               .description = "{type, window, windowAdvance, startTime, endTime, deadline}",
               .aliases = {"sla"}},  // Kestra's newer name
              Prop("window", PropertyType::kDuration, false, "Older spelling of timeWindow.window."),
              Prop("windowAdvance", PropertyType::kDuration, false, "Older spelling of timeWindow.windowAdvance."),
              Prop("resetOnSuccess", PropertyType::kBool)}),
        Info(ConditionType::kHasRetryAttempt, "HasRetryAttempt",
             "The upstream execution has a retried attempt in states.", {states("in"), states("notIn")}),
    };
    return t;
  }();
  return types;
}

const ConditionTypeInfo* FindConditionType(std::string_view name) {
  for (const auto& info : ConditionTypes()) {
    if (info.name == name) return &info;
    if (std::find(info.aliases.begin(), info.aliases.end(), name) != info.aliases.end()) return &info;
  }
  return nullptr;
}

bool IsPublicHolidayCondition(std::string_view name) {
  if (name == "PublicHoliday") return true;
  for (const auto& alias : ConditionAliases("PublicHoliday"))
    if (alias == name) return true;
  return false;
}

const std::vector<std::string>& ExecutionStateNames() {
  static const std::vector<std::string> names = {"CREATED", "QUEUED", "RUNNING", "PAUSED", "RETRYING",  "SUCCESS",
                                                 "WARNING", "FAILED", "KILLING", "KILLED", "CANCELLED", "SKIPPED"};
  return names;
}

void RegisterServerTriggers(TaskRegistry& registry) {
  auto inputs = [] {
    return Prop("inputs", PropertyType::kMap, false, "The new execution's inputs (templates allowed).");
  };
  auto labels = [] {
    return Prop("labels", PropertyType::kAny, false, "The new execution's labels: a map, or a list of {key, value}.");
  };
  auto recover = [] {
    return Enum("recoverMissedSchedules", {"ALL", "LAST", "NONE"}, false,
                "Dates missed while no server ran: start them all, the last one, or none (ALL).");
  };
  auto timezone = [] { return Prop("timezone", PropertyType::kString, false, "An IANA time zone (Etc/UTC)."); };
  registry.Register({
      .name = "trigger.Schedule",
      .aliases = {"io.kestra.plugin.core.trigger.Schedule", "io.kestra.core.models.triggers.types.Schedule"},
      .description = "Starts an execution at each date of a cron expression, with trigger.date, trigger.next and "
                     "trigger.previous; run by `floe server`.",
      .properties = {Prop("cron", PropertyType::kString, true, "5 fields (6 withSeconds), or @hourly, @daily, ..."),
                     Prop("withSeconds", PropertyType::kBool), timezone(),
                     Prop("backfill", PropertyType::kMap, false, "{start, end, inputs, labels}"), recover(),
                     Prop("lateMaximumDelay", PropertyType::kDuration, false,
                          "A date reached later than this is skipped."),
                     Prop("scheduleConditions", PropertyType::kList, false, "Older spelling of conditions."), inputs(),
                     labels()},
      .trigger = TriggerKind::kSchedule,
  });
  registry.Register({
      .name = "trigger.ScheduleOnDates",
      .aliases = {"io.kestra.plugin.core.trigger.ScheduleOnDates"},
      .description = "Starts an execution at each of a list of date-times; run by `floe server`.",
      .properties = {Prop("dates", PropertyType::kAny, true, "ISO date-times, or an expression giving them."),
                     timezone(), recover(), inputs(), labels()},
      .trigger = TriggerKind::kScheduleOnDates,
  });
  registry.Register({
      .name = "trigger.Flow",
      .aliases = {"io.kestra.plugin.core.trigger.Flow", "io.kestra.core.models.triggers.types.Flow"},
      .description = "Starts an execution when executions of other flows end (trigger.executionId, trigger.outputs, "
                     "...); run by `floe server`.",
      .properties = {Prop("preconditions", PropertyType::kMap, false,
                          "{id, flows: [{namespace, flowId, states, labels}], where, timeWindow, resetOnSuccess}"),
                     Prop("states", PropertyType::kList, false, "Upstream end states that count (terminal ones)."),
                     inputs(), labels()},
      .trigger = TriggerKind::kFlow,
  });
  registry.Register({
      .name = "trigger.Webhook",
      .aliases = {"io.kestra.plugin.core.trigger.Webhook", "io.kestra.core.models.triggers.types.Webhook"},
      .description = "Starts an execution on GET/POST/PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}, "
                     "with trigger.body, trigger.headers and trigger.parameters; served by `floe server`.",
      .properties = {Prop("key", PropertyType::kString, true, "The secret part of the URL (at most 256 characters)."),
                     Prop("wait", PropertyType::kBool, false, "Answer when the execution ends."),
                     Prop("returnOutputs", PropertyType::kBool, false, "With wait: answer with the flow's outputs."),
                     inputs(), labels()},
      .trigger = TriggerKind::kWebhook,
  });
}

}  // namespace floe::flow
