// The scheduler under a ManualClock: schedules over a year, catch-up after a
// stop, firings repeated after a crash, two schedulers on one store, Flow
// triggers and backfills. Executions run for real (a trivial task).
#include "triggers/scheduler.h"

#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "core/time.h"
#include "flow/registry.h"
#include "flow/trigger.h"
#include "tests/support/executor_fixture.h"
#include "tmpl/json.h"
#include "triggers/calendar_conditions.h"
#include "triggers/cron.h"

namespace floe::triggers {
namespace {

using state::State;

class NoopTask : public flow::Task {
  Result<tmpl::Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(auto v, ctx.Property("value"));
    return tmpl::Value::MakeMap({{"value", v ? *v : tmpl::Value()}});
  }
};

const flow::TaskRegistry& TestTasks() {
  static const flow::TaskRegistry registry = [] {
    flow::TaskRegistry r;
    r.Register({.name = "test.Noop",
                .properties = {{.name = "value", .type = flow::PropertyType::kAny}},
                .factory = [] { return std::make_unique<NoopTask>(); }});
    flow::RegisterServerTriggers(r);
    return r;
  }();
  return registry;
}

Timestamp At(const std::string& iso) { return *ParseDateTime(iso); }

class SchedulerTest : public test_support::ExecutorFixture {
 protected:
  const flow::TaskRegistry& Registry() override { return TestTasks(); }
  void Tune(exec::ExecutorSettings& s) override { s.clock = &clock_; }

