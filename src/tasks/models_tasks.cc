// SQL model projects in flows: floe's `models.Build`, and Kestra's dbt tasks
// (`io.kestra.plugin.dbt.cli.DbtCLI` and the older `dbt.cli.Build`, `Run`,
// `Test`, ...) run natively, in process, by the models module: the flow that
// ran dbt in a container runs unchanged, without one.
#include <filesystem>

#include "flow/task_files.h"
#include "models/command.h"
#include "tasks/builtin.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;
using tmpl::ValueList;
using tmpl::ValueMap;

// `projectDir`, relative to the task's working directory and inside it.
Result<std::filesystem::path> ProjectDir(flow::TaskContext& ctx, const std::filesystem::path& wd) {
  ASSIGN_OR_RETURN(std::string dir, ctx.StringOr("projectDir", ""));
  std::filesystem::path p(dir);
  bool escapes = p.is_absolute();
  for (const auto& part : p) escapes = escapes || part == "..";
  if (escapes) return ctx.PropertyError("projectDir", "'" + dir + "' must be a folder inside the working directory");
  return (wd / p).lexically_normal();
}

// Properties of Kestra's dbt tasks that choose how dbt is started (a
// container, a binary path). floe runs dbt in process: they are noted in the
// log, so a flow written for Kestra runs as it is, and the reader learns why.
Status NoteRunnerProperties(flow::TaskContext& ctx) {
  for (const char* name : {"containerImage", "taskRunner", "runner", "docker", "dbtPath"}) {
    ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property(name));
    if (v && !v->is_null())
      ctx.Log(LogLevel::kInfo, std::string(name) + " is not used: floe builds the dbt project natively, in process");
  }
  // Kestra's examples install dbt first (pip, uv, a venv); nothing else may
  // be dropped unseen.
  ASSIGN_OR_RETURN(std::optional<Value> before, ctx.Property("beforeCommands"));
  if (before && before->is_list()) {
    for (const auto& c : before->AsList()) {
      std::string line = tmpl::ToDisplayString(c, tmpl::Dialect::kPebble);
      bool installs = line.find("pip ") != std::string::npos || line.find("uv ") != std::string::npos ||
                      line.find("activate") != std::string::npos || line.find("dbt deps") != std::string::npos;
      if (!installs)
        return ctx.PropertyError("beforeCommands", "'" + line +
                                                       "' would not run: floe runs dbt in process, with no shell; "
                                                       "only package installation commands are accepted (and skipped)");
      ctx.Log(LogLevel::kInfo, "beforeCommands '" + line + "' skipped: floe needs no dbt installation");
    }
  }
  for (const char* name : {"env", "storeManifest", "loadManifest"}) {
    ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property(name));
    if (v && !v->is_null() && !(v->is_map() && v->AsMap().empty()))
      return ctx.PropertyError(
          name, std::string("is not supported by floe's in-process dbt yet") +
                    (std::string(name) == "env" ? "; set the variables on the floe process, or pass --vars"
                                                : "; use --state with a folder instead"));
  }
  return Status::Ok();
}

// A whole dbt invocation in a task: the project in the working directory,
// one or more command lines, logs line by line, artifacts to storage.
class DbtInvocation {
 public:
  explicit DbtInvocation(flow::TaskContext& ctx) : ctx_(ctx) {}

  Status Prepare() {
    RETURN_IF_ERROR(NoteRunnerProperties(ctx_));
    ASSIGN_OR_RETURN(wd_, ctx_.WorkingDirectory());
    ASSIGN_OR_RETURN(std::optional<Value> ns_files, ctx_.Property("namespaceFiles"));
    if (ns_files && !ns_files->is_null())
      RETURN_IF_ERROR(flow::CopyNamespaceFiles(ctx_, "namespaceFiles", *ns_files, wd_));
    ASSIGN_OR_RETURN(std::optional<Value> files, ctx_.Property("inputFiles"));
    if (files && !files->is_null()) RETURN_IF_ERROR(flow::WriteInputFiles(ctx_, "inputFiles", *files, wd_));
    ASSIGN_OR_RETURN(project_dir_, ProjectDir(ctx_, wd_));
    if (!std::filesystem::exists(project_dir_ / "dbt_project.yml"))
      return ctx_.PropertyError("projectDir", "no dbt_project.yml in '" + project_dir_.string() +
                                                  "'; clone the project first (git.Clone in a WorkingDirectory)");
    ASSIGN_OR_RETURN(profiles_, ctx_.OptionalString("profiles"));
    return Status::Ok();
  }

