// The flowable task types: their names, Kestra aliases and property schemas.
// The executor runs them (they schedule child tasks), so they have no
// factory; see exec/flowable.cc.
#include "tasks/builtin.h"

namespace floe::tasks {
namespace {

using flow::Flowable;
using flow::PropertySpec;
using flow::PropertyType;

// Kestra's current and older fully qualified names for a flow task.
std::vector<std::string> KestraNames(const std::string& name) {
  return {"io.kestra.plugin.core.flow." + name, "io.kestra.core.tasks.flows." + name};
}

PropertySpec Tasks(std::string name, bool required, std::string description) {
  return {.name = std::move(name), .type = PropertyType::kTasks, .required = required, .description = description};
}

// Every flowable task has its own errors and finally branches.
std::vector<PropertySpec> WithHandlers(std::vector<PropertySpec> properties) {
  properties.push_back(Tasks("errors", false, "Tasks run when a child task fails."));
  properties.push_back(Tasks("finally", false, "Tasks run at the end, whatever happened."));
  return properties;
}

// The subflow tasks' revision and scheduleDate.
const PropertySpec kRevision{.name = "revision",
                             .type = PropertyType::kInt,
                             .description =
                                 "The subflow's revision: floe runs the one its flows folder holds, "
                                 "and fails when that is not this one."};
const PropertySpec kScheduleDate{.name = "scheduleDate",
                                 .type = PropertyType::kString,
                                 .description = "Start the subflow's execution at this date-time, not now."};

}  // namespace

void RegisterFlowableTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "flow.Sequential",
      .aliases = KestraNames("Sequential"),
      .description = "Runs its tasks one after the other.",
      .properties = WithHandlers({Tasks("tasks", true, "The tasks to run, in order.")}),
      .flowable = Flowable::kSequential,
  });
  registry.Register({
      .name = "flow.Parallel",
      .aliases = KestraNames("Parallel"),
      .description = "Runs each of its tasks at the same time (use a Sequential to group several into one branch).",
      .properties = WithHandlers({Tasks("tasks", true, "The branches."),
                                  {.name = "concurrent",
                                   .type = PropertyType::kInt,
                                   .description = "How many branches run at once; 0 (the default) is all of them."}}),
      .flowable = Flowable::kParallel,
  });
  registry.Register({
      .name = "flow.ForEach",
      .aliases = {"io.kestra.plugin.core.flow.ForEach"},
      .description = "Runs its tasks once per value; {{ taskrun.value }} and {{ taskrun.iteration }} name the "
                     "current one in its direct children ({{ parent.taskrun.value }} deeper), and a child's outputs "
                     "are under outputs.<child>[<value>].",
      .properties = WithHandlers({{.name = "values",
                                   .type = PropertyType::kValues,
                                   .required = true,
                                   .description = "A list, a map, or JSON text of one."},
                                  {.name = "concurrencyLimit",
                                   .type = PropertyType::kInt,
                                   .description = "How many iterations run at once; 1 by default, 0 for all."},
                                  Tasks("tasks", true, "The tasks run for each value.")}),
      .flowable = Flowable::kForEach,
  });
  registry.Register({
      .name = "flow.EachSequential",
      .aliases = KestraNames("EachSequential"),
      .description = "Older Kestra loop: runs its tasks once per value, one value at a time.",
      .properties = WithHandlers({{.name = "value",
                                   .type = PropertyType::kAny,
                                   .required = true,
                                   .description = "A list, or JSON text of one."},
                                  Tasks("tasks", true, "The tasks run for each value.")}),
      .flowable = Flowable::kForEach,
  });
  registry.Register({
      .name = "flow.EachParallel",
      .aliases = KestraNames("EachParallel"),
      .description = "Older Kestra loop: runs its tasks once per value, all values at once.",
      .properties = WithHandlers({{.name = "value",
                                   .type = PropertyType::kAny,
                                   .required = true,
                                   .description = "A list, or JSON text of one."},
                                  {.name = "concurrent",
                                   .type = PropertyType::kInt,
                                   .description = "How many values run at once; 0 (the default) is all of them."},
                                  Tasks("tasks", true, "The tasks run for each value.")}),
      .flowable = Flowable::kForEach,
  });
  registry.Register({
      .name = "flow.If",
      .aliases = KestraNames("If"),
      .description = "Runs `then` when the condition holds, `else` otherwise.",
      .properties = WithHandlers({{.name = "condition",
                                   .type = PropertyType::kAny,
                                   .required = true,
                                   .description = "A template; true, or text other than \"false\"/\"0\"/\"\", holds."},
                                  Tasks("then", true, "Tasks run when the condition holds."),
                                  Tasks("else", false, "Tasks run when it does not.")}),
      .flowable = Flowable::kIf,
  });
  registry.Register({
      .name = "flow.Switch",
      .aliases = KestraNames("Switch"),
      .description = "Runs the case whose name equals the rendered `value`, or `defaults`.",
      .properties = WithHandlers(
          {{.name = "value",
            .type = PropertyType::kString,
            .required = true,
            .description = "The value that picks the case."},
           {.name = "cases", .type = PropertyType::kTaskCases, .description = "A map from value to the tasks to run."},
           Tasks("defaults", false, "Tasks run when no case matches.")}),
      .flowable = Flowable::kSwitch,
  });
  registry.Register({
      .name = "flow.Dag",
      .aliases = KestraNames("Dag"),
      .description = "Runs tasks as soon as the tasks they depend on have succeeded, as many at once as allowed.",
      .properties = WithHandlers({{.name = "tasks",
                                   .type = PropertyType::kDagTasks,
                                   .required = true,
                                   .description = "A list of {task, dependsOn: [task ids]}."},
                                  {.name = "concurrent",
                                   .type = PropertyType::kInt,
                                   .description = "How many tasks run at once; 0 (the default) is no limit."}}),
      .flowable = Flowable::kDag,
  });
  registry.Register({
      .name = "flow.WorkingDirectory",
      // Worker: the name WorkingDirectory had before Kestra 0.10, still in old flows.
      .aliases = {"io.kestra.plugin.core.flow.WorkingDirectory", "io.kestra.core.tasks.flows.WorkingDirectory",
                  "io.kestra.core.tasks.flows.Worker"},
      .description = "Runs its tasks in one shared folder: a file one writes, the next reads.",
      .properties = WithHandlers(
          {Tasks("tasks", true, "The tasks sharing the folder."),
           {.name = "inputFiles",
            .type = PropertyType::kAny,
            .description = "A map of file name -> content (or a floe:// URI), written before the tasks run."},
           {.name = "outputFiles",
            .type = PropertyType::kList,
            .description = "Glob patterns of files kept in the execution's storage after the tasks ran."},
           {.name = "namespaceFiles",
            .type = PropertyType::kAny,
            .description = "Copy the namespace's files in: true, or {enabled, include, exclude} with globs."},
           {.name = "cache",
            .type = PropertyType::kMap,
            .description = "{patterns: [globs], ttl: PT1H}: files kept after the tasks ran and put back before they "
                           "run next time, until ttl has passed."}}),
      .flowable = Flowable::kWorkingDirectory,
  });
  registry.Register({
      .name = "flow.AllowFailure",
      .aliases = KestraNames("AllowFailure"),
      .description = "Runs its tasks; their failure makes this task (and the execution) WARNING, not FAILED.",
      .properties = WithHandlers({Tasks("tasks", true, "The tasks whose failure is allowed.")}),
      .flowable = Flowable::kAllowFailure,
  });
  std::vector<std::string> loop_names = KestraNames("LoopUntil");
  for (auto& n : KestraNames("WaitFor")) loop_names.push_back(n);
  loop_names.push_back("flow.WaitFor");
  registry.Register({
      .name = "flow.LoopUntil",
      .aliases = loop_names,
      .description = "Runs its tasks again and again until the condition holds (checked after each round).",
      .properties = WithHandlers(
          {{.name = "condition", .type = PropertyType::kAny, .required = true, .description = "Stop when it holds."},
           Tasks("tasks", true, "The tasks of one round."),
           {.name = "checkFrequency",
            .type = PropertyType::kMap,
            .description = "{maxIterations (100), maxDuration (PT1H), interval (PT1S)}."},
           {.name = "failOnMaxReached",
            .type = PropertyType::kBool,
            .description = "Fail when a maximum is reached before the condition holds (false: succeed)."}}),
      .flowable = Flowable::kLoopUntil,
  });
  std::vector<std::string> subflow_names = KestraNames("Subflow");
  subflow_names.push_back("io.kestra.core.tasks.flows.Flow");
  registry.Register({
      .name = "flow.Subflow",
      .aliases = subflow_names,
      .description = "Runs another flow as its own execution, and (with wait) takes its outputs.",
      .properties = {{.name = "namespace", .type = PropertyType::kString, .required = true},
                     {.name = "flowId", .type = PropertyType::kString, .required = true},
                     {.name = "inputs", .type = PropertyType::kMap, .description = "The subflow's inputs."},
                     {.name = "labels", .type = PropertyType::kAny, .description = "Labels of the new execution."},
                     {.name = "wait",
                      .type = PropertyType::kBool,
                      .description = "Wait for the subflow to end and take its outputs (true by default)."},
                     {.name = "transmitFailed",
                      .type = PropertyType::kBool,
                      .description = "Fail this task when the subflow fails (true by default; needs wait)."},
                     {.name = "inheritLabels",
                      .type = PropertyType::kBool,
                      .description = "Give the subflow this execution's labels too."},
                     {.name = "outputs",
                      .type = PropertyType::kMap,
                      .description = "Deprecated in Kestra: outputs rendered in the subflow's context, for a "
                                     "subflow that declares none; outputs.<id>.outputs.<key>."},
                     kRevision,
                     kScheduleDate},
      .flowable = Flowable::kSubflow,
  });
  registry.Register({
      .name = "flow.ForEachItem",
      .aliases = KestraNames("ForEachItem"),
      .description = "Splits a file's lines into batches and runs the subflow once per batch ({{ taskrun.items }} "
                     "is the batch file).",
      .properties = {{.name = "items",
                      .type = PropertyType::kString,
                      .required = true,
                      .description = "The file (a floe:// URI or a path) whose lines are the items."},
                     {.name = "batch",
                      .type = PropertyType::kMap,
                      .description = "rows: N (lines per batch, 1 by default), bytes: \"10MB\" (about this much per "
                                     "batch) or partitions: N (this many batches); separator (\\n)."},
                     {.name = "namespace", .type = PropertyType::kString, .required = true},
                     {.name = "flowId", .type = PropertyType::kString, .required = true},
                     {.name = "inputs", .type = PropertyType::kMap, .description = "The subflow's inputs per batch."},
                     {.name = "labels", .type = PropertyType::kAny},
                     {.name = "wait", .type = PropertyType::kBool},
                     {.name = "transmitFailed", .type = PropertyType::kBool},
                     {.name = "inheritLabels", .type = PropertyType::kBool},
                     kRevision,
                     kScheduleDate,
                     Tasks("errors", false, "Tasks run when the task fails."),
                     Tasks("finally", false, "Tasks run at the end, whatever happened.")},
      .flowable = Flowable::kForEachItem,
  });
  registry.Register({
      .name = "flow.Pause",
      .aliases = KestraNames("Pause"),
      .description = "Pauses the execution: for `delay`, or until `floe executions resume`.",
      .properties = {{.name = "delay",
                      .type = PropertyType::kDuration,
                      .description = "Resume by itself after this long.",
                      .aliases = {"pauseDuration"}},
                     {.name = "behavior",
                      .type = PropertyType::kEnum,
                      .description = "When pauseDuration has passed: RESUME (default), WARN (the task ends WARNING), "
                                     "FAIL, or CANCEL (the execution ends CANCELLED).",
                      .enum_values = {"RESUME", "WARN", "FAIL", "CANCEL"}},
                     {.name = "onResume",
                      .type = PropertyType::kList,
                      .description = "Inputs asked for on resume (like flow inputs); they become the task's outputs."},
                     Tasks("tasks", false, "Deprecated in Kestra: tasks run once the pause ends.")},
      .flowable = Flowable::kPause,
  });
  registry.Register({
      .name = "templating.TemplatedTask",
      .aliases = {"io.kestra.plugin.core.templating.TemplatedTask"},
      .description = "Renders `spec`, reads it as one runnable task (type and properties), and runs it in its place; "
                     "its outputs are this task's.",
      .properties = {{.name = "spec",
                      .type = PropertyType::kString,
                      .required = true,
                      .description = "The task as YAML text, templates allowed."}},
      .flowable = Flowable::kTemplated,
  });
}

}  // namespace floe::tasks
