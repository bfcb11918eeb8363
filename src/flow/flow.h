// Flow: a parsed, validated flow definition (Kestra's model).
//
//   TaskRegistry registry = ...;
//   ASSIGN_OR_RETURN(Flow flow, LoadFlowFile("examples/level1_duckdb.yml", registry));
//   for (const TaskSpec& task : flow.tasks) ...
//
// Loading never stops at the first problem: ParseFlow returns every error it
// finds (unknown keys with suggestions, wrong types, missing properties,
// duplicate ids, unknown task types, template syntax), each with file:line:col.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "flow/registry.h"
#include "flow/retry.h"
#include "flow/trigger.h"
#include "flow/yaml_node.h"
#include "tmpl/template.h"
#include "tmpl/value.h"

namespace floe::flow {

enum class InputType {
  kString,
  kInt,
  kFloat,
  kBoolean,
  kDate,
  kTime,
  kDateTime,
  kDuration,
  kJson,
  kYaml,
  kUri,
  kEmail,
  kSecret,  // text whose value is masked in logs and outputs
  kFile,
  kSelect,
  kMultiselect,
  kArray,
};

std::string_view InputTypeName(InputType type);
// "STRING", "INT", ... (and Kestra's spellings BOOL, ENUM); nullopt when unknown.
std::optional<InputType> ParseInputType(std::string_view name);
// Every accepted spelling, for suggestions and the JSON Schema.
const std::vector<std::string>& InputTypeNames();

struct Input {
  std::string id;
  InputType type = InputType::kString;
  std::string description;
  std::string display_name;
  bool required = true;
  std::optional<tmpl::Value> defaults;
  std::vector<std::string> values;  // SELECT / MULTISELECT choices
  bool allow_custom_value = false;  // SELECT / MULTISELECT: values outside the choices too
  // SELECT / MULTISELECT: Kestra's `expression`, rendered when an execution
  // starts (against the inputs before it, kv() and secret()) to the list of
  // choices, instead of fixed `values`.
  std::optional<YamlNode> values_expression;
  bool auto_select_first = false;                      // SELECT / MULTISELECT: the first choice is the default
  std::optional<InputType> item_type;                  // ARRAY: the type of each item (STRING by default)
  std::optional<std::string> validator;                // STRING: a regular expression the whole value must match
  std::optional<double> min, max;                      // INT/FLOAT bounds, inclusive
  std::optional<Duration> min_duration, max_duration;  // DURATION bounds, inclusive
  std::optional<std::string> after, before;            // DATE/DATETIME/TIME bounds, exclusive (Kestra's)
  std::vector<std::string> extensions;                 // FILE: allowed name endings (".csv"); any when empty
  // Kestra's dependsOn: the input counts (is required, takes its default)
  // only when `condition` renders true against the inputs before it.
  std::vector<std::string> depends_on;
  std::optional<YamlNode> depends_on_condition;
  SourceLocation location;
};

struct TaskSpec;

// A flowable task's list of children under one name: "tasks", "then",
// "else", "defaults", "errors", "finally", or "case:<value>" for Switch.
struct TaskBranch {
  std::string name;
  std::vector<TaskSpec> tasks;
};

struct TaskSpec {
  std::string id;
  std::string type;  // as written in the flow (may be an alias)
  const TaskType* task_type = nullptr;
  std::string description;
  bool disabled = false;
  // A failure leaves the execution running; it ends in WARNING.
  bool allow_failure = false;
  // A WARNING ends as SUCCESS.
  bool allow_warning = false;
  // Task log lines below this level are dropped.
  std::optional<LogLevel> log_level;
  // Kestra's logToFile: the task's log lines go to a file in execution
  // storage (the task run's log_file), not to the store's log table.
  bool log_to_file = false;
  // An attempt running longer is stopped and fails.
  std::optional<Duration> timeout;
  // Failed attempts run again as new task runs while the policy allows.
  std::optional<RetryPolicy> retry;
  // Rendered before the run; a false value skips the task (SKIPPED).
  std::optional<YamlNode> run_if;
  // The task's own properties (every key but the common ones and the child
  // task lists), as written.
  YamlNode properties;
  // Flowable tasks: their children, by branch, in flow order.
  std::vector<TaskBranch> branches;
  // A Dag child: the ids of its Dag siblings that must end first.
  std::vector<std::string> depends_on;
  SourceLocation location;