  // Runs one command line (words after `dbt`); its outcome.
  models::CommandOutcome Run(const std::vector<std::string>& args) {
    models::CommandEnvironment env{
        .working_directory = project_dir_,
        .out = [this](const std::string& line) { ctx_.Log(LogLevel::kInfo, line); },
        .err =
            [this](const std::string& line) {
              ctx_.Log(line.find("[WARNING]") != std::string::npos ? LogLevel::kWarn : LogLevel::kError, line);
            },
        .inline_profiles = profiles_,
        .cancelled = [this] { return ctx_.Cancelled(); },
        .set_interrupt = [this](std::function<void()> interrupt) { ctx_.SetInterrupt(std::move(interrupt)); },
        .lake_catalog = ctx_.Lake().catalog,
        .lake_warehouse = ctx_.Lake().warehouse,
        .want_run_results = true,
        .scratch_directory = wd_,
        .write_catalog = true,
    };
    std::string line = "dbt";
    for (const auto& a : args) line += " " + a;
    ctx_.Log(LogLevel::kInfo, "running `" + line + "` natively");
    models::CommandOutcome outcome = models::RunCommand(args, env);
    if (!outcome.run_results.is_null()) last_ = outcome;
    exit_code_ = std::max(exit_code_, outcome.exit_code);
    return outcome;
  }

  // Outputs: the exit code, and with `parse`, the run results: a summary,
  // one entry per node, and manifest.json / run_results.json / catalog.json
  // in storage.
  Result<ValueMap> Outputs(bool parse_run_results) {
    ValueMap out;
    out.Set("exitCode", Value(int64_t{exit_code_}));
    if (parse_run_results && !last_.run_results.is_null()) {
      ValueList nodes;
      ValueMap summary;
      for (const char* k : {"pass", "warn", "error", "skip", "noOp"}) summary.Set(k, Value(int64_t{0}));
      if (last_.run_results.is_list()) {
        for (const auto& r : last_.run_results.AsList()) {
          const Value* status = r.Get("status");
          std::string s = status && status->is_string() ? status->AsString() : "";
          std::string key = s == "success" || s == "pass" ? "pass"
                            : s == "warn"                 ? "warn"
                            : s == "skipped"              ? "skip"
                            : s == "no-op"                ? "noOp"
                                                          : "error";
          summary.Set(key, Value(summary.Find(key)->AsInt() + 1));
          ValueMap node;
          for (const char* k : {"unique_id", "status", "execution_time", "message", "failures"})
            if (const Value* v = r.Get(k)) node.Set(k, *v);
          nodes.push_back(Value(std::move(node)));
        }
      }
      out.Set("summary", Value(std::move(summary)));
      out.Set("results", Value(std::move(nodes)));
      for (const auto& [name, key] :
           {std::pair{"manifest.json", "manifest"}, {"run_results.json", "runResults"}, {"catalog.json", "catalog"}}) {
        std::filesystem::path file = last_.target_dir / name;
        if (!std::filesystem::exists(file)) continue;
        ASSIGN_OR_RETURN(std::string uri, ctx_.StoreFile(file, name));
        out.Set(key, Value(uri));
      }
    }
    ASSIGN_OR_RETURN(std::optional<Value> patterns, ctx_.Property("outputFiles"));
    if (patterns && !patterns->is_null()) {
      ASSIGN_OR_RETURN(Value files, flow::CollectOutputFiles(ctx_, "outputFiles", *patterns, wd_));
      out.Set("outputFiles", files);
    }
    return out;
  }

