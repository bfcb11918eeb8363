#include "triggers/conditions.h"

#include <date/tz.h>

#include "flow/task.h"
#include "flow/yaml_node.h"
#include "tmpl/json.h"
#include "triggers/calendar_conditions.h"

namespace floe::triggers {

namespace {

using flow::Condition;
using flow::ConditionType;

Status Where(const Condition& c, Status s) {
  return std::move(s).WithContext("condition " + std::string(flow::ConditionTypeName(c.type)) + " at line " +
                                  std::to_string(c.location.line));
}

Result<std::string> RenderText(const flow::YamlNode& node, const tmpl::Value& vars) {
  ASSIGN_OR_RETURN(tmpl::Value v, flow::RenderNode(node, vars));
  if (v.is_string()) return v.AsString();
  return tmpl::ToJson(v);
}

// The date a calendar condition tests: its `date` property, else trigger.date.
Result<Timestamp> DateOf(const Condition& c, const ConditionInput& in) {
  if (c.date.kind == flow::YamlNode::Kind::kNull) return in.date;
  ASSIGN_OR_RETURN(std::string text, RenderText(c.date, in.variables));
  return ParseDateTime(text);
}

Result<const date::time_zone*> Zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return InvalidArgument("unknown time zone '" + name + "'");
  }
}

Result<tmpl::Value> Labels(const state::Execution& e) { return tmpl::ParseJson(e.labels_json); }

Result<bool> Holds(const Condition& c, const ConditionInput& in);

Result<bool> HoldsAll(const std::vector<Condition>& cs, const ConditionInput& in) {
  for (const auto& c : cs) {
    ASSIGN_OR_RETURN(bool ok, Holds(c, in));
    if (!ok) return false;
  }
  return true;
}

