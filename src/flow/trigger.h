// The typed model of a flow's triggers beyond their type: the conditions
// that must hold before one fires, and what each kind of trigger the server
// runs (Schedule, ScheduleOnDates, Flow, Webhook) needs, parsed and checked
// when the flow loads so the scheduler never meets a bad enum or a missing key.
//
//   for (const TriggerSpec& t : flow.triggers) {
//     if (t.kind == TriggerKind::kSchedule) Plan(t.schedule->cron, t.schedule->timezone);
//     for (const Condition& c : t.conditions) ...  // all must hold
//   }
//
// Templates in these properties (an Expression's `expression`, a DayWeek's
// `date`, a trigger's `inputs`) are compiled at load like task properties
// and rendered by whoever evaluates them, with the `trigger` variables.
// Loading checks what is static: enums, state names, keys, durations, time
// zones (in the time zone database). Cron text is kept as written: the cron
// module checks it. Date-times (backfill, DateTimeBetween) are kept as written
// and checked when evaluated.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/duration.h"
#include "flow/registry.h"
#include "flow/yaml_node.h"

namespace floe::flow {

// Kestra's condition types that floe evaluates. PublicHoliday is not one:
// floe has no holiday data, and a flow that names it does not load.
enum class ConditionType {
  kExecutionStatus,     // in, not_in: the upstream execution's state
  kExecutionFlow,       // namespace_, flow_id: which flow the upstream execution ran
  kExecutionNamespace,  // namespace_, comparison
  kExecutionLabels,     // labels: all must be on the upstream execution
  kExecutionOutputs,    // expression over the upstream execution's outputs
  kExpression,          // expression: true fires
  kDayWeek,             // date, day_of_week
  kDayWeekInMonth,      // date, day_of_week, day_in_month
  kDateTimeBetween,     // date, after, before (either may be absent)
  kTimeBetween,         // date, after, before: times of day
  kWeekend,             // date
  kNot,                 // conditions: none may hold
  kOr,                  // conditions: one must hold
  kMultipleCondition,   // id, time_window, conditions (each named by its `id`)
  kHasRetryAttempt,     // in, not_in: states of a retried attempt of the upstream execution
};

// floe's short name ("ExecutionStatus"); Kestra's long names are aliases.
std::string_view ConditionTypeName(ConditionType type);

// Whether the condition looks at the execution that ended (only a Flow
// trigger has one).
bool NeedsUpstreamExecution(ConditionType type);

// The period in which all of a MultipleCondition's (or a Flow trigger's
// preconditions') upstream executions must have happened. Kestra's default:
// a DURATION_WINDOW of one day starting at midnight.
struct TimeWindow {
  enum class Type { kDurationWindow, kSlidingWindow, kDailyTimeDeadline, kDailyTimeWindow };
  Type type = Type::kDurationWindow;
  std::optional<Duration> window, window_advance;  // DURATION_WINDOW, SLIDING_WINDOW
  std::string start_time, end_time;                // DAILY_TIME_WINDOW: "HH:MM:SS"
  std::string deadline;                            // DAILY_TIME_DEADLINE
};

// One entry of a trigger's `conditions` (or `scheduleConditions`). Only the
// fields its type names (see ConditionType) are set; the rest stay empty.
struct Condition {
  ConditionType type = ConditionType::kExpression;
  std::string type_name;  // as written (may be a Kestra alias)
  // MultipleCondition: its `id`; a child of MultipleCondition: its key in
  // the `conditions` map (the name its result is kept under).
  std::string id;
  std::vector<std::string> in, not_in;  // state names, checked ("SUCCESS")
  std::string namespace_, flow_id;
  enum class Comparison { kEquals, kPrefix, kSuffix };
  Comparison comparison = Comparison::kEquals;
  std::vector<std::pair<std::string, std::string>> labels;
  YamlNode expression;  // a template (or a plain boolean)
  // The date a calendar condition tests; Kestra's default "{{ trigger.date }}"
  // when the flow does not set it (a null node: the evaluator uses trigger.date).
  YamlNode date;
  std::string day_of_week;   // MONDAY ... SUNDAY
  std::string day_in_month;  // FIRST, SECOND, THIRD, FOURTH, LAST
  YamlNode after, before;    // as written: ISO date-times, or times of day
  std::vector<Condition> conditions;
  // MultipleCondition: Kestra's `timeWindow` (or the older `window` and
  // `windowAdvance`, read as a DURATION_WINDOW), and whether a success
  // starts the window's collection over.
  std::optional<TimeWindow> time_window;
  bool reset_on_success = true;
  SourceLocation location;
};

// What to do with schedule dates that passed while no server ran.
enum class RecoverMissed { kAll, kLast, kNone };

struct Backfill {
  YamlNode start, end;  // ISO date-times as written (end may be null: until now)
  YamlNode inputs;      // map or null
  std::vector<std::pair<std::string, std::string>> labels;
};

// trigger.Schedule (Kestra's io.kestra.plugin.core.trigger.Schedule).
struct ScheduleSpec {
  std::string cron;  // as written: 5 fields, 6 withSeconds, or @hourly ...
  bool with_seconds = false;
  std::string timezone = "Etc/UTC";
  // nullopt: Kestra's default (ALL unless configured otherwise).
  std::optional<RecoverMissed> recover_missed;
  // A schedule date older than this when the scheduler reaches it is skipped.
  std::optional<Duration> late_maximum_delay;
  std::optional<Backfill> backfill;
};

// trigger.ScheduleOnDates.
struct ScheduleOnDatesSpec {
  YamlNode dates;  // a list of ISO date-times, or one template yielding them
  std::string timezone = "Etc/UTC";
  std::optional<RecoverMissed> recover_missed;
};

// Flow trigger preconditions: which upstream executions count, and in which
// time window all of `flows` must have happened.
struct UpstreamFlow {
  std::string namespace_;
  std::string flow_id;
  std::vector<std::string> states;  // empty: any terminal state
  std::vector<std::pair<std::string, std::string>> labels;
  SourceLocation location;
};

struct Preconditions {
  std::string id;
  std::vector<UpstreamFlow> flows;
  // `where` filters ({id, operand, filters: [{field, type, value}]}): each
  // entry's shape is checked; the evaluator reads them as written.
  YamlNode where;
  TimeWindow time_window;
  bool reset_on_success = true;
};

// trigger.Flow.
struct FlowTriggerSpec {
  std::vector<std::string> states;  // the trigger's own `states` filter
  std::optional<Preconditions> preconditions;
};

// trigger.Webhook: served at /api/v1/executions/webhook/{namespace}/{flowId}/{key}.
struct WebhookSpec {
  std::string key;  // may be a template (rendered once, at load by the server)
  bool wait = false;
  bool return_outputs = false;
};

// A condition type's names and property schema, for checking and `floe schema`.
struct ConditionTypeInfo {
  ConditionType type;
  std::string name;                  // "ExecutionStatus"
  std::vector<std::string> aliases;  // Kestra's: io.kestra.plugin.core.condition.ExecutionStatus, ...
  std::string description;
  std::vector<PropertySpec> properties;
};
const std::vector<ConditionTypeInfo>& ConditionTypes();
// By name or alias; nullptr when unknown.
const ConditionTypeInfo* FindConditionType(std::string_view name);
// PublicHoliday's names: known, refused with the reason.
bool IsPublicHolidayCondition(std::string_view name);

// Registers the trigger types the server runs without a plugin's code:
// trigger.Schedule, trigger.ScheduleOnDates, trigger.Flow, trigger.Webhook,
// under Kestra's names too (current and pre-0.17).
void RegisterServerTriggers(TaskRegistry& registry);

// Kestra's execution state names floe has (those a condition or stopAfter may
// name); the state module's list, repeated here because flow sits below it.
const std::vector<std::string>& ExecutionStateNames();

}  // namespace floe::flow