  // dbt's exit codes fail the task: 1 a node failed, 2 the project or the
  // command line is wrong (the log says which).
  Status Check(const std::string& what) const {
    if (exit_code_ == 0) return Status::Ok();
    if (exit_code_ == 1)
      return FailedPrecondition(what + " failed: a model, seed, snapshot or test failed (see the log)");
    return InvalidArgument(what + " could not run: the project or the command is invalid (see the log)");
  }

 private:
  flow::TaskContext& ctx_;
  std::filesystem::path wd_, project_dir_;
  std::optional<std::string> profiles_;
  models::CommandOutcome last_;
  int exit_code_ = 0;
};

// A list of strings, or one string (select: "tag:x +y").
Result<std::vector<std::string>> Words(flow::TaskContext& ctx, std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property(name));
  std::vector<std::string> out;
  if (!v || v->is_null()) return out;
  if (v->is_string()) {
    ASSIGN_OR_RETURN(out, models::SplitCommandLine(v->AsString()));
    return out;
  }
  if (!v->is_list()) return ctx.PropertyError(name, "must be a list of selectors or one string");
  for (const auto& item : v->AsList()) out.push_back(tmpl::ToDisplayString(item, tmpl::Dialect::kPebble));
  return out;
}

// The dbt flags common to models.Build and the per-command Kestra tasks.
Status AddSelectionFlags(flow::TaskContext& ctx, std::vector<std::string>& args) {
  for (const auto& [property, flag] : {std::pair{"select", "--select"}, {"exclude", "--exclude"}}) {
    ASSIGN_OR_RETURN(std::vector<std::string> words, Words(ctx, property));
    if (words.empty()) continue;
    args.push_back(flag);
    args.insert(args.end(), words.begin(), words.end());
  }
  ASSIGN_OR_RETURN(std::optional<std::string> selector, ctx.OptionalString("selector"));
  if (selector) args.insert(args.end(), {"--selector", *selector});
  ASSIGN_OR_RETURN(std::optional<std::string> target, ctx.OptionalString("target"));
  if (target) args.insert(args.end(), {"--target", *target});
  ASSIGN_OR_RETURN(bool full_refresh, ctx.BoolOr("fullRefresh", false));
  if (full_refresh) args.push_back("--full-refresh");
  ASSIGN_OR_RETURN(bool fail_fast, ctx.BoolOr("failFast", false));
  if (fail_fast) args.push_back("--fail-fast");
  for (const char* name : {"threads", "thread"}) {
    ASSIGN_OR_RETURN(std::optional<Value> threads, ctx.Property(name));
    if (!threads || threads->is_null()) continue;
    if (!threads->is_int() || threads->AsInt() < 1) return ctx.PropertyError(name, "must be a positive number");
    args.insert(args.end(), {"--threads", std::to_string(threads->AsInt())});
  }
  ASSIGN_OR_RETURN(bool warn_error, ctx.BoolOr("warnError", false));
  if (warn_error) return ctx.PropertyError("warnError", "is not supported by floe's in-process dbt yet");
  ASSIGN_OR_RETURN(std::optional<Value> vars, ctx.Property("vars"));
  if (vars && !vars->is_null()) {
    if (!vars->is_map()) return ctx.PropertyError("vars", "must be a map of dbt vars");
    args.insert(args.end(), {"--vars", tmpl::ToJson(*vars)});
  }
  return Status::Ok();
}

// models.Build, and Kestra's dbt.cli.Build/Run/Test/Seed/Snapshot/Compile/
// Deps/List: one dbt command built from properties.
class DbtCommandTask final : public flow::Task {
 public:
  explicit DbtCommandTask(std::string command) : command_(std::move(command)) {}

