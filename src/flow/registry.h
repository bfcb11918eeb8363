// TaskRegistry: every task type floe knows, by name and by alias, with the
// property schema that validation and `floe schema` use and the factory that
// makes a Task for a run.
//
//   TaskRegistry registry;
//   registry.Register({.name = "core.Log", .aliases = {"io.kestra.plugin.core.log.Log"},
//                      .properties = {{.name = "message", .type = PropertyType::kString, .required = true}},
//                      .factory = [] { return std::make_unique<LogTask>(); }});
//   const TaskType* t = registry.Find("io.kestra.plugin.core.log.Log");   // core.Log
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flow/task.h"

namespace floe::flow {

enum class PropertyType {
  kString,
  kInt,
  kNumber,
  kBool,
  kDuration,
  kEnum,
  kList,
  kMap,
  kValues,  // a list, a map, or JSON text of one (ForEach's values)
  kAny,
  kTasks,      // a list of tasks (a flowable's children): parsed, not rendered
  kTaskCases,  // a map of name -> list of tasks (Switch's cases)
  kDagTasks,   // a list of {task, dependsOn} (Dag's tasks)
};

// How the executor runs a task type. kNone: a runnable task, through its
// factory's Task::Run. The others are run by the executor itself because they
// schedule child tasks, other executions or the execution's own state.
enum class Flowable {
  kNone,
  kSequential,
  kParallel,
  kForEach,
  kIf,
  kSwitch,
  kDag,
  kWorkingDirectory,
  kAllowFailure,
  kLoopUntil,
  kSubflow,
  kForEachItem,
  kPause,
  kTemplated,  // runs the task its rendered `spec` describes (templating.TemplatedTask)
};

// Which part of floe starts executions for a trigger type, so the scheduler
// can dispatch on it. kNone: a task type, never a trigger. kPolling: asked
// every `interval` through its `trigger_factory` (s3.Trigger, http.Trigger);
// the others have no code of their own: the server's scheduler (kSchedule,
// kScheduleOnDates), its execution-end listener (kFlow) and its HTTP layer
// (kWebhook) run them from the typed TriggerSpec the flow holds.
enum class TriggerKind {
  kNone,
  kPolling,
  kSchedule,
  kScheduleOnDates,
  kFlow,
  kWebhook,
};

// "polling", "Schedule", "ScheduleOnDates", "Flow", "Webhook" (Kestra's words).
std::string_view TriggerKindName(TriggerKind kind);

std::string_view PropertyTypeName(PropertyType type);

struct PropertySpec {
  std::string name;
  PropertyType type = PropertyType::kString;
  bool required = false;
  std::string description;
  std::vector<std::string> enum_values;  // for kEnum
  std::vector<std::string> aliases;      // other accepted names (Kestra's)
};

struct TaskType {
  std::string name;                  // floe's name: "duckdb.Query"
  std::vector<std::string> aliases;  // Kestra's names
  std::string description;
  std::vector<PropertySpec> properties;
  Flowable flowable = Flowable::kNone;
  std::function<std::unique_ptr<Task>()> factory;  // runnable tasks only
  // Trigger types (under a flow's `triggers`, never `tasks`) only: polling
  // ones have a factory; Register() sets `trigger` to kPolling for them.
  std::function<std::unique_ptr<PollingTrigger>()> trigger_factory;
  TriggerKind trigger = TriggerKind::kNone;

  bool is_trigger() const { return trigger != TriggerKind::kNone; }

  const PropertySpec* FindProperty(std::string_view property) const;
};

// Keys every task accepts besides its own properties.
const std::vector<std::string>& CommonTaskKeys();

class TaskRegistry {
 public:
  // Registering a name or alias twice, or a kPolling type without a
  // trigger_factory, is a programming error (asserts). A type with a
  // trigger_factory and no kind is a polling trigger.
  void Register(TaskType type);
  // By name or alias; nullptr when unknown.
  const TaskType* Find(std::string_view name) const;
  // All names and aliases, for suggestions.
  std::vector<std::string> AllNames() const;
  const std::vector<std::unique_ptr<TaskType>>& types() const { return types_; }

  // Checks a Schedule trigger's cron expression at load (the cron parser
  // lives above flow, in triggers; the runtime installs it). Unset: the
  // expression is checked only when a server schedules it.
  using CronCheck = std::function<Status(std::string_view cron, bool with_seconds)>;
  void set_cron_check(CronCheck check) { cron_check_ = std::move(check); }
  const CronCheck& cron_check() const { return cron_check_; }

 private:
  CronCheck cron_check_;
  std::vector<std::unique_ptr<TaskType>> types_;
  std::map<std::string, const TaskType*, std::less<>> by_name_;
};

}  // namespace floe::flow
