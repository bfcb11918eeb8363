// Triggers and their conditions as the flow model holds them: each kind the
// server runs, each condition type, and the errors a flow author sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "flow/flow.h"
#include "flow/schema.h"
#include "flow/trigger.h"

namespace floe::flow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const TaskRegistry& Registry() {
  static const TaskRegistry registry = [] {
    TaskRegistry r;
    r.Register({.name = "core.Log", .properties = {{.name = "message", .type = PropertyType::kAny, .required = true}}});
    r.Register({.name = "s3.Trigger", .properties = {{.name = "bucket", .required = true}}, .trigger_factory = [] {
                  return std::unique_ptr<PollingTrigger>();
                }});
    RegisterServerTriggers(r);
    return r;
  }();
  return registry;
}

constexpr std::string_view kHead = R"(id: f
namespace: dev
tasks:
  - id: a
    type: core.Log
    message: hi
triggers:
)";  // triggers start on line 8

// The inputs the tests' triggers give; after the triggers, so that their
// line numbers stay put.
constexpr std::string_view kInputs = R"(inputs:
  - id: day
    type: STRING
    required: false
  - id: date
    type: STRING
    defaults: "2025-01-01"
)";

FlowParse Parse(std::string_view triggers) {
  return ParseFlow(std::string(kHead) + std::string(triggers) + std::string(kInputs), "flow.yml", Registry());
}

std::vector<std::string> Errors(std::string_view triggers) {
  std::vector<std::string> out;
  for (const auto& e : Parse(triggers).errors) out.push_back(e.ToString());
  return out;
}

TEST(TriggersTest, RegistryKnowsEachKindUnderKestraNames) {
  const TaskRegistry& r = Registry();
  EXPECT_EQ(r.Find("s3.Trigger")->trigger, TriggerKind::kPolling);
  EXPECT_EQ(r.Find("io.kestra.plugin.core.trigger.Schedule")->trigger, TriggerKind::kSchedule);
  EXPECT_EQ(r.Find("io.kestra.core.models.triggers.types.Schedule")->name, "trigger.Schedule");
  EXPECT_EQ(r.Find("io.kestra.plugin.core.trigger.ScheduleOnDates")->trigger, TriggerKind::kScheduleOnDates);
  EXPECT_EQ(r.Find("io.kestra.core.models.triggers.types.Flow")->trigger, TriggerKind::kFlow);
  EXPECT_EQ(r.Find("io.kestra.plugin.core.trigger.Webhook")->trigger, TriggerKind::kWebhook);
  EXPECT_FALSE(r.Find("core.Log")->is_trigger());
  EXPECT_EQ(FindConditionType("io.kestra.core.models.conditions.types.ExecutionStatusCondition")->type,
            ConditionType::kExecutionStatus);
  EXPECT_EQ(FindConditionType("io.kestra.plugin.core.condition.DayWeekInMonthCondition")->type,
            ConditionType::kDayWeekInMonth);
  EXPECT_EQ(FindConditionType("Weekend")->type, ConditionType::kWeekend);
  EXPECT_EQ(FindConditionType("io.kestra.core.models.conditions.types.MultipleCondition")->type,
            ConditionType::kMultipleCondition);
}

