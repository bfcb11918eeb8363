#include "cli/cli.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/command_support.h"
#include "cli/deploy_command.h"
#include "cli/iceberg_commands.h"
#include "cli/models_command.h"
#include "cli/remote_commands.h"
#include "cli/render.h"
#include "cli/server_commands.h"
#include "core/id.h"
#include "core/log.h"
#include "exec/executor.h"
#include "flow/repository.h"
#include "flow/schema.h"
#include "runtime/runtime.h"
#include "tmpl/json.h"

#ifndef FLOE_VERSION
#define FLOE_VERSION "0.0.0"
#endif

namespace floe::cli {
namespace {

using runtime::BuiltinRegistry;
using runtime::Home;
using runtime::OpenStore;
using runtime::ResolveHome;

// Prints task run states and log lines as they happen.
void PrintEvent(const exec::ExecutionEvent& event) {
  using Kind = exec::ExecutionEvent::Kind;
  switch (event.kind) {
    case Kind::kExecutionCreated:
      std::printf("execution %s  %s.%s\n", event.execution.id.c_str(), event.execution.namespace_.c_str(),
                  event.execution.flow_id.c_str());
      break;
    case Kind::kLog:
      std::printf("%s\n", FormatLogLine(event.log).c_str());
      break;
    case Kind::kTaskRunState: {
      const state::TaskRun& run = event.task_run;
      if (run.state == state::State::kCreated) return;
      state::LogEntry line{.task_id = run.task_id,
                           .at = run.history.back().at,
                           .level = LogLevel::kInfo,
                           .message = std::string(state::StateName(run.state))};
      std::printf("%s\n", FormatLogLine(line).c_str());
      break;
    }
    case Kind::kExecutionState:
      return;
  }
  std::fflush(stdout);
}

struct RunOptions {
  std::string file;
  std::vector<std::string> inputs;
  bool json = false;
  bool detach = false;
};

// Prints the execution as it ended; the exit code says whether it succeeded.
int Finish(state::Store& store, const std::string& id, bool json) {
  auto execution = store.GetExecution(id);
  if (!execution.ok()) return Report(execution.status());
  if (json) {
    std::printf("%s\n", tmpl::ToJson(ExecutionToValue(*execution), 2).c_str());
  } else {
    std::printf("\n%s", DescribeExecution(*execution).c_str());
  }
  return execution->state == state::State::kSuccess ? kExitOk : kExitFailed;
}

// The home's runtime, printing live unless quiet.
struct Session {
  std::unique_ptr<runtime::Runtime> rt;
  exec::EventBus::Subscription console;
  state::Store& store() { return rt->store(); }
  exec::Executor& executor() { return rt->executor(); }
};

Result<std::unique_ptr<Session>> OpenSession(const Home& home, bool live,
                                             std::vector<std::filesystem::path> extra_flow_dirs = {}) {
  auto session = std::make_unique<Session>();
  ASSIGN_OR_RETURN(session->rt, runtime::Runtime::Open(home, {.extra_flow_dirs = std::move(extra_flow_dirs)}));
  if (live) session->console = session->rt->events().Subscribe(PrintEvent);
  return session;
}

// --detach: the execution runs in a child process of its own session; this
// one prints the id once the execution is recorded.
int RunDetached(const Home& home, const flow::Flow& flow, const std::map<std::string, tmpl::Value>& inputs,
                std::vector<std::filesystem::path> flow_dirs) {
  std::string id = NewId();
  {
    // Create the store before forking, so parent and child never both
    // initialize a fresh one (and no SQLite connection crosses the fork).
    auto store = OpenStore(home);
    if (!store.ok()) return Report(store.status());
  }
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Report(IoError(std::string("fork: ") + std::strerror(errno)));
  if (pid == 0) {
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    auto session = OpenSession(home, false, std::move(flow_dirs));
    if (session.ok()) (*session)->executor().Run(flow, inputs, id).IgnoreError();
    std::_Exit(0);
  }
  auto store = OpenStore(home);
  if (!store.ok()) return Report(store.status());
  for (int i = 0; i < 200; ++i) {
    if ((*store)->GetExecutionState(id).ok()) {
      std::printf("%s\n", id.c_str());
      return kExitOk;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Report(Internal("the detached execution did not start; run without --detach to see why"));
}

// While `floe run` runs an execution in the foreground, SIGINT and SIGTERM
// go to a thread of their own: the first asks the executor to kill the
// execution (its tasks are cancelled, their process groups stopped, and it
// ends KILLED, as `floe executions kill` does); a second one exits at once
// (the tasks' keepers stop their processes as floe dies; the execution
// stays KILLING until `floe executions kill` ends it). Construct it before
// the process starts other threads, which inherit the blocked signals; they
// stay blocked until floe exits (it only prints the result after).
class InterruptHandler {
 public:
  InterruptHandler() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }
  ~InterruptHandler() { Stop(); }

  // Watches for signals to kill execution `id` of `executor`.
  void Start(exec::Executor& executor, std::string id) {
    thread_ = std::thread([this, &executor, id = std::move(id)] { Watch(executor, id); });
  }
  // Stops watching; returns the first signal received (0: none).
  int Stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
    return first_;
  }

 private:
  static const char* Name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

  void Watch(exec::Executor& executor, const std::string& id) {
    bool kill_pending = false;
    while (!done_) {
      timespec tick{.tv_sec = 0, .tv_nsec = 100'000'000};
      int sig = sigtimedwait(&signals_, nullptr, &tick);
      if (sig > 0 && first_ == 0) {
        first_ = sig;
        kill_pending = true;
        std::fprintf(stderr,
                     "\nfloe: %s: killing execution %s (its tasks are cancelled and their processes stopped); "
                     "send it again to exit at once\n",
                     Name(sig), id.c_str());
      } else if (sig > 0) {
        std::fprintf(stderr,
                     "\nfloe: second %s: exiting now; execution %s stays KILLING until 'floe executions kill %s' "
                     "ends it\n",
                     Name(sig), id.c_str(), id.c_str());
        std::_Exit(128 + sig);
      }
      if (kill_pending) {
        // NotFound: the execution is not recorded yet; asked again next tick.
        Status s = executor.Kill(id);
        if (s.code() != StatusCode::kNotFound) kill_pending = false;
      }
    }
  }

  sigset_t signals_;
  std::atomic<int> first_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int RunCommand(const Home& home, const RunOptions& opts) {
  auto flow = flow::LoadFlowFile(opts.file, BuiltinRegistry());
  if (!flow.ok()) return Report(flow.status());
  auto inputs = ParseInputFlags(opts.inputs);
  if (!inputs.ok()) return Report(inputs.status());
  // Subflows are looked for beside the flow file too.
  std::vector<std::filesystem::path> flow_dirs = {std::filesystem::absolute(opts.file).parent_path()};
  if (opts.detach) {
    auto checked = flow::ResolveInputs(*flow, *inputs);  // report bad inputs here, not in the background
    if (!checked.ok()) return Report(checked.status());
    return RunDetached(home, *flow, *inputs, flow_dirs);
  }
  InterruptHandler interrupts;
  auto session = OpenSession(home, !opts.json, flow_dirs);
  if (!session.ok()) return Report(session.status());
  std::string execution_id = NewId();
  interrupts.Start((*session)->executor(), execution_id);
  auto id = (*session)->executor().Run(*flow, *inputs, execution_id);
  int interrupted = interrupts.Stop();
  if (!id.ok()) return Report(id.status());
  int exit = Finish((*session)->store(), *id, opts.json);
  if (!interrupted) return exit;
  auto state = (*session)->store().GetExecutionState(*id);
  std::string ended = state.ok() ? std::string(state::StateName(*state)) : "?";
  std::fprintf(stderr, "floe: execution %s %s: stopped by %s\n", id->c_str(), ended.c_str(),
               interrupted == SIGINT ? "SIGINT" : "SIGTERM");
  return 128 + interrupted;
}

int ValidateCommand(const Home& home, const std::vector<std::string>& files) {
  size_t errors = 0;
  for (const auto& file : files) {
    Result<std::string> text = flow::ReadFlowFile(file);
    if (!text.ok()) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), text.status().ToString().c_str());
      ++errors;
      continue;
    }
    flow::FlowParse parse = flow::ParseFlow(*text, file, BuiltinRegistry());
    if (parse.errors.empty()) {
      // Kestra refuses a flow that calls itself through Subflow: looked for
      // in the flows folder and beside the file, as `floe run` finds subflows.
      auto repo =
          flow::FlowRepository::Scan({home.flows, std::filesystem::absolute(file).parent_path()}, BuiltinRegistry());
      for (auto& e : flow::FindSubflowCycles(*parse.flow, repo)) parse.errors.push_back(std::move(e));
    }
    for (const auto& e : parse.errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    errors += parse.errors.size();
    if (parse.errors.empty())
      std::printf("%s: ok (%s.%s, %zu tasks%s)\n", file.c_str(), parse.flow->namespace_.c_str(), parse.flow->id.c_str(),
                  parse.flow->tasks.size(), parse.flow->disabled ? ", disabled" : "");
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
  auto session = OpenSession(home, true);
  if (!session.ok()) return Report(session.status());
  auto recovered = (*session)->executor().RecoverAll();
  if (!recovered.ok()) return Report(recovered.status());
  if (recovered->empty()) {
    std::printf("nothing to recover\n");
    return kExitOk;
  }
  int exit = kExitOk;
  for (const auto& id : *recovered) exit = std::max(exit, Finish((*session)->store(), id, false));
  return exit;
}

// kill, pause, resume, restart, replay: one execution, by id prefix.
struct ControlOptions {
  std::string id;
  std::vector<std::string> inputs;  // resume
  std::string task;                 // replay
  bool latest = false;              // replay: current Iceberg data
};

int ControlCommand(const Home& home, std::string_view action, const ControlOptions& opts) {
  auto session = OpenSession(home, action != "kill" && action != "pause");
  if (!session.ok()) return Report(session.status());
  state::Store& store = (*session)->store();
  exec::Executor& executor = (*session)->executor();
  auto id = store.ResolveExecutionId(opts.id);
  if (!id.ok()) return Report(id.status());
  if (action == "kill") {
    Status s = executor.Kill(*id);
    if (!s.ok()) return Report(s);
    // Wait (briefly) for the process running it to stop it.
    for (int i = 0; i < 150; ++i) {
      auto state = store.GetExecutionState(*id);
      if (state.ok() && state::IsTerminal(*state)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto state = store.GetExecutionState(*id);
    if (!state.ok()) return Report(state.status());
    std::printf("execution %s: %s\n", id->c_str(), std::string(state::StateName(*state)).c_str());
    return kExitOk;
  }
  if (action == "pause") {
    if (Status s = executor.Pause(*id); !s.ok()) return Report(s);
    std::printf(
        "execution %s: PAUSED; no task starts, those running finish; 'floe executions resume %s' continues it\n",
        id->c_str(), id->c_str());
    return kExitOk;
  }
  if (action == "resume") {
    auto inputs = ParseInputFlags(opts.inputs);
    if (!inputs.ok()) return Report(inputs.status());
    Status s = executor.ResumePaused(*id, *inputs);
    if (!s.ok()) return Report(s);
    return Finish(store, *id, false);
  }
  if (action == "restart") {
    Status s = executor.Restart(*id);
    if (!s.ok()) return Report(s);
    return Finish(store, *id, false);
  }
  auto replayed = executor.Replay(*id, opts.task, opts.latest);
  if (!replayed.ok()) return Report(replayed.status());
  return Finish(store, *replayed, false);
}

int FlowsCommand(const Home& home) {
  flow::FlowRepository repo = flow::FlowRepository::Scan({home.flows}, BuiltinRegistry());
  if (repo.entries().empty()) {
    std::printf("no flows in %s\n", home.flows.string().c_str());
    return kExitOk;
  }
  size_t errors = 0;
  for (const auto& e : repo.entries()) {
    std::string name = e.namespace_.empty() ? "?" : e.namespace_ + "." + e.id;
    std::printf("%-40s %s%s\n", name.c_str(), std::filesystem::relative(e.path, home.flows).string().c_str(),
                e.errors.empty() ? "" : "  (does not load)");
    for (const auto& err : e.errors) std::printf("    %s\n", err.ToString().c_str());
    errors += e.errors.size();
  }
  return errors ? kExitUsage : kExitOk;
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
    if (e->state != state::State::kPaused && !exec::ExecutionHasLiveProcess(home.locks(), *id)) {
      // The lock goes after the final state is stored: read the state again
      // before taking a free lock to mean the process died.
      auto again = (*store)->GetExecution(*id);
      if (again.ok() && !state::IsTerminal(again->state)) {
        std::fflush(stdout);
        return Report(FailedPrecondition("execution " + *id + " is " + std::string(state::StateName(again->state)) +
                                         " but no floe process is running it (the process died)")
                          .WithHint("`floe executions recover` finishes it"));
      }
      continue;  // it ended just now: print its last lines
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return kExitOk;
}

}  // namespace

struct TriggerOptions {
  std::string file;
  std::string trigger;  // empty: every enabled trigger
  bool watch = false;
};

// Polls a flow's triggers once, or (--watch) each at its interval until
// interrupted; every trigger that fires runs an execution here.
int TriggersCommand(const Home& home, const TriggerOptions& opts) {
  auto flow = flow::LoadFlowFile(opts.file, BuiltinRegistry());
  if (!flow.ok()) return Report(flow.status());
  std::vector<const flow::TriggerSpec*> triggers;
  std::string ids;
  std::string server_only;  // triggers only `floe server` runs, skipped here
  for (const auto& t : flow->triggers) {
    ids += (ids.empty() ? "" : ", ") + t.spec.id;
    if (opts.trigger.empty() ? t.spec.disabled : t.spec.id != opts.trigger) continue;
    if (t.kind != flow::TriggerKind::kPolling) {
      std::string kind(flow::TriggerKindName(t.kind));
      if (!opts.trigger.empty())
        return Report(FailedPrecondition("trigger '" + t.spec.id + "' is a " + kind + " trigger, not a polling one")
                          .WithHint(kind + " triggers run in `floe server`"));
      server_only += (server_only.empty() ? "" : ", ") + t.spec.id + " (" + kind + ")";
      continue;
    }
    triggers.push_back(&t);
  }
  if (triggers.empty()) {
    if (!opts.trigger.empty())
      return Report(NotFound("flow " + flow->namespace_ + "." + flow->id + " has no trigger '" + opts.trigger + "'" +
                             (ids.empty() ? "" : " (it has: " + ids + ")")));
    if (!server_only.empty())
      return Report(FailedPrecondition("flow " + flow->namespace_ + "." + flow->id +
                                       " has no enabled polling trigger; its triggers " + server_only +
                                       " run in `floe server`"));
    return Report(NotFound("flow " + flow->namespace_ + "." + flow->id + " has no enabled trigger"));
  }
  if (!server_only.empty()) std::fprintf(stderr, "not polled (they run in `floe server`): %s\n", server_only.c_str());
  auto session = OpenSession(home, true, {std::filesystem::absolute(opts.file).parent_path()});
  if (!session.ok()) return Report(session.status());
  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  std::signal(SIGTERM, [](int) { g_interrupted = 1; });
  Logger().set_min_level(LogLevel::kInfo);  // a trigger's own log lines (no execution holds them yet)
  int exit_code = kExitOk;
  std::map<std::string, std::chrono::steady_clock::time_point> due;
  while (!g_interrupted) {
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::hours(24);
    for (const flow::TriggerSpec* t : triggers) {
      if (due.count(t->spec.id) && due[t->spec.id] > now) {
        next = std::min(next, due[t->spec.id]);
        continue;
      }
      auto started = (*session)->executor().PollTrigger(*flow, t->spec.id);
      if (!started.ok()) {
        std::fprintf(stderr, "trigger %s: %s\n", t->spec.id.c_str(), started.status().ToString().c_str());
        exit_code = kExitFailed;
      } else if (!*started) {
        std::printf("trigger %s: nothing new\n", t->spec.id.c_str());
      } else {
        std::printf("trigger %s: started execution %s\n", t->spec.id.c_str(), started->value().c_str());
        if (Finish((*session)->store(), **started, false) != kExitOk) exit_code = kExitFailed;
      }
      std::fflush(stdout);
      due[t->spec.id] = std::chrono::steady_clock::now() + t->interval;
      next = std::min(next, due[t->spec.id]);
    }
    if (!opts.watch) break;
    while (!g_interrupted && std::chrono::steady_clock::now() < next)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return exit_code;
}

namespace {

// "64MiB", "512k", "1048576": a size in bytes with an optional binary suffix.
Result<size_t> ParseByteSize(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string suffix(text.substr(digits));
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int shift = suffix.empty() || suffix == "b"    ? 0
              : suffix == "k" || suffix == "kib" ? 10
              : suffix == "m" || suffix == "mib" ? 20
              : suffix == "g" || suffix == "gib" ? 30
                                                 : -1;
  unsigned long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
  if (digits == 0 || shift < 0 || ec != std::errc() || n == 0 || n > (SIZE_MAX >> shift))
    return InvalidArgument("'" + std::string(text) + "' is not a size such as 1048576, 512KiB or 64MiB");
  return static_cast<size_t>(n) << shift;
}

// $FLOE_MAX_VALUE_BYTES: the largest text a flow template may render or
// compute (64 MiB unless set).
Status ApplyTemplateLimits() {
  const char* env = std::getenv("FLOE_MAX_VALUE_BYTES");
  if (env == nullptr || *env == '\0') return Status::Ok();
  Result<size_t> bytes = ParseByteSize(env);
  if (!bytes.ok()) return Status(bytes.status()).WithContext("$FLOE_MAX_VALUE_BYTES");
  tmpl::Limits limits = flow::FlowTemplateEnvironment().limits;
  limits.max_output_bytes = *bytes;
  flow::SetFlowTemplateLimits(limits);
  return Status::Ok();
}

int RunMain(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "models") return ModelsMain(argc - 1, argv + 1);
  CLI::App app{"floe: a control plane for a DuckDB lakehouse"};
  app.require_subcommand(1);
  // Global options are accepted after the subcommand too (`floe run f.yml
  // --home DIR`), as users type them; subcommands inherit this.
  app.fallthrough();
  std::string home_flag;
  app.add_option("--home", home_flag, "floe's home folder (default: $FLOE_HOME or ./.floe)");
  std::string flows_flag;
  app.add_option("--flows", flows_flag, "The flows folder (default: $FLOE_FLOWS or ./flows)");
  std::string server_flag;
  app.add_option("--server", server_flag,
                 "Act on a running floe server (http://host:port; default: $FLOE_SERVER; token: $FLOE_TOKEN) "
                 "instead of the local home: run, executions, logs, flows, triggers");
  std::string storage_flag;
  app.add_option("--storage", storage_flag,
                 "Where execution files go: a folder or s3://bucket/prefix (default: $FLOE_STORAGE or <home>/storage)");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run a flow and wait for it to finish");
  run_cmd->add_option("file", run.file, "The flow's YAML file")->required();
  run_cmd->add_option("--input,-i", run.inputs, "An input as NAME=VALUE (repeatable)");
  run_cmd->add_flag("--json", run.json, "Print the finished execution as JSON");
  run_cmd->add_flag("--detach", run.detach, "Start it in the background and print its id");
  bool wait_flag = false;
  run_cmd->add_flag("--wait", wait_flag, "Wait for it to end (the default)");

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
  ControlOptions control;
  auto* kill_cmd =
      executions_cmd->add_subcommand("kill", "Stop an execution (running shells get SIGTERM, then SIGKILL)");
  kill_cmd->add_option("id", control.id, "Execution id (a unique prefix is enough)")->required();
  auto* pause_cmd = executions_cmd->add_subcommand(
      "pause", "Pause a running execution: no task starts from now on, running ones finish");
  pause_cmd->add_option("id", control.id, "Execution id (a unique prefix is enough)")->required();
  auto* resume_cmd = executions_cmd->add_subcommand("resume", "Continue a paused execution");
  resume_cmd->add_option("id", control.id, "Execution id (a unique prefix is enough)")->required();
  resume_cmd->add_option("--input,-i", control.inputs, "An onResume input as NAME=VALUE (repeatable)");
  auto* restart_cmd = executions_cmd->add_subcommand("restart", "Run a failed execution again from its failed tasks");
  restart_cmd->add_option("id", control.id, "Execution id (a unique prefix is enough)")->required();
  auto* replay_cmd = executions_cmd->add_subcommand(
      "replay", "A new execution that keeps the task runs before --task and runs the rest again");
  replay_cmd->add_option("id", control.id, "Execution id (a unique prefix is enough)")->required();
  replay_cmd->add_option("--task", control.task, "The task to replay from")->required();
  replay_cmd->add_flag("--latest", control.latest,
                       "Read Iceberg tables as they are now, not at the snapshots the first run read");

  auto* flows_cmd = app.add_subcommand("flows", "List the flows of the flows folder and check that they load");

  std::string logs_id;
  bool follow = false;
  auto* logs_cmd = app.add_subcommand("logs", "Print an execution's log lines");
  logs_cmd->add_option("id", logs_id, "Execution id (a unique prefix is enough)")->required();
  logs_cmd->add_flag("--follow,-f", follow, "Keep printing until the execution ends");

  TriggerOptions trigger_opts;
  auto* triggers_cmd =
      app.add_subcommand("triggers", "List, enable, disable and unlock triggers; poll a flow's polling triggers");
  triggers_cmd->require_subcommand(1);
  auto* poll_cmd =
      triggers_cmd->add_subcommand("poll", "Poll the flow's triggers once (--watch: at their intervals, until ^C)");
  poll_cmd->add_option("file", trigger_opts.file, "The flow's YAML file")->required();
  poll_cmd->add_option("--trigger", trigger_opts.trigger, "Only this trigger (default: every enabled one)");
  poll_cmd->add_flag("--watch", trigger_opts.watch, "Keep polling, each trigger at its interval");

  ServerCommands server_commands;  // server, triggers list|enable|disable|unlock, backfill
  server_commands.Add(app, *triggers_cmd);
  IcebergCommands iceberg_commands;
  iceberg_commands.Add(app);
  DeployCommand deploy_command;
  deploy_command.Add(app);

  app.footer(
      "  models                      Build a dbt project in process: floe models build|run|test|... (floe models "
      "--help)");
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
  if (Status limits = ApplyTemplateLimits(); !limits.ok()) return Report(limits);
  if (schema_cmd->parsed()) {
    std::printf("%s\n", tmpl::ToJson(flow::FlowJsonSchema(BuiltinRegistry()), 2).c_str());
    return kExitOk;
  }
  Home home = ResolveHome(home_flag, flows_flag, storage_flag);
  if (validate_cmd->parsed()) return ValidateCommand(home, validate_files);
  auto remote = ServerClient::FromFlagOrEnvironment(server_flag);
  if (!remote.ok()) return Report(remote.status());
  if (std::optional<int> exit = deploy_command.Run(*remote ? &**remote : nullptr)) return *exit;
  if (*remote) {
    const ServerClient& client = **remote;
    if (list_cmd->parsed() && !state_name.empty()) {
      filter.state = state::ParseState(state_name);
      if (!filter.state) return Report(InvalidArgument("unknown state '" + state_name + "'"));
    }
    if (run_cmd->parsed()) return RemoteRun(client, run.file, run.inputs, run.json, run.detach);
    if (list_cmd->parsed()) return RemoteExecutionsList(client, filter, list_json);
    if (show_cmd->parsed()) return RemoteExecutionsShow(client, show_id, show_json);
    for (auto [cmd, action] :
         {std::pair{kill_cmd, "kill"}, std::pair{pause_cmd, "pause"}, std::pair{resume_cmd, "resume"},
          std::pair{restart_cmd, "restart"}, std::pair{replay_cmd, "replay"}})
      if (cmd->parsed()) return RemoteControl(client, action, control.id, control.inputs, control.task, control.latest);
    if (logs_cmd->parsed()) return RemoteLogs(client, logs_id, follow);
    if (flows_cmd->parsed()) return RemoteFlows(client);
    if (recover_cmd->parsed() || poll_cmd->parsed())
      return Report(
          InvalidArgument("this command runs on the machine that holds the home, not against a server "
                          "(drop --server / unset FLOE_SERVER)"));
    if (std::optional<int> exit = server_commands.Run(home, &client)) return *exit;
  }
  if (flows_cmd->parsed()) return FlowsCommand(home);
  if (run_cmd->parsed()) {
    if (wait_flag && run.detach) return Report(InvalidArgument("--wait and --detach exclude each other"));
    return RunCommand(home, run);
  }
  if (list_cmd->parsed()) {
    if (!state_name.empty()) {
      filter.state = state::ParseState(state_name);
      if (!filter.state) return Report(InvalidArgument("unknown state '" + state_name + "'"));
    }
    return ExecutionsList(home, filter, list_json);
  }
  if (show_cmd->parsed()) return ExecutionsShow(home, show_id, show_json);
  if (recover_cmd->parsed()) return RecoverCommand(home);
  if (kill_cmd->parsed()) return ControlCommand(home, "kill", control);
  if (pause_cmd->parsed()) return ControlCommand(home, "pause", control);
  if (resume_cmd->parsed()) return ControlCommand(home, "resume", control);
  if (restart_cmd->parsed()) return ControlCommand(home, "restart", control);
  if (replay_cmd->parsed()) return ControlCommand(home, "replay", control);
  if (logs_cmd->parsed()) return LogsCommand(home, logs_id, follow);
  if (poll_cmd->parsed()) return TriggersCommand(home, trigger_opts);
  if (std::optional<int> exit = server_commands.Run(home, nullptr)) return *exit;
  if (std::optional<int> exit = iceberg_commands.Run(home)) return *exit;
  return kExitUsage;
}

}  // namespace

int Main(int argc, char** argv) {
  // Inputs are bounded where floe reads them (YAML, templates); this is the
  // last line for what slips through, so no command ends in std::terminate.
  try {
    return RunMain(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("error: out of memory\n", stderr);
    return kExitUsage;
  }
}

}  // namespace floe::cli
