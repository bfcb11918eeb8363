// How the CLI shows executions: as text for people, as JSON for scripts.
#pragma once

#include <string>
#include <vector>

#include "state/model.h"
#include "tmpl/value.h"

namespace floe::cli {

// The execution as one JSON document (state, inputs, outputs, task runs with
// their states, outputs and histories).
tmpl::Value ExecutionToValue(const state::Execution& e);

// "1.25 s", "87 ms", "3 min 2 s".
std::string HumanDuration(std::chrono::milliseconds d);

// "14:35:02.123" in UTC.
std::string ClockTime(Timestamp t);

// A summary of an execution for people: one line per task run and the flow outputs.
std::string DescribeExecution(const state::Execution& e);

// One line per execution.
std::string ExecutionTable(const std::vector<state::Execution>& executions);

// "14:35:02.123 INFO  task  message"
std::string FormatLogLine(const state::LogEntry& entry);

}  // namespace floe::cli