  Result<Value> Run(flow::TaskContext& ctx) override {
    DbtInvocation dbt(ctx);
    RETURN_IF_ERROR(dbt.Prepare());
    std::string command = command_;
    if (command.empty()) {
      ASSIGN_OR_RETURN(command, ctx.StringOr("command", "build"));
    }
    std::vector<std::string> args{command};
    if (command != "deps" && command != "debug") RETURN_IF_ERROR(AddSelectionFlags(ctx, args));
    dbt.Run(args);
    ASSIGN_OR_RETURN(bool parse, ctx.BoolOr("parseRunResults", true));
    ASSIGN_OR_RETURN(ValueMap outputs, dbt.Outputs(parse));
    RETURN_IF_ERROR(dbt.Check("dbt " + command));
    return Value(std::move(outputs));
  }

 private:
  std::string command_;  // empty: the `command` property (models.Build)
};

// io.kestra.plugin.dbt.cli.DbtCLI: `commands` are dbt command lines.
class DbtCliTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    DbtInvocation dbt(ctx);
    RETURN_IF_ERROR(dbt.Prepare());
    ASSIGN_OR_RETURN(std::optional<Value> commands, ctx.Property("commands"));
    if (!commands || !commands->is_list() || commands->AsList().empty())
      return ctx.PropertyError("commands", "must be a list of dbt command lines, like `dbt build`");
    int n = 0;
    for (const auto& c : commands->AsList()) {
      ++n;
      std::string line = tmpl::ToDisplayString(c, tmpl::Dialect::kPebble);
      auto words = models::SplitCommandLine(line);
      if (!words.ok())
        return ctx.PropertyError("commands", "command " + std::to_string(n) + ": " + words.status().message());
      if (words->empty() || (*words)[0] != "dbt")
        return ctx.PropertyError("commands", "command " + std::to_string(n) + " '" + line +
                                                 "' is not a dbt command line; floe runs `dbt ...` commands natively "
                                                 "and has no shell here (use scripts.Shell for other commands)");
      words->erase(words->begin());
      models::CommandOutcome outcome = dbt.Run(*words);
      if (outcome.exit_code != 0) break;  // as a shell with `set -e`
    }
    ASSIGN_OR_RETURN(bool parse, ctx.BoolOr("parseRunResults", true));
    ASSIGN_OR_RETURN(ValueMap outputs, dbt.Outputs(parse));
    RETURN_IF_ERROR(dbt.Check("dbt"));
    return Value(std::move(outputs));
  }
};

std::vector<flow::PropertySpec> CommonProperties() {
  return {
      {.name = "projectDir",
       .type = PropertyType::kString,
       .description = "The dbt project's folder, relative to the working directory (default: the working directory)."},
      {.name = "profiles",
       .type = PropertyType::kString,
       .description = "profiles.yml content; used instead of any profiles.yml file. `type: duckdb` targets."},
      {.name = "parseRunResults",
       .type = PropertyType::kBool,
       .description = "Put the run results (summary, per-node results, manifest, run_results and catalog URIs) in the "
                      "outputs; true by default."},
      {.name = "inputFiles", .type = PropertyType::kAny, .description = "Files to write into the working directory."},
      {.name = "namespaceFiles", .type = PropertyType::kAny, .description = "Copy the namespace's files in."},
      {.name = "outputFiles", .type = PropertyType::kList, .description = "Globs of files to keep in storage."},
      {.name = "containerImage", .type = PropertyType::kString, .description = "Not used: floe runs dbt in process."},
      {.name = "taskRunner", .type = PropertyType::kMap, .description = "Not used: floe runs dbt in process."},
      {.name = "runner", .type = PropertyType::kString, .description = "Not used: floe runs dbt in process."},
      {.name = "docker", .type = PropertyType::kMap, .description = "Not used: floe runs dbt in process."},
      {.name = "dbtPath", .type = PropertyType::kString, .description = "Not used: floe runs dbt in process."},
      {.name = "beforeCommands",
       .type = PropertyType::kList,
       .description = "Only installation commands (pip, uv, a venv), which floe skips; anything else is an error."},
      {.name = "warningOnStdErr", .type = PropertyType::kBool, .description = "Accepted; dbt's warnings are logged."},
      {.name = "env", .type = PropertyType::kMap, .description = "Not supported yet: an error when set."},
      {.name = "storeManifest", .type = PropertyType::kMap, .description = "Not supported yet: an error when set."},
      {.name = "loadManifest", .type = PropertyType::kMap, .description = "Not supported yet: an error when set."},
  };
}

