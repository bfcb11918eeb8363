#include "triggers/scheduler.h"

#include <date/tz.h>
#include <openssl/sha.h>

#include <atomic>
#include <set>

#include "core/id.h"
#include "core/log.h"
#include "flow/trigger.h"
#include "flow/yaml_node.h"
#include "tmpl/json.h"
#include "triggers/calendar_conditions.h"
#include "triggers/conditions.h"
#include "triggers/cron.h"
#include "triggers/schedule.h"

namespace floe::triggers {

namespace {

using state::TriggerKey;

std::string KeyName(const TriggerKey& k) { return k.namespace_ + "." + k.flow_id + "/" + k.trigger_id; }

// The id of the execution a trigger starts for `what` (a date, an upstream
// execution): the same every time it is worked out, so a firing retried
// after a crash finds the execution it made before. ULID-shaped, its time
// part the moment it stands for.
std::string FiringId(const TriggerKey& key, const std::string& what, Timestamp at) {
  std::string text = KeyName(key) + "\n" + what;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  uint64_t hi = (uint64_t(digest[0]) << 8) | digest[1];
  uint64_t lo = 0;
  for (int i = 2; i < 10; ++i) lo = (lo << 8) | digest[i];
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  return EncodeId(static_cast<uint64_t>(std::max<int64_t>(ms, 0)), hi, lo);
}

RecoverMissedSchedules RecoverMode(std::optional<flow::RecoverMissed> r) {
  switch (r.value_or(flow::RecoverMissed::kAll)) {
    case flow::RecoverMissed::kAll:
      return RecoverMissedSchedules::kAll;
    case flow::RecoverMissed::kLast:
      return RecoverMissedSchedules::kLast;
    case flow::RecoverMissed::kNone:
      return RecoverMissedSchedules::kNone;
  }
  return RecoverMissedSchedules::kAll;
}

tmpl::Value Text(const std::optional<Timestamp>& t) { return t ? tmpl::Value(FormatTimestamp(*t)) : tmpl::Value(); }

// A schedule firing's `trigger` variables, as Kestra names them.
tmpl::Value ScheduleVariables(const ScheduleDate& d) {
  return tmpl::Value::MakeMap(
      {{"date", tmpl::Value(FormatTimestamp(d.date))}, {"next", Text(d.next)}, {"previous", Text(d.previous)}});
}

// A trigger of a loaded flow, with what is worked out once per load.
struct LoadedTrigger {
  std::shared_ptr<const flow::Flow> flow;
  const flow::TriggerSpec* spec = nullptr;
  TriggerKey key;
  std::optional<CronExpression> cron;
  const date::time_zone* tz = nullptr;
  std::vector<Timestamp> dates;  // ScheduleOnDates, sorted
};

}  // namespace

struct Scheduler::Impl {
  state::Store& store;
  exec::Executor& executor;
  const Clock& clock;
  SchedulerOptions options;

  mutable std::mutex mu;                                           // guards what follows
  std::map<std::string, std::shared_ptr<const flow::Flow>> flows;  // "ns.id"
  std::vector<LoadedTrigger> triggers;
  std::set<std::string> evaluated;            // trigger keys evaluated since Start (recover modes apply once)
  std::deque<std::string> ended;              // ids of executions that ended, for Flow triggers
  std::map<std::string, TriggerKey> started;  // execution id -> the trigger that started it (stopAfter)
  std::map<std::string, std::set<std::string>> backfill_running;  // trigger key -> its executions in flight
  SchedulerStats stats;
  bool stop = false;
  bool wake = false;
  std::condition_variable cv;
  std::thread thread;
  exec::EventBus::Subscription subscription;

  std::mutex tick_mu;  // one Tick at a time

  Impl(state::Store& s, exec::Executor& e, const Clock& c, SchedulerOptions o)
      : store(s), executor(e), clock(c), options(std::move(o)) {
    if (options.owner.empty()) options.owner = "floe-" + NewId();
  }