  // The branch's tasks; nullptr when the flow does not write it.
  const std::vector<TaskSpec>* Branch(std::string_view name) const;
  bool is_flowable() const { return task_type && task_type->flowable != Flowable::kNone; }
};

// One of a flow's `triggers`. `spec` holds its id, type, description,
// disabled, and its type's own properties as written (a polling trigger's
// TaskContext reads them); the rest is typed for the scheduler. `floe run`
// ignores triggers; `floe triggers poll` runs only kPolling ones.
struct TriggerSpec {
  TaskSpec spec;
  TriggerKind kind = TriggerKind::kPolling;
  // kPolling: how often it is polled (Kestra's default PT60S).
  Duration interval = std::chrono::seconds(60);
  // All must hold for the trigger to fire: `conditions`, then Schedule's
  // older `scheduleConditions`, in flow order.
  std::vector<Condition> conditions;
  // The new execution's inputs (a map, templates compiled) and labels.
  YamlNode inputs;
  std::vector<std::pair<std::string, std::string>> labels;
  // Once an execution this trigger started ends in one of these states, the
  // trigger is disabled (checked state names).
  std::vector<std::string> stop_after;
  // Set for its kind only.
  std::optional<ScheduleSpec> schedule;
  std::optional<ScheduleOnDatesSpec> schedule_on_dates;
  std::optional<FlowTriggerSpec> flow;
  std::optional<WebhookSpec> webhook;
};

struct FlowOutput {
  std::string id;
  std::string type;  // STRING, INT, ...: the value is converted to it (ConvertOutput)
  std::string description;
  YamlNode value;
  SourceLocation location;
};

// How many executions of a flow may run at once, and what happens to more.
struct Concurrency {
  enum class Behavior { kQueue, kCancel, kFail };
  int limit = 1;
  Behavior behavior = Behavior::kQueue;
};

// Kestra's flow `sla`: a promise about every execution, checked while it
// runs. MAX_DURATION: it ends within `duration` of its start.
// EXECUTION_ASSERTION: `assertion` holds after every task run ends. When
// one is broken: the execution gets `labels`, and FAIL ends it FAILED,
// CANCEL ends it CANCELLED, NONE only says so.
struct Sla {
  enum class Type { kMaxDuration, kExecutionAssertion };
  enum class Behavior { kFail, kCancel, kNone };
  std::string id;
  Type type = Type::kMaxDuration;
  Behavior behavior = Behavior::kNone;
  Duration duration{0};
  std::optional<YamlNode> assertion;
  std::vector<std::pair<std::string, std::string>> labels;
};

struct Flow {
  std::string id;
  std::string namespace_;
  std::string description;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<Input> inputs;
  YamlNode variables;  // map, possibly with templates
  std::vector<TaskSpec> tasks;
  std::vector<TaskSpec> errors;         // run, in order, after a task fails
  std::vector<TaskSpec> finally_tasks;  // run, in order, at the end whatever happened
  // Run after the execution ended (its state is final), e.g. to notify.
  std::vector<TaskSpec> after_execution;
  std::vector<FlowOutput> outputs;
  std::vector<Sla> slas;
  // Kestra's `disabled: true`: the flow loads and validates, but no
  // execution of it starts (by hand, by a trigger or as a subflow).
  bool disabled = false;
  std::vector<TriggerSpec> triggers;
  std::optional<RetryPolicy> retry;  // the whole execution's
  std::optional<Concurrency> concurrency;
  int revision = 0;  // as written; 0 when absent
  std::string source_path;
  std::string source;  // the YAML text, stored with each execution
};

// The task with this id anywhere in the flow (ids are unique flow-wide);
// nullptr when absent.
const TaskSpec* FindTask(const Flow& flow, std::string_view id);

// The template environment for flow properties: Pebble dialect, strict.
const tmpl::Environment& FlowTemplateEnvironment();

// Replaces the flow templates' size limits (the largest rendered text or
// computed value, the most items in a list or map). Call it at start-up,
// before any flow is parsed or rendered: it is not synchronized.
void SetFlowTemplateLimits(const tmpl::Limits& limits);

struct FlowParse {
  std::optional<Flow> flow;    // set when there were no errors
  std::vector<Status> errors;  // all of them, in file order
};

FlowParse ParseFlow(std::string_view yaml, const std::string& path, const TaskRegistry& registry);

// A flow file's text. A missing file, a folder, or a file larger than a YAML
// document may be (kMaxYamlBytes) is an error naming the path.
Result<std::string> ReadFlowFile(const std::filesystem::path& path);

// Reads and parses a file; on errors, the Status lists every one of them.
Result<Flow> LoadFlowFile(const std::filesystem::path& path, const TaskRegistry& registry);

// Joins errors into one Status (the first one's location, each on a line).
Status CombineErrors(const std::vector<Status>& errors);

// Checks and converts the given inputs (name -> text as typed on a command
// line, or typed values) against the flow's declarations: types, required,
// defaults, validators. Unknown names are errors. FILE inputs stay as the
// given path; the executor stores the file.
// `host` serves the templates inputs render (dependsOn conditions, SELECT
// expressions); without one, choices from an expression are not checked
// (the executor checks them, with its host, when the execution starts).
Result<tmpl::Value> ResolveInputs(const Flow& flow, const std::map<std::string, tmpl::Value>& given,
                                  const tmpl::RenderHost* host = nullptr);
// A flow output's rendered value converted to its declared type, as Kestra
// types outputs ("42" for an INT output is 42); an error when it is not one.
Result<tmpl::Value> ConvertOutput(const FlowOutput& out, const tmpl::Value& rendered);

}  // namespace floe::flow