std::vector<flow::PropertySpec> SelectionProperties() {
  return {
      {.name = "select", .type = PropertyType::kAny, .description = "dbt selectors (--select): a list or a string."},
      {.name = "exclude", .type = PropertyType::kAny, .description = "dbt selectors to exclude (--exclude)."},
      {.name = "selector", .type = PropertyType::kString, .description = "A selector of selectors.yml (--selector)."},
      {.name = "target", .type = PropertyType::kString, .description = "The profile's target (--target)."},
      {.name = "threads",
       .type = PropertyType::kInt,
       .description = "Models built at once (--threads).",
       .aliases = {"thread"}},
      {.name = "fullRefresh",
       .type = PropertyType::kBool,
       .description = "Rebuild incremental models (--full-refresh)."},
      {.name = "failFast", .type = PropertyType::kBool, .description = "Stop at the first failure (--fail-fast)."},
      {.name = "vars", .type = PropertyType::kMap, .description = "dbt vars (--vars)."},
      {.name = "debug", .type = PropertyType::kBool, .description = "Accepted; floe's output is the same."},
      {.name = "warnError", .type = PropertyType::kBool, .description = "Not supported yet: an error when true."},
  };
}

std::vector<flow::PropertySpec> Concat(std::vector<flow::PropertySpec> a, const std::vector<flow::PropertySpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

void RegisterModelsTasks(flow::TaskRegistry& registry) {
  auto build_properties = Concat(CommonProperties(), SelectionProperties());
  build_properties.push_back({.name = "command",
                              .type = PropertyType::kEnum,
                              .description = "The dbt command; build by default.",
                              .enum_values = {"build", "run", "test", "seed", "snapshot", "compile"}});
  registry.Register({
      .name = "models.Build",
      .description = "Builds a dbt project (models, seeds, snapshots, tests) natively on DuckDB, in process.",
      .properties = build_properties,
      .factory = [] { return std::make_unique<DbtCommandTask>(""); },
  });
  registry.Register({
      .name = "dbt.DbtCLI",
      .aliases = {"io.kestra.plugin.dbt.cli.DbtCLI"},
      .description = "Kestra's DbtCLI: `dbt ...` command lines run natively, in process.",
      .properties = Concat(CommonProperties(), {{.name = "commands",
                                                 .type = PropertyType::kList,
                                                 .required = true,
                                                 .description = "dbt command lines: `dbt deps`, `dbt build -s x+`."}}),
      .factory = [] { return std::make_unique<DbtCliTask>(); },
  });
  for (const auto& [kestra, command] : {std::pair{"Build", "build"},
                                        {"Run", "run"},
                                        {"Test", "test"},
                                        {"Seed", "seed"},
                                        {"Snapshot", "snapshot"},
                                        {"Compile", "compile"},
                                        {"Deps", "deps"},
                                        {"List", "ls"}}) {
    std::string cmd = command;
    registry.Register({
        .name = std::string("dbt.") + kestra,
        .aliases = {std::string("io.kestra.plugin.dbt.cli.") + kestra},
        .description = std::string("Kestra's dbt.cli.") + kestra + ": `dbt " + command + "`, natively, in process.",
        .properties = Concat(CommonProperties(), SelectionProperties()),
        .factory = [cmd] { return std::make_unique<DbtCommandTask>(cmd); },
    });
  }
}

}  // namespace floe::tasks