  std::shared_ptr<const flow::Flow> Load(const std::string& yaml) { return std::make_shared<flow::Flow>(Parse(yaml)); }
  std::unique_ptr<Scheduler> NewScheduler(std::vector<std::shared_ptr<const flow::Flow>> flows,
                                          const std::string& owner = "test") {
    auto s = std::make_unique<Scheduler>(*store_, *executor_, clock_, SchedulerOptions{.owner = owner});
    EXPECT_TRUE(s->SetFlows(std::move(flows)).ok());
    return s;
  }
  // Waits (real time) until every submitted execution ended.
  void Settle() {
    for (int i = 0; i < 2000 && (executor_->queued() > 0 || executor_->running() > 0); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // trigger.date of every execution of the flow, sorted.
  std::vector<std::string> FiredDates(const std::string& flow_id) {
    std::vector<std::string> dates;
    auto list = store_->ListExecutions({.flow_id = flow_id, .limit = 100000});
    EXPECT_TRUE(list.ok());
    for (const auto& e : *list) {
      auto t = tmpl::ParseJson(e.trigger_json);
      dates.push_back(t.ok() && t->Get("date") ? t->Get("date")->AsString() : "?");
    }
    std::sort(dates.begin(), dates.end());
    return dates;
  }

  ManualClock clock_{At("2027-01-01T00:00:30Z")};
};

std::string ScheduleFlow(const std::string& id, const std::string& cron, const std::string& tz,
                         const std::string& recover = "ALL") {
  return "id: " + id +
         "\nnamespace: test\ntasks:\n  - id: t\n    type: test.Noop\n    value: \"{{ trigger.date }}\"\n" +
         "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"" + cron +
         "\"\n    timezone: " + tz + "\n    recoverMissedSchedules: " + recover + "\n";
}

TEST_F(SchedulerTest, AYearOfSchedulesFiresEachDateOnceOnTime) {
  struct Case {
    std::string cron, tz;
  };
  std::vector<Case> cases = {{"0 9 * * *", "Europe/Paris"},
                             {"30 2 * * *", "America/New_York"},
                             {"0 0 1 * *", "Australia/Sydney"},
                             {"15 10 * * MON-FRI", "Asia/Kolkata"},
                             {"0 */6 * * *", "UTC"}};
  std::vector<std::shared_ptr<const flow::Flow>> flows;
  for (size_t i = 0; i < cases.size(); ++i)
    flows.push_back(Load(ScheduleFlow("f" + std::to_string(i), cases[i].cron, cases[i].tz)));
  auto scheduler = NewScheduler(flows);
  Timestamp start = clock_.Now();
  Timestamp end = At("2028-01-01T00:00:00Z");
  ASSERT_TRUE(scheduler->Tick().ok());  // first evaluation: waits for the next date
  // Ticks of an hour: every date fires at the first tick past it.
  while (clock_.Now() < end) {
    clock_.Advance(std::chrono::hours(1));
    ASSERT_TRUE(scheduler->Tick().ok());
    Settle();
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].cron + " " + cases[i].tz);
    auto cron = CronExpression::Parse(cases[i].cron, false);
    std::vector<std::string> want;
    for (auto d = cron->Next(start, date::locate_zone(cases[i].tz)); d && *d <= clock_.Now();
         d = cron->Next(*d, date::locate_zone(cases[i].tz)))
      want.push_back(FormatTimestamp(*d));
    EXPECT_EQ(FiredDates("f" + std::to_string(i)), want);
  }
  auto e = store_->ListExecutions({.flow_id = "f0", .limit = 1});
  EXPECT_EQ((*e)[0].state, State::kSuccess);
}

TEST_F(SchedulerTest, AStoppedServerCatchesUpPerRecoverMissedSchedules) {
  for (std::string mode : {"ALL", "LAST", "NONE"}) {
    SCOPED_TRACE(mode);
    std::string id = "daily_" + mode;
    auto flow = Load(ScheduleFlow(id, "0 12 * * *", "UTC", mode));
    clock_.Set(At("2027-03-01T10:00:00Z"));
    {
      auto first = NewScheduler({flow});
      ASSERT_TRUE(first->Tick().ok());
      clock_.Set(At("2027-03-01T13:00:00Z"));
      ASSERT_TRUE(first->Tick().ok());
      Settle();
      first->Stop();
    }
    EXPECT_EQ(FiredDates(id).size(), 1u);
    // Down for three periods (Mar 2, 3, 4 at noon), back on Mar 4 at 18:00.
    clock_.Set(At("2027-03-04T18:00:00Z"));
    auto second = NewScheduler({flow});
    ASSERT_TRUE(second->Tick().ok());
    Settle();
    std::vector<std::string> want = {"2027-03-01T12:00:00.000Z"};
    if (mode == "ALL")
      want.insert(want.end(), {"2027-03-02T12:00:00.000Z", "2027-03-03T12:00:00.000Z", "2027-03-04T12:00:00.000Z"});
    if (mode == "LAST") want.push_back("2027-03-04T12:00:00.000Z");
    EXPECT_EQ(FiredDates(id), want);
    // And it goes on from there.
    clock_.Set(At("2027-03-05T12:00:01Z"));
    ASSERT_TRUE(second->Tick().ok());
    Settle();
    EXPECT_EQ(FiredDates(id).back(), "2027-03-05T12:00:00.000Z");
  }
}

TEST_F(SchedulerTest, AFiringRepeatedAfterACrashDoesNotDuplicate) {
  auto flow = Load(ScheduleFlow("hourly", "0 * * * *", "UTC"));
  clock_.Set(At("2027-05-01T00:30:00Z"));
  auto scheduler = NewScheduler({flow});
  ASSERT_TRUE(scheduler->Tick().ok());
  clock_.Set(At("2027-05-01T03:30:00Z"));
  ASSERT_TRUE(scheduler->Tick().ok());
  Settle();
  ASSERT_EQ(FiredDates("hourly").size(), 3u);
  // A crash after the executions were made but before the row advanced:
  // the row still says it last fired at 00:00.
  state::TriggerKey key{"test", "hourly", "s"};
  ASSERT_TRUE(store_
                  ->RecordTriggerFiring(key, "test",
                                        {.next_date = At("2027-05-01T01:00:00Z"),
                                         .last_date = At("2027-05-01T00:00:00Z"),
                                         .evaluated_at = clock_.Now()})
                  .ok());
  auto restarted = NewScheduler({flow}, "test");
  ASSERT_TRUE(restarted->Tick().ok());
  Settle();
  EXPECT_EQ(FiredDates("hourly"), (std::vector<std::string>{"2027-05-01T01:00:00.000Z", "2027-05-01T02:00:00.000Z",
                                                            "2027-05-01T03:00:00.000Z"}));
}

TEST_F(SchedulerTest, TwoSchedulersOnOneStoreFireEachDateOnce) {
  auto flow = Load(ScheduleFlow("shared", "*/5 * * * *", "UTC"));
  clock_.Set(At("2027-06-01T00:00:30Z"));
  auto a = NewScheduler({flow}, "a");
  auto b = NewScheduler({flow}, "b");
  ASSERT_TRUE(a->Tick().ok());
  for (int i = 0; i < 48; ++i) {
    clock_.Advance(std::chrono::minutes(5));
    std::thread ta([&] {
      if (a) a->Tick().IgnoreError();
    });
    std::thread tb([&] { b->Tick().IgnoreError(); });
    ta.join();
    tb.join();
    // The lease holder may stop; the other takes over once it expires.
    if (i == 24) {
      a->Stop();
      a.reset();
    }
  }
  Settle();
  std::vector<std::string> dates = FiredDates("shared");
  std::set<std::string> unique(dates.begin(), dates.end());
  EXPECT_EQ(unique.size(), dates.size()) << "a date fired twice";
  EXPECT_EQ(dates.size(), 48u);
}

TEST_F(SchedulerTest, FlowTriggersChainOnEndedExecutionsWithPreconditions) {
  auto a = Load("id: a\nnamespace: test\ntasks:\n  - id: t\n    type: test.Noop\n    value: 1\n");
  auto b = Load(
      "id: b\nnamespace: test\ninputs:\n  - id: from\n    type: STRING\ntasks:\n  - id: t\n    type: test.Noop\n"
      "    value: \"{{ inputs.from }}\"\ntriggers:\n  - id: after_a\n    type: io.kestra.plugin.core.trigger.Flow\n"
      "    inputs:\n      from: \"{{ trigger.executionId }}\"\n    preconditions:\n      id: a_done\n      flows:\n"
      "        - namespace: test\n          flowId: a\n          states: [SUCCESS]\n");
  auto c = Load(
      "id: c\nnamespace: test\ntasks:\n  - id: t\n    type: test.Noop\ntriggers:\n  - id: after_both\n"
      "    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      id: both\n      flows:\n"
      "        - namespace: test\n          flowId: a\n        - namespace: test\n          flowId: b\n");
  auto scheduler = NewScheduler({a, b, c});
  scheduler->Start();
  auto id = executor_->Submit(a, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  for (int i = 0; i < 3000 && FiredDates("c").empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  Settle();
  scheduler->Stop();
  auto bs = store_->ListExecutions({.flow_id = "b"});
  ASSERT_EQ(bs->size(), 1u);
  EXPECT_EQ(store_->GetExecution((*bs)[0].id)->task_runs[0].outputs_json, "{\"value\":\"" + *id + "\"}");
  EXPECT_EQ(store_->ListExecutions({.flow_id = "c"})->size(), 1u) << "c waits for both a and b, once";
}

TEST_F(SchedulerTest, ABackfillRunsEveryDateOnceAndSurvivesARestart) {
  auto flow = Load(ScheduleFlow("daily", "0 0 * * *", "UTC"));
  clock_.Set(At("2027-03-01T06:00:00Z"));
  state::TriggerKey key{"test", "daily", "s"};
  {
    auto scheduler = NewScheduler({flow});
    ASSERT_TRUE(
        scheduler
            ->StartBackfill(key, At("2027-01-01T00:00:00Z"), At("2027-01-30T00:00:00Z"), {}, {{"reason", "test"}}, 10)
            .ok());
    ASSERT_TRUE(scheduler->Tick().ok());  // 10 dates, then the backfill waits for them
    Settle();
    scheduler->Stop();
  }
  EXPECT_EQ(FiredDates("daily").size(), 10u);
  // Running, it starts more dates as the ones in flight end.
  auto restarted = NewScheduler({flow});
  restarted->Start();
  for (int i = 0; i < 5000 && FiredDates("daily").size() < 30; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  Settle();
  restarted->Stop();
  std::vector<std::string> dates = FiredDates("daily");
  ASSERT_EQ(dates.size(), 30u);
  EXPECT_EQ(dates.front(), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(dates.back(), "2027-01-30T00:00:00.000Z");
  EXPECT_EQ((*store_->GetBackfill(key))->status, state::BackfillStatus::kDone);
}

}  // namespace
}  // namespace floe::triggers