  Status Fire(const LoadedTrigger& t, const std::string& id, tmpl::Value vars, Timestamp for_date);
  // Submits the firing's execution unless it exists already (a firing
  // retried after a crash, or another server's); whether it submitted.
  Result<bool> SubmitOnce(const LoadedTrigger& t, const std::map<std::string, tmpl::Value>& inputs,
                          exec::SubmitOptions submit);
  Result<std::optional<state::Trigger>> Lease(const TriggerKey& key, Timestamp now) {
    return store.AcquireTriggerLease(key, options.owner, now, now + options.lease);
  }
  Status EvalSchedule(const LoadedTrigger& t, const state::Trigger& row, Timestamp now);
  Status EvalPolling(const LoadedTrigger& t, const state::Trigger& row, Timestamp now);
  Status EvalFlowTrigger(const LoadedTrigger& t, const state::Execution& upstream, Timestamp now);
  Status EvalBackfill(const LoadedTrigger& t, const state::Backfill& b);
  Status OnEnded(const std::string& id, Timestamp now);
};

Scheduler::Scheduler(state::Store& store, exec::Executor& executor, const Clock& clock, SchedulerOptions options)
    : impl_(std::make_unique<Impl>(store, executor, clock, std::move(options))) {}

Scheduler::~Scheduler() { Stop(); }

Status Scheduler::SetFlows(std::vector<std::shared_ptr<const flow::Flow>> flows) {
  std::vector<LoadedTrigger> loaded;
  std::map<std::string, std::shared_ptr<const flow::Flow>> by_name;
  Status first_error;
  Timestamp now = impl_->clock.Now();
  for (const auto& f : flows) {
    by_name[f->namespace_ + "." + f->id] = f;
    if (f->disabled) continue;  // a disabled flow's triggers start nothing
    for (const auto& spec : f->triggers) {
      LoadedTrigger t{.flow = f, .spec = &spec, .key = {f->namespace_, f->id, spec.spec.id}};
      std::string where = f->source_path + ": trigger '" + spec.spec.id + "'";
      auto reject = [&](const Status& s) {
        Logger().Error(where + ": " + s.ToString() + "; the trigger does not run");
        if (first_error.ok()) first_error = Status(s).WithContext(where);
      };
      if (spec.schedule) {
        auto cron = CronExpression::Parse(spec.schedule->cron, spec.schedule->with_seconds);
        if (!cron.ok()) {
          reject(cron.status());
          continue;
        }
        t.cron = std::move(*cron);
      }
      std::string zone = spec.schedule            ? spec.schedule->timezone
                         : spec.schedule_on_dates ? spec.schedule_on_dates->timezone
                                                  : "Etc/UTC";
      try {
        t.tz = date::locate_zone(zone);
      } catch (const std::exception&) {
        reject(InvalidArgument("unknown time zone '" + zone + "'"));
        continue;
      }
      if (spec.schedule_on_dates) {
        auto rendered = flow::RenderNode(spec.schedule_on_dates->dates, tmpl::Value(tmpl::ValueMap{}));
        if (!rendered.ok() || !rendered->is_list()) {
          reject(rendered.ok() ? InvalidArgument("'dates' must be a list of date-times") : rendered.status());
          continue;
        }
        bool bad = false;
        for (const auto& d : rendered->AsList()) {
          auto parsed = ParseDateTime(d.is_string() ? d.AsString() : tmpl::ToJson(d));
          if (!parsed.ok()) {
            reject(parsed.status());
            bad = true;
            break;
          }
          t.dates.push_back(*parsed);
        }
        if (bad) continue;
        std::sort(t.dates.begin(), t.dates.end());
      }
      if (spec.flow && spec.flow->preconditions &&
          spec.flow->preconditions->where.kind != flow::YamlNode::Kind::kNull) {
        reject(Status(StatusCode::kUnimplemented, "preconditions 'where' filters are not evaluated by floe yet"));
        continue;
      }
      auto row = impl_->store.UpsertTrigger(t.key, spec.spec.task_type ? spec.spec.task_type->name : "", now);
      if (!row.ok()) return Status(row.status()).WithContext(where);
      loaded.push_back(std::move(t));
    }
  }
  // Rows of triggers that are gone go too (with their backfills).
  auto rows = impl_->store.ListTriggers({});
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) {
    bool kept = std::any_of(loaded.begin(), loaded.end(), [&](const LoadedTrigger& t) { return t.key == r.key; });
    bool flow_loaded = by_name.count(r.key.namespace_ + "." + r.key.flow_id) > 0;
    // A flow that is loaded without this trigger lost it; a flow that is not
    // loaded at all may only be broken for now: its rows stay.
    if (!kept && flow_loaded) RETURN_IF_ERROR(impl_->store.DeleteTrigger(r.key).status());
  }
  std::lock_guard lock(impl_->mu);
  impl_->flows = std::move(by_name);
  impl_->triggers = std::move(loaded);
  impl_->stats.flows = impl_->flows.size();
  impl_->stats.triggers = impl_->triggers.size();
  impl_->wake = true;
  impl_->cv.notify_all();
  return first_error;
}