Result<bool> Holds(const Condition& c, const ConditionInput& in) {
  if (flow::NeedsUpstreamExecution(c.type) && !in.upstream)
    return Where(c, FailedPrecondition("needs the execution that ended: only a Flow trigger has one"));
  const state::Execution* up = in.upstream;
  switch (c.type) {
    case ConditionType::kExecutionStatus: {
      std::string s(state::StateName(up->state));
      bool in_ok = c.in.empty() || std::find(c.in.begin(), c.in.end(), s) != c.in.end();
      bool out_ok = std::find(c.not_in.begin(), c.not_in.end(), s) == c.not_in.end();
      return in_ok && out_ok;
    }
    case ConditionType::kExecutionFlow:
      return up->namespace_ == c.namespace_ && up->flow_id == c.flow_id;
    case ConditionType::kExecutionNamespace:
      switch (c.comparison) {
        case Condition::Comparison::kEquals:
          return up->namespace_ == c.namespace_;
        case Condition::Comparison::kPrefix:
          return up->namespace_.starts_with(c.namespace_);
        case Condition::Comparison::kSuffix:
          return up->namespace_.ends_with(c.namespace_);
      }
      return false;
    case ConditionType::kExecutionLabels: {
      ASSIGN_OR_RETURN(tmpl::Value labels, Labels(*up));
      for (const auto& [k, v] : c.labels) {
        const tmpl::Value* got = labels.is_map() ? labels.Get(k) : nullptr;
        if (!got || !got->is_string() || got->AsString() != v) return false;
      }
      return true;
    }
    case ConditionType::kExecutionOutputs:
    case ConditionType::kExpression: {
      auto v = flow::RenderNode(c.expression, in.variables);
      if (!v.ok()) return Where(c, v.status());
      return flow::ConditionHolds(*v);
    }
    case ConditionType::kDayWeek:
    case ConditionType::kDayWeekInMonth:
    case ConditionType::kWeekend: {
      auto date = DateOf(c, in);
      if (!date.ok()) return Where(c, date.status());
      ASSIGN_OR_RETURN(const date::time_zone* tz, Zone(in.timezone));
      if (c.type == ConditionType::kWeekend) return IsWeekend(*date, tz);
      auto day = ParseDayOfWeek(c.day_of_week);
      if (!day.ok()) return Where(c, day.status());
      if (c.type == ConditionType::kDayWeek) return IsDayWeek(*date, tz, *day);
      auto which = ParseDayInMonth(c.day_in_month);
      if (!which.ok()) return Where(c, which.status());
      return IsDayWeekInMonth(*date, tz, *day, *which);
    }
    case ConditionType::kDateTimeBetween:
    case ConditionType::kTimeBetween: {
      auto date = DateOf(c, in);
      if (!date.ok()) return Where(c, date.status());
      auto bound = [&](const flow::YamlNode& node) -> Result<std::optional<std::string>> {
        if (node.kind == flow::YamlNode::Kind::kNull) return std::optional<std::string>();
        ASSIGN_OR_RETURN(std::string text, RenderText(node, in.variables));
        return std::optional<std::string>(text);
      };
      ASSIGN_OR_RETURN(std::optional<std::string> after, bound(c.after));
      ASSIGN_OR_RETURN(std::optional<std::string> before, bound(c.before));
      if (c.type == ConditionType::kDateTimeBetween) {
        std::optional<Timestamp> a, b;
        if (after) {
          ASSIGN_OR_RETURN(a, ParseDateTime(*after));
        }
        if (before) {
          ASSIGN_OR_RETURN(b, ParseDateTime(*before));
        }
        return IsDateTimeBetween(*date, a, b);
      }
      std::optional<OffsetTime> a, b;
      if (after) {
        ASSIGN_OR_RETURN(a, ParseOffsetTime(*after));
      }
      if (before) {
        ASSIGN_OR_RETURN(b, ParseOffsetTime(*before));
      }
      ASSIGN_OR_RETURN(const date::time_zone* tz, Zone(in.timezone));
      return IsTimeBetween(*date, tz, a, b);
    }
    case ConditionType::kNot: {
      for (const auto& child : c.conditions) {
        ASSIGN_OR_RETURN(bool ok, Holds(child, in));
        if (ok) return false;
      }
      return true;
    }
    case ConditionType::kOr: {
      for (const auto& child : c.conditions) {
        ASSIGN_OR_RETURN(bool ok, Holds(child, in));
        if (ok) return true;
      }
      return false;
    }
    case ConditionType::kMultipleCondition: {
      // Each named condition is remembered when it holds; the whole holds
      // once all of them held inside the window, and starts over then.
      if (!in.satisfied) return Where(c, FailedPrecondition("has nowhere to keep what held"));
      Timestamp now = in.date;
      for (const auto& child : c.conditions) {
        ASSIGN_OR_RETURN(bool ok, Holds(child, in));
        if (ok) (*in.satisfied)[c.id + "/" + child.id] = now;
      }
      flow::TimeWindow window = c.time_window.value_or(flow::TimeWindow{});
      for (const auto& child : c.conditions) {
        auto it = in.satisfied->find(c.id + "/" + child.id);
        if (it == in.satisfied->end() || !InTimeWindow(window, it->second, now)) return false;
      }
      if (c.reset_on_success)
        for (const auto& child : c.conditions) in.satisfied->erase(c.id + "/" + child.id);
      return true;
    }
    case ConditionType::kHasRetryAttempt: {
      // An upstream execution with a task run beyond its first attempt, in
      // one of the given states.
      for (const auto& run : up->task_runs) {
        if (run.attempt <= 1) continue;
        std::string s(state::StateName(run.state));
        bool in_ok = c.in.empty() || std::find(c.in.begin(), c.in.end(), s) != c.in.end();
        bool out_ok = std::find(c.not_in.begin(), c.not_in.end(), s) == c.not_in.end();
        if (in_ok && out_ok) return true;
      }
      return false;
    }
  }
  return false;
}

}  // namespace

Result<bool> ConditionsHold(const std::vector<flow::Condition>& conditions, const ConditionInput& in) {
  return HoldsAll(conditions, in);
}

bool StateMatches(const std::vector<std::string>& states, state::State s) {
  if (states.empty()) return state::IsTerminal(s);
  std::string name(state::StateName(s));
  return std::find(states.begin(), states.end(), name) != states.end();
}

bool InTimeWindow(const flow::TimeWindow& window, Timestamp at, Timestamp now) {
  using Type = flow::TimeWindow::Type;
  if (at > now) return true;
  switch (window.type) {
    case Type::kDurationWindow:
    case Type::kSlidingWindow:
      return now - at <= window.window.value_or(std::chrono::hours(24));
    case Type::kDailyTimeDeadline:
    case Type::kDailyTimeWindow: {
      // Today (UTC): the window is [startTime, endTime] or [00:00, deadline].
      auto day = std::chrono::floor<std::chrono::days>(now);
      auto parse = [&](const std::string& text, std::chrono::seconds fallback) {
        auto t = ParseOffsetTime(text);
        if (!t.ok()) return fallback;
        return std::chrono::duration_cast<std::chrono::seconds>(t->time_of_day) - t->offset;
      };
      bool deadline = window.type == Type::kDailyTimeDeadline;
      Timestamp start = day + (deadline ? std::chrono::seconds(0) : parse(window.start_time, std::chrono::seconds(0)));
      Timestamp end = day + parse(deadline ? window.deadline : window.end_time, std::chrono::hours(24));
      return at >= start && at <= end && now <= end;
    }
  }
  return false;
}

}  // namespace floe::triggers
