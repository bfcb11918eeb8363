#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/home.h"
#include "cli/render.h"
#include "exec/executor.h"
#include "flow/schema.h"
#include "tmpl/json.h"

#ifndef FLOE_VERSION
#define FLOE_VERSION "0.0.0"
#endif

namespace floe::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Report(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return kExitUsage;
}

Result<std::unique_ptr<state::Store>> OpenStore(const Home& home) { return state::OpenSqliteStore(home.database()); }

// Prints task run states and log lines as they happen.
class ConsoleObserver final : public exec::ExecutionObserver {
 public:
  void OnExecutionCreated(const state::Execution& e) override {
    std::printf("execution %s  %s.%s\n", e.id.c_str(), e.namespace_.c_str(), e.flow_id.c_str());
    std::fflush(stdout);
  }
  void OnLog(const state::LogEntry& entry) override {
    std::printf("%s\n", FormatLogLine(entry).c_str());
    std::fflush(stdout);
  }
  void OnTaskRunState(const state::TaskRun& run) override {
    if (run.state == state::State::kCreated) return;
    state::LogEntry line{.task_id = run.task_id,
                         .at = run.history.back().at,
                         .level = LogLevel::kInfo,
                         .message = std::string(state::StateName(run.state))};
    std::printf("%s\n", FormatLogLine(line).c_str());
    std::fflush(stdout);
  }
};

struct RunOptions {
  std::string file;
  std::vector<std::string> inputs;
  bool json = false;
};

int RunCommand(const Home& home, const RunOptions& opts) {
  auto flow = flow::LoadFlowFile(opts.file, BuiltinRegistry());
  if (!flow.ok()) return Report(flow.status());
  std::map<std::string, tmpl::Value> inputs;
  for (const auto& kv : opts.inputs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Report(InvalidArgument("--input '" + kv + "' must be NAME=VALUE"));
    }
    inputs[kv.substr(0, eq)] = tmpl::Value(kv.substr(eq + 1));
  }

  auto store = OpenStore(home);
  if (!store.ok()) return Report(store.status());
  storage::InternalStorage storage(home.storage());
  std::error_code ec;
  std::filesystem::create_directories(home.lake(), ec);
  if (ec) return Report(IoError("cannot create the lake folder '" + home.lake().string() + "': " + ec.message()));
  exec::Executor executor(**store, BuiltinRegistry(), storage, home.executor_settings());
  ConsoleObserver console;
  if (!opts.json) executor.set_observer(&console);
  auto id = executor.Run(*flow, inputs);
  if (!id.ok()) return Report(id.status());
  auto execution = (*store)->GetExecution(*id);
  if (!execution.ok()) return Report(execution.status());
  if (opts.json) {
    std::printf("%s\n", tmpl::ToJson(ExecutionToValue(*execution), 2).c_str());
  } else {
    std::printf("\n%s", DescribeExecution(*execution).c_str());
  }
  return execution->state == state::State::kSuccess ? kExitOk : kExitFailed;
}

int ValidateCommand(const std::vector<std::string>& files) {
  size_t errors = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read the file\n", file.c_str());
      ++errors;
      continue;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    flow::FlowParse parse = flow::ParseFlow(buffer.str(), file, BuiltinRegistry());
    for (const auto& e : parse.errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    errors += parse.errors.size();
    if (parse.errors.empty())
      std::printf("%s: ok (%s.%s, %zu tasks)\n", file.c_str(), parse.flow->namespace_.c_str(), parse.flow->id.c_str(),
                  parse.flow->tasks.size());
  }
  if (errors) std::fprintf(stderr, "%zu error%s\n", errors, errors == 1 ? "" : "s");
  return errors ? kExitUsage : kExitOk;
}

int ExecutionsList(const Home& home, const state::ExecutionFilter& filter, bool json) {
  auto store = OpenStore(home);
  if (!store.ok()) return Report(store.status());
  auto list = (*store)->ListExecutions(filter);
  if (!list.ok()) return Report(list.status());
  if (json) {
    tmpl::ValueList out;
    for (const auto& e : *list) out.push_back(ExecutionToValue(e));
    std::printf("%s\n", tmpl::ToJson(tmpl::Value(std::move(out)), 2).c_str());
  } else {
    std::printf("%s", ExecutionTable(*list).c_str());
  }
  return kExitOk;
}

int ExecutionsShow(const Home& home, const std::string& id_prefix, bool json) {
  auto store = OpenStore(home);
  if (!store.ok()) return Report(store.status());
  auto id = (*store)->ResolveExecutionId(id_prefix);
  if (!id.ok()) return Report(id.status());
  auto e = (*store)->GetExecution(*id);
  if (!e.ok()) return Report(e.status());
  if (json) {
    std::printf("%s\n", tmpl::ToJson(ExecutionToValue(*e), 2).c_str());
  } else {
    std::printf("%s", DescribeExecution(*e).c_str());
  }
  return kExitOk;
}