// As Kestra's documentation writes them: a Schedule with inputs, a backfill,
// conditions under old and new names, and the older scheduleConditions.
TEST(TriggersTest, KestraScheduleWithConditionsLoads) {
  FlowParse p = Parse(R"(  - id: monthly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 11 * * 1"
    timezone: Europe/Paris
    recoverMissedSchedules: LAST
    lateMaximumDelay: PT1H
    inputs:
      day: "{{ trigger.date | date('yyyy-MM-dd') }}"
    labels:
      team: data
    backfill:
      start: 2024-01-01T00:00:00Z
      labels: [{key: backfill, value: "yes"}]
    stopAfter: [FAILED, KILLED]
    conditions:
      - type: io.kestra.plugin.core.condition.DayWeekInMonthCondition
        date: "{{ trigger.date }}"
        dayOfWeek: MONDAY
        dayInMonth: FIRST
      - type: io.kestra.plugin.core.condition.Not
        conditions:
          - type: io.kestra.core.models.conditions.types.WeekendCondition
      - type: Expression
        expression: "{{ trigger.date | date('MM') != '08' }}"
    scheduleConditions:
      - type: io.kestra.plugin.core.condition.TimeBetween
        after: "08:00:00"
  - id: seconds
    type: trigger.Schedule
    cron: "*/30 * * * * *"
    withSeconds: true
)");
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  const TriggerSpec& t = p.flow->triggers[0];
  EXPECT_EQ(t.kind, TriggerKind::kSchedule);
  ASSERT_TRUE(t.schedule);
  EXPECT_EQ(t.schedule->cron, "0 11 * * 1");
  EXPECT_FALSE(t.schedule->with_seconds);
  EXPECT_EQ(t.schedule->timezone, "Europe/Paris");
  EXPECT_EQ(t.schedule->recover_missed, RecoverMissed::kLast);
  EXPECT_EQ(t.schedule->late_maximum_delay, std::chrono::hours(1));
  ASSERT_TRUE(t.schedule->backfill);
  EXPECT_EQ(t.schedule->backfill->start.scalar, "2024-01-01T00:00:00Z");
  EXPECT_THAT(t.schedule->backfill->labels, ElementsAre(Pair("backfill", "yes")));
  EXPECT_THAT(t.stop_after, ElementsAre("FAILED", "KILLED"));
  EXPECT_THAT(t.labels, ElementsAre(Pair("team", "data")));
  ASSERT_TRUE(t.inputs.is_map());
  EXPECT_TRUE(t.inputs.Find("day")->tmpl);  // compiled at load
  ASSERT_EQ(t.conditions.size(), 4u);
  EXPECT_EQ(t.conditions[0].type, ConditionType::kDayWeekInMonth);
  EXPECT_EQ(t.conditions[0].day_of_week, "MONDAY");
  EXPECT_EQ(t.conditions[0].day_in_month, "FIRST");
  EXPECT_TRUE(t.conditions[0].date.tmpl);
  EXPECT_EQ(t.conditions[1].type, ConditionType::kNot);
  ASSERT_EQ(t.conditions[1].conditions.size(), 1u);
  EXPECT_EQ(t.conditions[1].conditions[0].type, ConditionType::kWeekend);
  EXPECT_TRUE(t.conditions[1].conditions[0].date.is_null());  // trigger.date by default
  EXPECT_EQ(t.conditions[2].type, ConditionType::kExpression);
  EXPECT_TRUE(t.conditions[2].expression.tmpl);
  EXPECT_EQ(t.conditions[3].type, ConditionType::kTimeBetween);  // from scheduleConditions
  EXPECT_EQ(t.conditions[3].after.scalar, "08:00:00");
  EXPECT_TRUE(p.flow->triggers[1].schedule->with_seconds);
  EXPECT_EQ(p.flow->triggers[1].schedule->timezone, "Etc/UTC");
}