std::shared_ptr<const flow::Flow> Scheduler::FindFlow(const std::string& ns, const std::string& id) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->flows.find(ns + "." + id);
  return it == impl_->flows.end() ? nullptr : it->second;
}

Result<bool> Scheduler::Impl::SubmitOnce(const LoadedTrigger& t, const std::map<std::string, tmpl::Value>& inputs,
                                         exec::SubmitOptions submit) {
  if (store.GetExecutionState(submit.id).ok()) return false;
  auto submitted = executor.Submit(t.flow, inputs, std::move(submit));
  if (submitted.ok()) return true;
  if (submitted.status().code() == StatusCode::kAlreadyExists) return false;
  return Status(submitted.status()).WithContext("trigger " + KeyName(t.key));
}

Status Scheduler::Impl::Fire(const LoadedTrigger& t, const std::string& id, tmpl::Value vars, Timestamp for_date) {
  const flow::TriggerSpec& spec = *t.spec;
  std::map<std::string, tmpl::Value> inputs;
  if (spec.inputs.kind == flow::YamlNode::Kind::kMap) {
    auto rendered = flow::RenderNode(spec.inputs, tmpl::Value::MakeMap({{"trigger", vars}}));
    if (!rendered.ok()) return Status(rendered.status()).WithContext("trigger '" + spec.spec.id + "' inputs");
    for (const auto& [k, v] : rendered->AsMap()) inputs[k] = v;
  }
  ASSIGN_OR_RETURN(bool submitted,
                   SubmitOnce(t, inputs, {.id = id, .trigger = std::move(vars), .labels = spec.labels}));
  if (!submitted) return Status::Ok();
  std::lock_guard lock(mu);
  ++stats.fired;
  stats.last_lag = std::max(Duration(0), std::chrono::duration_cast<Duration>(clock.Now() - for_date));
  if (!spec.stop_after.empty()) started[id] = t.key;
  return Status::Ok();
}

Status Scheduler::Impl::EvalSchedule(const LoadedTrigger& t, const state::Trigger& row, Timestamp now) {
  bool first_here;
  {
    std::lock_guard lock(mu);
    first_here = evaluated.insert(KeyName(t.key)).second;
  }
  std::optional<Timestamp> last = row.last_date;
  // Never fired, but waiting for a date: dates from it on are due.
  if (!last && row.next_date) last = *row.next_date - std::chrono::milliseconds(1);
  const flow::ScheduleSpec* schedule = t.spec->schedule ? &*t.spec->schedule : nullptr;
  if (!last && schedule && schedule->backfill) {
    // Kestra's `backfill.start`: the first evaluation catches up from there.
    auto start = flow::RenderNode(schedule->backfill->start, tmpl::Value(tmpl::ValueMap{}));
    if (start.ok() && start->is_string()) {
      auto at = ParseDateTime(start->AsString());
      if (at.ok()) last = *at - std::chrono::milliseconds(1);
    }
  }
  CatchUpOptions opts{.recover = first_here ? RecoverMode(schedule ? schedule->recover_missed
                                                                   : t.spec->schedule_on_dates->recover_missed)
                                            : RecoverMissedSchedules::kAll,
                      .max_dates = options.max_catch_up};
  CatchUp due = t.cron ? CatchUpSchedule(*t.cron, t.tz, last, now, opts) : CatchUpDates(t.dates, last, now, opts);
  state::TriggerFiring firing{.evaluated_at = now};
  for (const ScheduleDate& d : due.fire) {
    if (schedule && schedule->late_maximum_delay && now - d.date > *schedule->late_maximum_delay) {
      Logger().Warn("trigger " + KeyName(t.key) + ": schedule date " + FormatTimestamp(d.date) +
                    " skipped: later than its lateMaximumDelay");
    } else {
      tmpl::Value vars = ScheduleVariables(d);
      ConditionInput in{.date = d.date,
                        .timezone = schedule ? schedule->timezone : t.spec->schedule_on_dates->timezone,
                        .variables = tmpl::Value::MakeMap({{"trigger", vars}})};
      auto holds = ConditionsHold(t.spec->conditions, in);
      if (!holds.ok()) {
        Logger().Error("trigger " + KeyName(t.key) + ": " + holds.status().ToString());
      } else if (*holds) {
        std::string id = FiringId(t.key, FormatTimestamp(d.date), d.date);
        Status fired = Fire(t, id, vars, d.date);
        if (!fired.ok()) {
          // Not recorded: the same date is tried again next tick.
          firing.next_date = d.date;
          RETURN_IF_ERROR(store.RecordTriggerFiring(t.key, options.owner, firing));
          return fired;
        }
        firing.last_execution_id = id;
      }
    }
    firing.last_date = d.date;
    // Each date is recorded as it fires: a crash repeats at most this one
    // date, and its execution id finds the execution made before.
    firing.next_date = due.next_date;
    RETURN_IF_ERROR(store.RecordTriggerFiring(t.key, options.owner, firing));
  }
  if (due.fire.empty() && due.next_date != row.next_date) {
    firing.next_date = due.next_date;
    if (!row.last_date && !due.next_date) firing.last_date = now;  // dates all past: none fire
    RETURN_IF_ERROR(store.RecordTriggerFiring(t.key, options.owner, firing));
  }
  if (due.more) {
    std::lock_guard lock(mu);
    wake = true;
  }
  return Status::Ok();
}

