// Kestra's templating.TemplatedTask: `spec` is rendered, read as one task
// (a runnable type and its properties), and run in this task's place; its
// outputs are the TemplatedTask's.
#include <sstream>

#include "exec/running_execution.h"

namespace floe::exec {

using state::State;

Result<RunningExecution::FlowableEnd> RunningExecution::RunTemplated(const flow::TaskSpec& spec, const Scope& scope,
                                                                     state::TaskRun& run, RunTaskContext& ctx) {
  ASSIGN_OR_RETURN(std::string text, ctx.RequiredString("spec"));
  // The spec reads as a task of a one-task flow, under this task's id.
  std::string doc = "id: templated\nnamespace: " + flow_.namespace_ + "\ntasks:\n  - id: " + spec.id + "\n";
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) doc += "    " + line + "\n";
  flow::FlowParse parsed = flow::ParseFlow(doc, "task '" + spec.id + "' spec (rendered)", env_.registry);
  if (!parsed.errors.empty()) {
    std::string why;
    for (const auto& e : parsed.errors) why += (why.empty() ? "" : "; ") + e.ToString();
    return ctx.PropertyError("spec", "is not one task: " + why);
  }
  const flow::TaskSpec& inner = parsed.flow->tasks.at(0);
  if (inner.is_flowable())
    return ctx.PropertyError("spec", "must be a runnable task, not the flowable '" + inner.type + "'");
  std::string prefix = StoragePrefix() + "/tasks/" + spec.id + "/" + run.id + "/templated";
  RunTaskContext inner_ctx(inner, VariablesFor(inner, scope, run), services_, prefix,
                           env_.settings.scratch / execution_.id / (run.id + "-templated"), scope.shared_workdir,
                           [&](LogLevel level, std::string_view message) { ctx.Log(level, message); });
  inner_ctx.set_task_run_id(run.id);
  ActiveContext active(*this, inner_ctx);
  return RunRunnableToEnd(inner, inner_ctx);
}

}  // namespace floe::exec