TEST(TriggersTest, ScheduleOnDatesWebhookAndFlowTriggersLoad) {
  FlowParse p = Parse(R"(  - id: dates
    type: io.kestra.plugin.core.trigger.ScheduleOnDates
    dates: [2025-01-01T09:00:00Z, 2025-06-01T09:00:00Z]
    recoverMissedSchedules: NONE
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: 4wjtkzwVGBM9yKnjm3yv8r
    wait: true
    returnOutputs: true
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ trigger.body.hello == 'world' }}"
  - id: after
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      date: "{{ trigger.outputs.date }}"
    states: [SUCCESS, WARNING]
    preconditions:
      id: bronze
      resetOnSuccess: false
      timeWindow:
        type: DAILY_TIME_DEADLINE
        deadline: "09:00:00"
      flows:
        - namespace: company.team
          flowId: bronze_layer
          states: [SUCCESS]
          labels: {env: prod}
      where:
        - id: company
          operand: OR
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: company
)");
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  const auto& ts = p.flow->triggers;
  ASSERT_TRUE(ts[0].schedule_on_dates);
  EXPECT_EQ(ts[0].schedule_on_dates->dates.items.size(), 2u);
  EXPECT_EQ(ts[0].schedule_on_dates->recover_missed, RecoverMissed::kNone);
  ASSERT_TRUE(ts[1].webhook);
  EXPECT_EQ(ts[1].webhook->key, "4wjtkzwVGBM9yKnjm3yv8r");
  EXPECT_TRUE(ts[1].webhook->wait);
  EXPECT_TRUE(ts[1].webhook->return_outputs);
  EXPECT_EQ(ts[1].conditions.size(), 1u);
  ASSERT_TRUE(ts[2].flow && ts[2].flow->preconditions);
  EXPECT_THAT(ts[2].flow->states, ElementsAre("SUCCESS", "WARNING"));
  const Preconditions& pre = *ts[2].flow->preconditions;
  EXPECT_EQ(pre.id, "bronze");
  EXPECT_FALSE(pre.reset_on_success);
  EXPECT_EQ(pre.time_window.type, TimeWindow::Type::kDailyTimeDeadline);
  EXPECT_EQ(pre.time_window.deadline, "09:00:00");
  ASSERT_EQ(pre.flows.size(), 1u);
  EXPECT_EQ(pre.flows[0].flow_id, "bronze_layer");
  EXPECT_THAT(pre.flows[0].states, ElementsAre("SUCCESS"));
  EXPECT_THAT(pre.flows[0].labels, ElementsAre(Pair("env", "prod")));
  EXPECT_TRUE(pre.where.is_sequence());
  EXPECT_TRUE(ts[2].inputs.Find("date")->tmpl);
}

// Kestra's older Flow trigger: conditions only, with every upstream-execution
// condition type.
TEST(TriggersTest, FlowTriggerWithExecutionConditionsLoads) {
  FlowParse p = Parse(R"(  - id: multiple
    type: io.kestra.core.models.triggers.types.Flow
    conditions:
      - type: io.kestra.core.models.conditions.types.ExecutionStatusCondition
        in: [SUCCESS]
        notIn: [FAILED]
      - type: ExecutionNamespace
        namespace: company
        prefix: true
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: .team
        comparison: SUFFIX
      - type: ExecutionLabels
        labels: {env: prod}
      - type: ExecutionOutputs
        expression: "{{ trigger.outputs.rows > 0 }}"
      - type: HasRetryAttempt
        in: [FAILED]
      - type: Or
        conditions:
          - type: ExecutionFlow
            namespace: a
            flowId: one
          - type: DateTimeBetween
            before: 2030-01-01T00:00:00Z
      - id: both
        type: io.kestra.core.models.conditions.types.MultipleCondition
        window: P1D
        windowAdvance: PT6H
        conditions:
          flow_a:
            type: io.kestra.core.models.conditions.types.ExecutionFlowCondition
            namespace: io.kestra.demo
            flowId: flow_a
          flow_b:
            type: ExecutionFlow
            namespace: io.kestra.demo
            flowId: flow_b
)");
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  const auto& c = p.flow->triggers[0].conditions;
  ASSERT_EQ(c.size(), 8u);
  EXPECT_THAT(c[0].in, ElementsAre("SUCCESS"));
  EXPECT_THAT(c[0].not_in, ElementsAre("FAILED"));
  EXPECT_EQ(c[1].comparison, Condition::Comparison::kPrefix);
  EXPECT_EQ(c[2].comparison, Condition::Comparison::kSuffix);
  EXPECT_THAT(c[3].labels, ElementsAre(Pair("env", "prod")));
  EXPECT_EQ(c[4].type, ConditionType::kExecutionOutputs);
  EXPECT_EQ(c[5].type, ConditionType::kHasRetryAttempt);
  ASSERT_EQ(c[6].conditions.size(), 2u);
  EXPECT_EQ(c[6].conditions[0].flow_id, "one");
  const Condition& m = c[7];
  EXPECT_EQ(m.id, "both");
  ASSERT_TRUE(m.time_window);
  EXPECT_EQ(m.time_window->window, std::chrono::hours(24));
  EXPECT_EQ(m.time_window->window_advance, std::chrono::hours(6));
  ASSERT_EQ(m.conditions.size(), 2u);
  EXPECT_EQ(m.conditions[0].id, "flow_a");
  EXPECT_EQ(m.conditions[1].namespace_, "io.kestra.demo");
}