Status Scheduler::Impl::EvalPolling(const LoadedTrigger& t, const state::Trigger& row, Timestamp now) {
  if (row.evaluated_at && now - *row.evaluated_at < t.spec->interval) return Status::Ok();
  ConditionInput in{.date = now, .variables = tmpl::Value::MakeMap({{"trigger", tmpl::Value(tmpl::ValueMap{})}})};
  ASSIGN_OR_RETURN(bool holds, ConditionsHold(t.spec->conditions, in));
  if (!holds) return store.RecordTriggerFiring(t.key, options.owner, {.evaluated_at = now});
  auto started_id = executor.PollTriggerAndSubmit(t.flow, t.spec->spec.id);
  if (!started_id.ok()) {
    RETURN_IF_ERROR(store.RecordTriggerFiring(t.key, options.owner, {.evaluated_at = now}));
    return started_id.status();
  }
  if (*started_id) {
    std::lock_guard lock(mu);
    ++stats.fired;
    if (!t.spec->stop_after.empty()) started[**started_id] = t.key;
  }
  state::TriggerFiring firing{.evaluated_at = now};
  if (*started_id) firing.last_execution_id = **started_id;
  return store.RecordTriggerFiring(t.key, options.owner, firing);
}

Status Scheduler::Impl::EvalFlowTrigger(const LoadedTrigger& t, const state::Execution& up, Timestamp now) {
  const flow::FlowTriggerSpec& spec = *t.spec->flow;
  if (!StateMatches(spec.states, up.state)) return Status::Ok();
  ASSIGN_OR_RETURN(tmpl::Value outputs, tmpl::ParseJson(up.outputs_json.empty() ? "{}" : up.outputs_json));
  ASSIGN_OR_RETURN(tmpl::Value labels, tmpl::ParseJson(up.labels_json.empty() ? "{}" : up.labels_json));
  tmpl::Value vars = tmpl::Value::MakeMap({{"executionId", tmpl::Value(up.id)},
                                           {"namespace", tmpl::Value(up.namespace_)},
                                           {"flowId", tmpl::Value(up.flow_id)},
                                           {"state", tmpl::Value(std::string(state::StateName(up.state)))},
                                           {"executionLabels", labels},
                                           {"outputs", outputs}});
  ASSIGN_OR_RETURN(std::optional<state::Trigger> row, Lease(t.key, now));
  if (!row || !row->enabled) return Status::Ok();
  // What held before (MultipleCondition, preconditions) is kept in the row.
  std::map<std::string, Timestamp> satisfied;
  if (row->state_json) {
    ASSIGN_OR_RETURN(tmpl::Value kept, tmpl::ParseJson(*row->state_json));
    if (kept.is_map())
      for (const auto& [k, v] : kept.AsMap())
        if (v.is_int()) satisfied[k] = Timestamp(std::chrono::milliseconds(v.AsInt()));
  }
  ConditionInput in{
      .date = now, .upstream = &up, .variables = tmpl::Value::MakeMap({{"trigger", vars}}), .satisfied = &satisfied};
  ASSIGN_OR_RETURN(bool holds, ConditionsHold(t.spec->conditions, in));
  bool fire = holds;
  if (holds && spec.preconditions) {
    const flow::Preconditions& pre = *spec.preconditions;
    bool matched = false;
    for (const auto& u : pre.flows) {
      if (u.namespace_ != up.namespace_ || (!u.flow_id.empty() && u.flow_id != up.flow_id)) continue;
      if (!StateMatches(u.states.empty() ? std::vector<std::string>{"SUCCESS"} : u.states, up.state)) continue;
      bool labels_ok = std::all_of(u.labels.begin(), u.labels.end(), [&](const auto& kv) {
        const tmpl::Value* got = labels.is_map() ? labels.Get(kv.first) : nullptr;
        return got && got->is_string() && got->AsString() == kv.second;
      });
      if (!labels_ok) continue;
      satisfied["flow/" + u.namespace_ + "." + u.flow_id] = now;
      matched = true;
    }
    fire = matched;
    for (const auto& u : pre.flows) {
      auto it = satisfied.find("flow/" + u.namespace_ + "." + u.flow_id);
      if (it == satisfied.end() || !InTimeWindow(pre.time_window, it->second, now)) fire = false;
    }
    if (fire && pre.reset_on_success)
      for (const auto& u : pre.flows) satisfied.erase("flow/" + u.namespace_ + "." + u.flow_id);
  }
  if (fire) RETURN_IF_ERROR(Fire(t, FiringId(t.key, up.id, now), vars, now));
  tmpl::ValueMap kept;
  for (const auto& [k, at] : satisfied)
    kept.Set(k, tmpl::Value(static_cast<int64_t>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count())));
  state::TriggerFiring firing{.state_json = tmpl::ToJson(tmpl::Value(std::move(kept))), .evaluated_at = now};
  if (fire) firing.last_execution_id = FiringId(t.key, up.id, now);
  return store.RecordTriggerFiring(t.key, options.owner, firing);
}

