// core.Log, core.Return, core.OutputValues, core.Sleep, core.Fail, storage.LocalFiles, log.Fetch.
#include <chrono>
#include <fstream>
#include <thread>

#include "core/duration.h"
#include "flow/task_files.h"
#include "tasks/builtin.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

class LogTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string level_name, ctx.StringOr("level", "INFO"));
    std::optional<LogLevel> level = ParseLogLevel(level_name);
    if (!level)
      return ctx.PropertyError("level", "unknown level '" + level_name + "' (TRACE, DEBUG, INFO, WARN, ERROR)");
    ASSIGN_OR_RETURN(std::optional<Value> message, ctx.Property("message"));
    if (!message) return ctx.PropertyError("message", "required property 'message' is missing");
    // Kestra accepts one message or a list of them.
    if (message->is_list()) {
      for (const auto& m : message->AsList()) ctx.Log(*level, tmpl::ToDisplayString(m, tmpl::Dialect::kPebble));
    } else {
      ctx.Log(*level, tmpl::ToDisplayString(*message, tmpl::Dialect::kPebble));
    }
    return Value(tmpl::ValueMap{});
  }
};

class ReturnTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::optional<Value> format, ctx.Property("format"));
    std::string text = format ? tmpl::ToDisplayString(*format, tmpl::Dialect::kPebble) : "";
    return Value::MakeMap({{"value", Value(text)}});
  }
};

class OutputValuesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::optional<Value> values, ctx.OptionalMap("values"));
    return Value::MakeMap({{"values", values ? *values : Value(tmpl::ValueMap{})}});
  }
};

class SleepTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string text, ctx.RequiredString("duration"));
    auto d = ParseDuration(text);
    if (!d.ok()) return ctx.PropertyError("duration", d.status().message());
    if (d->count() < 0) return ctx.PropertyError("duration", "must not be negative");
    if (!ctx.WaitFor(*d)) return Status(StatusCode::kCancelled, "sleep cancelled");
    return Value(tmpl::ValueMap{});
  }
};

// Fails on purpose: always, or when `condition` renders true.
class FailTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::optional<Value> condition, ctx.Property("condition"));
    bool fail = !condition || flow::ConditionHolds(*condition);
    if (!fail) return Value(tmpl::ValueMap{});
    ASSIGN_OR_RETURN(std::string message, ctx.StringOr("errorMessage", "Forced failure by the Fail task"));
    return Status(StatusCode::kFailedPrecondition, message);
  }
};

// Kestra's storage.LocalFiles: files into the working folder (shared inside
// a WorkingDirectory) and files out of it into the execution's storage.
class LocalFilesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::filesystem::path dir, ctx.WorkingDirectory());
    ASSIGN_OR_RETURN(std::optional<Value> inputs, ctx.Property("inputs"));
    if (inputs) RETURN_IF_ERROR(flow::WriteInputFiles(ctx, "inputs", *inputs, dir));
    ASSIGN_OR_RETURN(std::optional<Value> outputs, ctx.Property("outputs"));
    Value uris = Value(tmpl::ValueMap{});
    if (outputs) {
      ASSIGN_OR_RETURN(uris, flow::CollectOutputFiles(ctx, "outputs", *outputs, dir));
    }
    return Value::MakeMap({{"uris", uris}});
  }
};

// Kestra's log.Fetch: an execution's log lines (this one by default) as a
// JSON-lines file in the execution's storage.
class FetchLogsTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(std::string execution_id, ctx.StringOr("executionId", ""));
    ASSIGN_OR_RETURN(std::optional<std::string> ns, ctx.OptionalString("namespace"));
    ASSIGN_OR_RETURN(std::optional<std::string> flow_id, ctx.OptionalString("flowId"));
    if (ns || flow_id) {
      // Kestra names the execution by namespace, flowId and executionId: they must agree.
      if (execution_id.empty()) return ctx.PropertyError("executionId", "needed with namespace and flowId");
      ASSIGN_OR_RETURN(auto executions, ctx.Executions(ns.value_or(""), flow_id.value_or("")));
      bool found = false;
      for (const auto& e : executions) found = found || e.id == execution_id;
      if (!found)
        return ctx.PropertyError(
            "executionId", "no execution " + execution_id + " of " + ns.value_or("*") + "." + flow_id.value_or("*"));
    }
    ASSIGN_OR_RETURN(std::string level_name, ctx.StringOr("level", "INFO"));
    std::optional<LogLevel> min_level = ParseLogLevel(level_name);
    if (!min_level) return ctx.PropertyError("level", "unknown level '" + level_name + "'");
    ASSIGN_OR_RETURN(std::optional<Value> task_ids, ctx.Property("tasksId"));
    ASSIGN_OR_RETURN(Value lines, ctx.ExecutionLogs(execution_id));
    ASSIGN_OR_RETURN(auto target, ctx.NewStorageFile("logs.jsonl"));
    std::ofstream out(target.first, std::ios::binary);
    int64_t size = 0;
    for (const auto& line : lines.AsList()) {
      std::optional<LogLevel> level = ParseLogLevel(line.Get("level")->AsString());
      if (level && *level < *min_level) continue;
      if (task_ids && task_ids->is_list()) {
        bool wanted = false;
        for (const auto& id : task_ids->AsList()) wanted = wanted || id.Equals(*line.Get("taskId"));
        if (!wanted) continue;
      }
      out << tmpl::ToJson(line) << "\n";
      ++size;
    }
    if (!out.flush()) return IoError("cannot write '" + target.first.string() + "'");
    return Value::MakeMap({{"uri", Value(target.second)}, {"size", Value(size)}});
  }
};

}  // namespace

void RegisterCoreTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "storage.LocalFiles",
      .aliases = {"io.kestra.plugin.core.storage.LocalFiles", "io.kestra.core.tasks.storages.LocalFiles"},
      .description = "Writes `inputs` (name -> content or URI) into the working folder and keeps the files matching "
                     "`outputs` (globs) as outputs.uris.",
      .properties = {{.name = "inputs", .type = PropertyType::kAny}, {.name = "outputs", .type = PropertyType::kList}},
      .factory = [] { return std::make_unique<LocalFilesTask>(); },
  });
  registry.Register({
      .name = "log.Fetch",
      .aliases = {"io.kestra.plugin.core.log.Fetch", "io.kestra.core.tasks.log.Fetch"},
      .description = "Writes an execution's log lines (this one by default) to a JSON-lines file: outputs uri, size.",
      .properties = {{.name = "executionId", .type = PropertyType::kString},
                     {.name = "namespace", .type = PropertyType::kString, .description = "The execution's namespace."},
                     {.name = "flowId", .type = PropertyType::kString, .description = "The execution's flow."},
                     {.name = "level",
                      .type = PropertyType::kEnum,
                      .enum_values = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}},
                     {.name = "tasksId", .type = PropertyType::kList}},
      .factory = [] { return std::make_unique<FetchLogsTask>(); },
  });
  registry.Register({
      .name = "core.Log",
      .aliases = {"io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log", "io.kestra.core.tasks.debugs.Echo",
                  "io.kestra.plugin.core.debug.Echo"},
      .description = "Writes a message (or a list of messages) to the task run's log.",
      .properties = {{.name = "message",
                      .type = PropertyType::kAny,
                      .required = true,
                      .description = "The message, or a list of messages; rendered as templates.",
                      .aliases = {"format"}},  // the deprecated Echo task's name for it
                     {.name = "level",
                      .type = PropertyType::kEnum,
                      .description = "The log level; INFO by default.",
                      .enum_values = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"},
                      .aliases = {}}},
      .factory = [] { return std::make_unique<LogTask>(); },
  });
  registry.Register({
      .name = "core.Return",
      .aliases = {"io.kestra.plugin.core.debug.Return", "io.kestra.core.tasks.debugs.Return", "debug.Return"},
      .description = "Renders `format` and outputs it as `value`.",
      .properties = {{.name = "format", .type = PropertyType::kString, .description = "The text to render."}},
      .factory = [] { return std::make_unique<ReturnTask>(); },
  });
  registry.Register({
      .name = "core.OutputValues",
      .aliases = {"io.kestra.plugin.core.output.OutputValues"},
      .description = "Outputs the rendered `values` map as `values`.",
      .properties = {{.name = "values", .type = PropertyType::kMap, .description = "The values to output."}},
      .factory = [] { return std::make_unique<OutputValuesTask>(); },
  });
  registry.Register({
      .name = "core.Fail",
      .aliases = {"io.kestra.plugin.core.execution.Fail", "io.kestra.core.tasks.executions.Fail"},
      .description = "Fails the task (and so the execution): always, or when `condition` is true.",
      .properties = {{.name = "condition",
                      .type = PropertyType::kAny,
                      .description = "Fail only when this renders true; always fail when absent."},
                     {.name = "errorMessage",
                      .type = PropertyType::kString,
                      .description = "The error to report; 'Forced failure by the Fail task' by default."}},
      .factory = [] { return std::make_unique<FailTask>(); },
  });
  registry.Register({
      .name = "core.Sleep",
      .aliases = {"io.kestra.plugin.core.flow.Sleep", "io.kestra.core.tasks.flows.Sleep"},
      .description = "Waits for an ISO-8601 `duration`.",
      .properties = {{.name = "duration",
                      .type = PropertyType::kDuration,
                      .required = true,
                      .description = "How long to wait, e.g. PT5S."}},
      .factory = [] { return std::make_unique<SleepTask>(); },
  });
}

}  // namespace floe::tasks