TEST(TriggersTest, ConditionErrorsPointAtTheValueWithSuggestions) {
  auto errors = Errors(R"(  - id: s
    type: trigger.Schedule
    cron: "@daily"
    stopAfter: [SUCCES]
    conditions:
      - type: DayWeek
        dayOfWeek: Monday
      - type: io.kestra.plugin.core.condition.DayWek
        dayOfWeek: MONDAY
      - type: DayWeekInMonth
        dayofweek: MONDAY
        dayInMonth: FIFTH
      - type: io.kestra.plugin.core.condition.PublicHoliday
        country: FR
      - type: ExecutionStatus
        in: [SUCCESS]
      - type: Expression
        expression: "{{ trigger.date | }}"
      - type: TimeBetween
        date: "{{ trigger.date }}"
)");
  ASSERT_EQ(errors.size(), 10u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:11:17: 'SUCCES' in 'stopAfter' is not an execution state"));
  EXPECT_THAT(errors[0], HasSubstr("did you mean 'SUCCESS'?"));
  EXPECT_THAT(errors[1], HasSubstr("14:20: property 'dayOfWeek' must be one of MONDAY, TUESDAY"));
  EXPECT_THAT(errors[1], HasSubstr("did you mean 'MONDAY'?"));
  EXPECT_THAT(errors[2], HasSubstr("15:15: unknown condition type 'io.kestra.plugin.core.condition.DayWek'"));
  EXPECT_THAT(errors[2], HasSubstr("did you mean 'io.kestra.plugin.core.condition.DayWeek'"));
  EXPECT_THAT(errors[3], HasSubstr("17:9: DayWeekInMonth condition is missing required property 'dayOfWeek'"));
  EXPECT_THAT(errors[4], HasSubstr("18:9: unknown property 'dayofweek' for condition type 'DayWeekInMonth'"));
  EXPECT_THAT(errors[4], HasSubstr("did you mean 'dayOfWeek'?"));
  EXPECT_THAT(errors[5], HasSubstr("19:21: property 'dayInMonth' must be one of FIRST, SECOND, THIRD, FOURTH, LAST"));
  EXPECT_THAT(errors[6],
              HasSubstr("20:15: PublicHoliday conditions cannot be evaluated: floe ships no public-holiday"));
  EXPECT_THAT(errors[7],
              HasSubstr("22:15: ExecutionStatus looks at the execution that ended, which only a Flow trigger has; "
                        "this is a Schedule trigger"));
  // Templates in conditions compile at load: a syntax error points into the file.
  EXPECT_THAT(errors[8], HasSubstr("flow.yml:25:40: expected a filter name after '|'"));
  EXPECT_THAT(errors[9], HasSubstr("26:9: TimeBetween needs 'after', 'before' or both"));
}

TEST(TriggersTest, TriggerErrorsSayWhatToDo) {
  auto errors = Errors(R"(  - id: no_cron
    type: trigger.Schedule
    interval: PT1M
    recoverMissedSchedules: SOME
  - id: hook
    type: trigger.Webhook
    returnOutputs: true
  - id: orphan
    type: trigger.Flow
  - id: window
    type: trigger.Flow
    preconditions:
      id: p
      flows: [{namespace: a, flowId: b}]
      timeWindow:
        type: DAILY_TIME_DEADLNE
  - id: deadline
    type: trigger.Flow
    preconditions:
      id: p
      flows: [{flowId: b}]
      timeWindow: {type: DAILY_TIME_DEADLINE}
  - id: s3
    type: s3.Trigger
    bucket: b
    inputs: {a: 1}
    allowConcurrent: true
  - id: tz
    type: trigger.ScheduleOnDates
    dates: ["2025-01-01T00:00:00"]
    timezone: Europe/Pari
)");
  ASSERT_EQ(errors.size(), 12u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("8:5: trigger 'no_cron' (trigger.Schedule) is missing required property 'cron'"));
  EXPECT_THAT(errors[1], HasSubstr("10:15: 'interval' applies to polling triggers; a Schedule trigger is not polled"));
  EXPECT_THAT(errors[2], HasSubstr("11:29: property 'recoverMissedSchedules' must be one of ALL, LAST, NONE"));
  EXPECT_THAT(errors[3], HasSubstr("12:5: trigger 'hook' (trigger.Webhook) is missing required property 'key'"));
  EXPECT_THAT(errors[4], HasSubstr("14:20: 'returnOutputs' needs 'wait: true'"));
  EXPECT_THAT(errors[5], HasSubstr("15:5: Flow trigger 'orphan' needs 'preconditions' (or 'conditions')"));
  EXPECT_THAT(errors[6], HasSubstr("23:15: timeWindow 'type' must be one of DURATION_WINDOW"));
  EXPECT_THAT(errors[6], HasSubstr("did you mean 'DAILY_TIME_DEADLINE'"));
  EXPECT_THAT(errors[7], HasSubstr("28:15: an upstream flow needs 'namespace'"));
  EXPECT_THAT(errors[8], HasSubstr("29:19: a DAILY_TIME_DEADLINE timeWindow needs 'deadline'"));
  EXPECT_THAT(errors[9], HasSubstr("33:5: unknown property 'inputs' for trigger type 's3.Trigger'"));
  EXPECT_THAT(errors[10], HasSubstr("34:5: 'allowConcurrent' is not supported by floe yet on triggers"));
  EXPECT_THAT(errors[11], HasSubstr("38:15: unknown time zone 'Europe/Pari' (did you mean 'Europe/Paris'"));
}

TEST(TriggersTest, TriggerInputsMustBeTheFlowsOwn) {
  FlowParse p = ParseFlow(R"(id: f
namespace: dev
inputs:
  - id: region
    type: STRING
  - id: limit
    type: INT
    defaults: 10
tasks:
  - id: a
    type: core.Log
    message: hi
triggers:
  - id: nightly
    type: trigger.Schedule
    cron: "@daily"
    inputs:
      regoin: eu
    backfill:
      start: 2025-01-01T00:00:00Z
      inputs: {limt: 3}
  - id: hook
    type: trigger.Webhook
    key: k
    inputs:
      region: "{{ trigger.body.region }}"
)",
                          "flow.yml", Registry());
  std::vector<std::string> errors;
  for (const auto& e : p.errors) errors.push_back(e.ToString());
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("flow.yml:14:5: trigger 'nightly' does not give the required input 'region'"));
  EXPECT_THAT(errors[1], HasSubstr("18:7: trigger 'nightly' gives input 'regoin', which the flow does not declare"));
  EXPECT_THAT(errors[1], HasSubstr("did you mean 'region'?"));
  EXPECT_THAT(errors[2], HasSubstr("21:16: trigger 'nightly' gives input 'limt' in its backfill"));
}

TEST(TriggersTest, SchemaExportsTriggerTypesAndConditions) {
  tmpl::Value schema = FlowJsonSchema(Registry());
  const tmpl::Value* defs = schema.Get("definitions");
  ASSERT_TRUE(defs);
  const tmpl::Value* conditions = defs->Get("condition")->Get("oneOf");
  ASSERT_TRUE(conditions && conditions->is_list());
  EXPECT_EQ(conditions->AsList().size(), ConditionTypes().size());
  bool schedule = false;
  for (const auto& variant : defs->Get("trigger")->Get("oneOf")->AsList()) {
    if (variant.Get("title")->AsString() != "trigger.Schedule") continue;
    schedule = true;
    const tmpl::Value* props = variant.Get("properties");
    EXPECT_TRUE(props->Get("cron"));
    EXPECT_TRUE(props->Get("conditions"));
    EXPECT_TRUE(props->Get("stopAfter"));
    EXPECT_FALSE(props->Get("interval"));  // not polled
  }
  EXPECT_TRUE(schedule);
}

}  // namespace
}  // namespace floe::flow