Status Scheduler::Impl::OnEnded(const std::string& id, Timestamp now) {
  std::optional<TriggerKey> stop_after;
  std::vector<LoadedTrigger> flow_triggers;
  {
    std::lock_guard lock(mu);
    if (auto it = started.find(id); it != started.end()) {
      stop_after = it->second;
      started.erase(it);
    }
    for (auto& [key, running] : backfill_running) running.erase(id);
    for (const auto& t : triggers)
      if (t.spec->flow && !t.spec->spec.disabled) flow_triggers.push_back(t);
  }
  if (!stop_after && flow_triggers.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(state::Execution up, store.GetExecution(id));
  Status first;
  if (stop_after) {
    std::lock_guard lock(mu);
    for (const auto& t : triggers) {
      if (!(t.key == *stop_after)) continue;
      if (std::find(t.spec->stop_after.begin(), t.spec->stop_after.end(), std::string(state::StateName(up.state))) ==
          t.spec->stop_after.end())
        continue;
      Status s = store.SetTriggerEnabled(t.key, false, now);
      if (s.ok()) {
        Logger().Info("trigger " + KeyName(t.key) + " disabled: execution " + id + " ended " +
                      std::string(state::StateName(up.state)) + " (its stopAfter)");
      } else if (first.ok()) {
        first = s;
      }
    }
  }
  for (const auto& t : flow_triggers) {
    Status s = EvalFlowTrigger(t, up, now);
    if (!s.ok() && first.ok()) first = Status(s).WithContext("trigger " + KeyName(t.key));
  }
  return first;
}

Status Scheduler::Impl::EvalBackfill(const LoadedTrigger& t, const state::Backfill& b) {
  if (!t.cron) return FailedPrecondition("trigger " + KeyName(t.key) + " is not a Schedule: nothing to backfill");
  std::string running_key = KeyName(t.key);
  size_t in_flight;
  {
    std::lock_guard lock(mu);
    in_flight = backfill_running[running_key].size();
  }
  size_t room = b.concurrency > 0 ? (static_cast<size_t>(b.concurrency) > in_flight ? b.concurrency - in_flight : 0)
                                  : options.max_catch_up;
  if (room == 0) return Status::Ok();
  ASSIGN_OR_RETURN(tmpl::Value inputs_value, tmpl::ParseJson(b.inputs_json));
  ASSIGN_OR_RETURN(tmpl::Value labels_value, tmpl::ParseJson(b.labels_json));
  std::map<std::string, tmpl::Value> inputs;
  if (inputs_value.is_map())
    for (const auto& [k, v] : inputs_value.AsMap()) inputs[k] = v;
  std::vector<std::pair<std::string, std::string>> labels = t.spec->labels;
  if (labels_value.is_map())
    for (const auto& [k, v] : labels_value.AsMap())
      labels.emplace_back(k, v.is_string() ? v.AsString() : tmpl::ToJson(v));
  labels.emplace_back("backfill", "true");
  // `current` is the next date to run, or a moment before it.
  std::optional<Timestamp> date = t.cron->Next(b.current - std::chrono::milliseconds(1), t.tz);
  Timestamp advanced = b.current;
  for (; date && *date <= b.end && room > 0; --room) {
    std::optional<Timestamp> next = t.cron->Next(*date, t.tz);
    std::optional<Timestamp> previous = t.cron->Previous(*date, t.tz);
    tmpl::Value vars = ScheduleVariables({.date = *date, .next = next, .previous = previous});
    auto created = b.created.time_since_epoch().count();
    std::string id = FiringId(t.key, "backfill " + std::to_string(created) + " " + FormatTimestamp(*date), *date);
    ASSIGN_OR_RETURN(bool submitted, SubmitOnce(t, inputs, {.id = id, .trigger = vars, .labels = labels}));
    if (submitted) {
      std::lock_guard lock(mu);
      ++stats.fired;
      backfill_running[running_key].insert(id);
    }
    advanced = *date + std::chrono::milliseconds(1);
    date = next;
  }
  if (!date || *date > b.end) advanced = b.end + std::chrono::milliseconds(1);  // DONE
  if (advanced == b.current) return Status::Ok();
  return store.AdvanceBackfill(t.key, options.owner, advanced, {});
}

Status Scheduler::Tick() {
  Impl& s = *impl_;
  std::lock_guard tick(s.tick_mu);
  Timestamp now = s.clock.Now();
  std::vector<LoadedTrigger> triggers;
  std::deque<std::string> ended;
  {
    std::lock_guard lock(s.mu);
    triggers = s.triggers;
    ended.swap(s.ended);
    s.wake = false;
  }
  Status first;
  auto note = [&](const LoadedTrigger& t, const Status& st) {
    if (st.ok()) return;
    Logger().Error("trigger " + KeyName(t.key) + ": " + st.ToString());
    if (first.ok()) first = Status(st).WithContext("trigger " + KeyName(t.key));
  };
  for (const std::string& id : ended) {
    Status st = s.OnEnded(id, now);
    if (!st.ok() && first.ok()) first = st;
  }
  for (const auto& t : triggers) {
    if (t.spec->spec.disabled) continue;
    bool timed = t.spec->schedule || t.spec->schedule_on_dates || t.spec->kind == flow::TriggerKind::kPolling;
    if (!timed) continue;
    auto row = s.Lease(t.key, now);
    if (!row.ok()) {
      note(t, row.status());
      continue;
    }
    if (!*row || !(*row)->enabled) continue;
    note(t, t.spec->kind == flow::TriggerKind::kPolling ? s.EvalPolling(t, **row, now) : s.EvalSchedule(t, **row, now));
  }
  auto backfills = s.store.ListBackfills({});
  if (!backfills.ok()) return backfills.status();
  for (const auto& b : *backfills) {
    if (b.status != state::BackfillStatus::kRunning) continue;
    auto t = std::find_if(triggers.begin(), triggers.end(), [&](const LoadedTrigger& l) { return l.key == b.key; });
    if (t == triggers.end()) continue;
    auto row = s.Lease(b.key, now);
    if (!row.ok()) {
      note(*t, row.status());
      continue;
    }
    if (!*row) continue;
    note(*t, s.EvalBackfill(*t, b));
  }
  return first;
}

void Scheduler::Start() {
  Impl& s = *impl_;
  s.subscription = s.executor.events().Subscribe([&s](const exec::ExecutionEvent& e) {
    if (e.kind != exec::ExecutionEvent::Kind::kExecutionState || !state::IsTerminal(e.execution.state)) return;
    std::lock_guard lock(s.mu);
    s.ended.push_back(e.execution.id);
    s.wake = true;
    s.cv.notify_all();
  });
  std::lock_guard lock(s.mu);
  s.stop = false;
  s.evaluated.clear();
  s.thread = std::thread([this] {
    Impl& i = *impl_;
    std::unique_lock loop_lock(i.mu);
    while (!i.stop) {
      loop_lock.unlock();
      Tick().IgnoreError();  // each trigger's error is logged
      loop_lock.lock();
      Timestamp due = i.clock.Now() + i.options.tick;
      while (!i.stop && !i.wake && i.clock.Now() < due) i.clock.WaitUntil(loop_lock, i.cv, due);
    }
  });
}

void Scheduler::Stop() {
  Impl& s = *impl_;
  s.subscription.Reset();
  {
    std::lock_guard lock(s.mu);
    s.stop = true;
    s.cv.notify_all();
  }
  if (s.thread.joinable()) s.thread.join();
  auto released = s.store.ReleaseTriggerLeases(s.options.owner);
  if (!released.ok()) Logger().Warn("releasing trigger leases: " + released.status().ToString());
}

Result<WebhookStarted> Scheduler::FireWebhook(const std::string& ns, const std::string& flow_id, const std::string& key,
                                              const WebhookCall& call) {
  std::optional<LoadedTrigger> found;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& t : impl_->triggers)
      if (t.spec->webhook && !t.spec->spec.disabled && t.key.namespace_ == ns && t.key.flow_id == flow_id &&
          t.spec->webhook->key == key)
        found = t;
  }
  if (!found) return NotFound("no flow " + ns + "." + flow_id + " with a Webhook trigger of that key");
  auto row = impl_->store.GetTrigger(found->key);
  if (!row.ok()) return row.status();
  if (*row && !(*row)->enabled)
    return NotFound("the Webhook trigger '" + found->key.trigger_id + "' of " + ns + "." + flow_id + " is disabled");
  tmpl::Value vars =
      tmpl::Value::MakeMap({{"body", call.body}, {"headers", call.headers}, {"parameters", call.parameters}});
  Timestamp now = impl_->clock.Now();
  ConditionInput in{.date = now, .variables = tmpl::Value::MakeMap({{"trigger", vars}})};
  ASSIGN_OR_RETURN(bool holds, ConditionsHold(found->spec->conditions, in));
  if (!holds) return FailedPrecondition("the Webhook trigger's conditions do not hold");
  std::string id = NewId();
  RETURN_IF_ERROR(impl_->Fire(*found, id, vars, now));
  return WebhookStarted{
      .execution_id = id, .wait = found->spec->webhook->wait, .return_outputs = found->spec->webhook->return_outputs};
}