int RecoverCommand(const Home& home) {
  auto store = OpenStore(home);
  if (!store.ok()) return Report(store.status());
  storage::InternalStorage storage(home.storage());
  exec::Executor executor(**store, BuiltinRegistry(), storage, home.executor_settings());
  ConsoleObserver console;
  executor.set_observer(&console);
  auto recovered = executor.RecoverAll();
  if (!recovered.ok()) return Report(recovered.status());
  if (recovered->empty()) {
    std::printf("nothing to recover\n");
    return kExitOk;
  }
  bool all_succeeded = true;
  for (const auto& id : *recovered) {
    auto e = (*store)->GetExecution(id);
    if (!e.ok()) return Report(e.status());
    std::printf("\n%s", DescribeExecution(*e).c_str());
    all_succeeded = all_succeeded && e->state == state::State::kSuccess;
  }
  return all_succeeded ? kExitOk : kExitFailed;
}

volatile std::sig_atomic_t g_interrupted = 0;

int LogsCommand(const Home& home, const std::string& id_prefix, bool follow) {
  auto store = OpenStore(home);
  if (!store.ok()) return Report(store.status());
  auto id = (*store)->ResolveExecutionId(id_prefix);
  if (!id.ok()) return Report(id.status());
  int64_t after = 0;
  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  while (true) {
    // Read the state before the logs: a line written before the execution
    // ended is then never missed.
    auto e = (*store)->GetExecution(*id);
    if (!e.ok()) return Report(e.status());
    while (true) {
      auto logs = (*store)->GetLogs(*id, after);
      if (!logs.ok()) return Report(logs.status());
      for (const auto& line : *logs) {
        std::printf("%s\n", FormatLogLine(line).c_str());
        after = line.seq;
      }
      if (logs->empty()) break;
    }
    std::fflush(stdout);
    if (!follow || state::IsTerminal(e->state) || g_interrupted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"floe: a control plane for a DuckDB lakehouse"};
  app.require_subcommand(1);
  std::string home_flag;
  app.add_option("--home", home_flag, "floe's home folder (default: $FLOE_HOME or ./.floe)");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run a flow and wait for it to finish");
  run_cmd->add_option("file", run.file, "The flow's YAML file")->required();
  run_cmd->add_option("--input,-i", run.inputs, "An input as NAME=VALUE (repeatable)");
  run_cmd->add_flag("--json", run.json, "Print the finished execution as JSON");

  std::vector<std::string> validate_files;
  auto* validate_cmd = app.add_subcommand("validate", "Check flow files and report every error");
  validate_cmd->add_option("files", validate_files, "Flow YAML files")->required();

  auto* executions_cmd = app.add_subcommand("executions", "List and inspect executions");
  executions_cmd->require_subcommand(1);
  state::ExecutionFilter filter;
  std::string state_name;
  bool list_json = false;
  auto* list_cmd = executions_cmd->add_subcommand("list", "Newest executions first");
  list_cmd->add_option("--namespace", filter.namespace_, "Only this namespace");
  list_cmd->add_option("--flow", filter.flow_id, "Only this flow id");
  list_cmd->add_option("--state", state_name, "Only executions in this state (SUCCESS, FAILED, RUNNING, ...)");
  list_cmd->add_option("--limit", filter.limit, "At most this many (default 50)");
  list_cmd->add_flag("--json", list_json, "Print JSON");
  std::string show_id;
  bool show_json = false;
  auto* show_cmd = executions_cmd->add_subcommand("show", "One execution with its task runs");
  show_cmd->add_option("id", show_id, "Execution id (a unique prefix is enough)")->required();
  show_cmd->add_flag("--json", show_json, "Print JSON");

  auto* recover_cmd = executions_cmd->add_subcommand(
      "recover", "Continue every execution a stopped floe left unfinished (finished tasks are not run again)");

  std::string logs_id;
  bool follow = false;
  auto* logs_cmd = app.add_subcommand("logs", "Print an execution's log lines");
  logs_cmd->add_option("id", logs_id, "Execution id (a unique prefix is enough)")->required();
  logs_cmd->add_flag("--follow,-f", follow, "Keep printing until the execution ends");

  auto* version_cmd = app.add_subcommand("version", "Print floe's version");
  auto* schema_cmd =
      app.add_subcommand("schema", "Print a JSON Schema of the flow language (for editors' YAML language servers)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (version_cmd->parsed()) {
    std::printf("floe %s\n", FLOE_VERSION);
    return kExitOk;
  }
  if (validate_cmd->parsed()) return ValidateCommand(validate_files);
  if (schema_cmd->parsed()) {
    std::printf("%s\n", tmpl::ToJson(flow::FlowJsonSchema(BuiltinRegistry()), 2).c_str());
    return kExitOk;
  }
  Home home = ResolveHome(home_flag);
  if (run_cmd->parsed()) return RunCommand(home, run);
  if (list_cmd->parsed()) {
    if (!state_name.empty()) {
      filter.state = state::ParseState(state_name);
      if (!filter.state) return Report(InvalidArgument("unknown state '" + state_name + "'"));
    }
    return ExecutionsList(home, filter, list_json);
  }
  if (show_cmd->parsed()) return ExecutionsShow(home, show_id, show_json);
  if (recover_cmd->parsed()) return RecoverCommand(home);
  if (logs_cmd->parsed()) return LogsCommand(home, logs_id, follow);
  return kExitUsage;
}

}  // namespace floe::cli
