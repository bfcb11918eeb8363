// Trigger conditions (Kestra's `conditions` and `scheduleConditions`),
// evaluated for one firing: a schedule date, or an upstream execution that
// ended (Flow triggers).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "flow/trigger.h"
#include "state/model.h"
#include "tmpl/value.h"

namespace floe::triggers {

struct ConditionInput {
  Timestamp date;                              // trigger.date, or now
  std::string timezone = "Etc/UTC";            // where calendar conditions look at `date`
  const state::Execution* upstream = nullptr;  // the execution that ended (Flow triggers)
  tmpl::Value variables;                       // {trigger: ...}: what expressions render against
  // MultipleCondition: when each named condition last held (kept by the
  // caller between evaluations); updated here.
  std::map<std::string, Timestamp>* satisfied = nullptr;
};

// Whether every condition holds. An expression that does not render, a date
// that does not parse, or a condition that needs an upstream execution
// without one, is an error naming the condition.
Result<bool> ConditionsHold(const std::vector<flow::Condition>& conditions, const ConditionInput& in);

// Whether an execution state name is in the list (empty: any terminal state).
bool StateMatches(const std::vector<std::string>& states, state::State s);

// Whether `at` lies in the time window ending now (durations, or today's
// daily window), as Kestra's preconditions count upstream executions.
bool InTimeWindow(const flow::TimeWindow& window, Timestamp at, Timestamp now);

}  // namespace floe::triggers