Status Scheduler::StartBackfill(const state::TriggerKey& key, Timestamp start, Timestamp end,
                                const std::map<std::string, tmpl::Value>& inputs,
                                const std::vector<std::pair<std::string, std::string>>& labels, int concurrency) {
  {
    std::lock_guard lock(impl_->mu);
    auto t = std::find_if(impl_->triggers.begin(), impl_->triggers.end(),
                          [&](const LoadedTrigger& l) { return l.key == key; });
    if (t == impl_->triggers.end()) return NotFound("no loaded trigger " + KeyName(key));
    if (!t->cron) return FailedPrecondition("trigger " + KeyName(key) + " is not a Schedule: only schedules backfill");
  }
  tmpl::ValueMap in, lb;
  for (const auto& [k, v] : inputs) in.Set(k, v);
  for (const auto& [k, v] : labels) lb.Set(k, tmpl::Value(v));
  state::Backfill b{.key = key,
                    .start = start,
                    .end = end,
                    .current = start,
                    .inputs_json = tmpl::ToJson(tmpl::Value(std::move(in))),
                    .labels_json = tmpl::ToJson(tmpl::Value(std::move(lb))),
                    .concurrency = concurrency,
                    .created = impl_->clock.Now()};
  RETURN_IF_ERROR(impl_->store.CreateBackfill(b));
  std::lock_guard lock(impl_->mu);
  impl_->wake = true;
  impl_->cv.notify_all();
  return Status::Ok();
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace floe::triggers
