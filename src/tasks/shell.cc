// scripts.Shell (Kestra's io.kestra.plugin.scripts.shell.Commands),
// scripts.ShellScript (…shell.Script), and the Python and Node Script and
// Commands tasks: commands run by /bin/sh in the task's working folder as a
// local process (a script goes to a file that python3 or node runs).
//
// stdout lines are logged at INFO, stderr lines at WARN, as they come. A line
// `::{"outputs": {"rows": 3}}::` sets outputs (under `vars`, as in Kestra)
// instead of being logged.
//
// The commands run in a process group of their own, recorded with the task
// run before they start. A cancelled task (timeout, kill) stops the group:
// SIGTERM, then SIGKILL after a grace period; so does the end of the
// commands, for background processes they left running (a task's
// processes end with it). If floe dies, the group's keeper kills it (see
// RunKeeper); if the keeper dies too, the next kill or recovery of the
// execution does, from the record.
//
// The commands get floe's environment without its secrets and credentials,
// plus `env` (process_env.h).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <span>
#include <thread>

#include "core/process_group.h"
#include "flow/task_files.h"
#include "tasks/builtin.h"
#include "tasks/process_env.h"
#include "tasks/script_helpers.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

extern char** environ;

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

constexpr auto kKillGrace = std::chrono::seconds(5);
// How long after the commands ended their output may stay open before what
// holds it (a background process) is stopped.
constexpr auto kOutputLinger = std::chrono::milliseconds(100);

// Splits a stream into lines as bytes arrive.
class LineSplitter {
 public:
  template <typename F>
  void Feed(std::string_view bytes, F&& on_line) {
    buffer_.append(bytes);
    size_t start = 0, nl;
    while ((nl = buffer_.find('\n', start)) != std::string::npos) {
      on_line(std::string_view(buffer_).substr(start, nl - start));
      start = nl + 1;
    }
    buffer_.erase(0, start);
  }
  template <typename F>
  void Flush(F&& on_line) {
    if (!buffer_.empty()) on_line(std::string_view(buffer_));
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

struct ProcessResult {
  int exit_code = -1;
  bool cancelled = false;
  int signal = 0;
};

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

// The pipes between floe, the keeper and the commands; every end still
// open is closed with it.
struct Pipes {
  int out[2] = {-1, -1};     // the commands' stdout
  int err[2] = {-1, -1};     // their stderr
  int go[2] = {-1, -1};      // floe -> keeper: the group is recorded, start
  int status[2] = {-1, -1};  // keeper -> floe: the commands' wait status

  Status Open() {
    for (int* p : {out, err, go, status})
      if (pipe2(p, O_CLOEXEC) != 0) return IoError(std::string("pipe: ") + std::strerror(errno));
    return Status::Ok();
  }
  // floe's side after the fork (it keeps go[0] until it has written).
  void CloseChildEnds() {
    Close(out[1]);
    Close(err[1]);
    Close(status[1]);
  }
  void Close(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  ~Pipes() {
    for (int* p : {out, err, go, status}) {
      Close(p[0]);
      Close(p[1]);
    }
  }
};

void CloseRange(unsigned first, unsigned last) {
  if (syscall(SYS_close_range, first, last, 0) == 0) return;
  // Kernels before 5.9: one by one, up to the descriptor limit.
  struct rlimit limit = {};
  unsigned max = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                     ? static_cast<unsigned>(std::min<rlim_t>(limit.rlim_cur, 1u << 20))
                     : 65536u;
  for (unsigned fd = first; fd < max && fd <= last; ++fd) close(static_cast<int>(fd));
}

struct KeeperArgs {
  pid_t floe;
  char* const* argv;
  char* const* envp;
  const char* cwd;
  int devnull;
  const Pipes* pipes;
};

// Closes every descriptor from 3 up except `keep` (async-signal-safe).
void CloseAllBut(std::span<int> keep) {
  std::sort(keep.begin(), keep.end());  // in place, no allocation
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < static_cast<int>(from)) continue;
    if (static_cast<unsigned>(fd) > from) CloseRange(from, static_cast<unsigned>(fd) - 1);
    from = static_cast<unsigned>(fd) + 1;
  }
  CloseRange(from, ~0U);
}

// The keeper: a forked copy of floe (it never execs) that leads the task's
// process group and is its link to floe. It dies with the floe thread that
// forked it (PR_SET_PDEATHSIG) and then kills its whole group, so the
// commands and every background process they started (unless one left the
// group with setsid/setpgid) die with floe even on SIGKILL; PDEATHSIG alone
// would reach only the direct child. It waits for floe to record the group,
// starts the commands, and reports their wait status on the status pipe.
// Runs between fork and _exit: async-signal-safe calls only.
[[noreturn]] void RunKeeper(const KeeperArgs& a) {
  const Pipes& p = *a.pipes;
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != a.floe) _exit(125);  // floe died before the prctl
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &dfl, nullptr);
  sigset_t waited;
  sigemptyset(&waited);
  sigaddset(&waited, SIGTERM);
  sigaddset(&waited, SIGCHLD);
  sigprocmask(SIG_BLOCK, &waited, nullptr);
  // Unlike an exec'd child it keeps every descriptor floe had open (close-
  // on-exec does not apply): the execution's lock, the store, other tasks'
  // pipes, whose readers would never see their end. Only its own stay.
  int keep[] = {a.devnull, p.out[1], p.err[1], p.go[0], p.status[1]};
  CloseAllBut(keep);
  char go = 0;
  ssize_t n;
  while ((n = read(p.go[0], &go, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) _exit(125);  // floe did not record the group (or died): nothing runs
  pid_t self = getpid();
  pid_t commands = fork();
  if (commands == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // the commands die with their keeper
    if (getppid() != self) _exit(125);
    // A clean signal state: floe blocks or ignores some signals.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD}) sigaction(sig, &dfl, nullptr);
    dup2(a.devnull, 0);
    dup2(p.out[1], 1);
    dup2(p.err[1], 2);
    if (chdir(a.cwd) != 0) _exit(126);
    execve(a.argv[0], a.argv, a.envp);
    _exit(127);
  }
  close(p.out[1]);
  close(p.err[1]);
  int status = 126 << 8;  // exit code 126: could not start
  if (commands < 0) {
    if (write(p.status[1], &status, sizeof status) < 0) _exit(126);
    _exit(0);
  }
  while (true) {
    int sig = sigwaitinfo(&waited, nullptr);
    if (sig == SIGCHLD && waitpid(commands, &status, WNOHANG) == commands) {
      if (write(p.status[1], &status, sizeof status) < 0) _exit(126);
      _exit(0);
    }
    // SIGTERM from floe itself (a cancel) is for the commands; once floe
    // is gone it means floe died: the whole group goes.
    if (sig == SIGTERM && getppid() != a.floe) {
      kill(0, SIGKILL);
      _exit(1);
    }
  }
}

class ShellTask final : public flow::Task {
 public:
  ShellTask(ScriptLanguage language, bool script) : language_(language), script_(script) {}

  Result<Value> Run(flow::TaskContext& ctx) override {
    RETURN_IF_ERROR(CheckRunner(ctx));
    ASSIGN_OR_RETURN(std::filesystem::path dir, ctx.WorkingDirectory());
    ctx.AddVariable("workingDir", Value(dir.string()));
    ASSIGN_OR_RETURN(std::optional<Value> input_files, ctx.Property("inputFiles"));
    if (input_files) RETURN_IF_ERROR(flow::WriteInputFiles(ctx, "inputFiles", *input_files, dir));
    ASSIGN_OR_RETURN(std::optional<Value> ns_files, ctx.Property("namespaceFiles"));
    if (ns_files) RETURN_IF_ERROR(flow::CopyNamespaceFiles(ctx, "namespaceFiles", *ns_files, dir));

    ASSIGN_OR_RETURN(bool fail_fast, ctx.BoolOr("failFast", true));
    std::string body = fail_fast ? "set -e\n" : "";
    ASSIGN_OR_RETURN(std::vector<std::string> before, Lines(ctx, "beforeCommands"));
    for (const auto& c : before) body += c + "\n";
    std::optional<std::filesystem::path> script_file;
    if (script_ && language_ == ScriptLanguage::kShell) {
      ASSIGN_OR_RETURN(std::string script, ctx.RequiredString("script"));
      body += script + "\n";
    } else if (script_) {
      // Kestra writes the script to a file in the working folder and runs it.
      ASSIGN_OR_RETURN(std::string script, ctx.RequiredString("script"));
      bool python = language_ == ScriptLanguage::kPython;
      script_file = dir / (".floe_script_" + std::to_string(std::random_device{}()) + (python ? ".py" : ".js"));
      std::ofstream out(*script_file, std::ios::binary);
      out << script;
      if (!out.flush()) return IoError("cannot write the script to '" + script_file->string() + "'");
      body += std::string(python ? "python3" : "node") + " '" + script_file->string() + "'\n";
    } else {
      ASSIGN_OR_RETURN(std::vector<std::string> commands, Lines(ctx, "commands"));
      if (commands.empty()) return ctx.PropertyError("commands", "needs at least one command");
      for (const auto& c : commands) body += c + "\n";
    }
    ASSIGN_OR_RETURN(std::vector<std::string> interpreter, Lines(ctx, "interpreter"));
    if (interpreter.empty()) interpreter = {"/bin/sh", "-c"};

    // floe's secrets and credentials stay out unless the flow passes them.
    std::vector<std::pair<std::string, std::string>> given = {{"WORKING_DIR", dir.string()}};
    ASSIGN_OR_RETURN(std::optional<Value> vars, ctx.OptionalMap("env"));
    if (vars) {
      for (const auto& [k, v] : vars->AsMap()) given.emplace_back(k, tmpl::ToDisplayString(v, tmpl::Dialect::kPebble));
    }
    if (language_ != ScriptLanguage::kShell) {
      // Kestra's helper module, found before anything the flow or floe's environment puts on the path.
      ASSIGN_OR_RETURN(std::filesystem::path helpers, KestraHelperPath(language_));
      const char* var = language_ == ScriptLanguage::kPython ? "PYTHONPATH" : "NODE_PATH";
      std::string path = helpers.string();
      for (const auto& [k, v] : given)
        if (k == var) path += ":" + v;
      if (path == helpers.string())
        if (const char* inherited = std::getenv(var); inherited && *inherited) path += std::string(":") + inherited;
      given.emplace_back(var, path);
    }
    std::vector<std::string> env = ProcessEnvironment(environ, given);
    ASSIGN_OR_RETURN(bool warning_on_stderr, ctx.BoolOr("warningOnStdErr", false));

    tmpl::ValueMap outputs_vars;
    bool wrote_stderr = false;
    auto on_stdout = [&](std::string_view line) { HandleLine(ctx, line, LogLevel::kInfo, outputs_vars); };
    auto on_stderr = [&](std::string_view line) {
      wrote_stderr = true;
      HandleLine(ctx, line, LogLevel::kWarn, outputs_vars);
    };
    std::vector<std::string> argv = interpreter;
    argv.push_back(body);
    Result<ProcessResult> ran = RunProcess(ctx, argv, env, dir, on_stdout, on_stderr);
    if (script_file) {
      std::error_code ec;
      std::filesystem::remove(*script_file, ec);
    }
    ASSIGN_OR_RETURN(ProcessResult result, std::move(ran));
    if (result.cancelled) return Status(StatusCode::kCancelled, "commands stopped (cancelled)");
    if (result.signal)
      return Status(StatusCode::kFailedPrecondition, "commands killed by signal " + std::to_string(result.signal) +
                                                         " (" + strsignal(result.signal) + ")");
    if (result.exit_code != 0)
      return Status(StatusCode::kFailedPrecondition, "commands exited with code " + std::to_string(result.exit_code));

    tmpl::ValueMap outputs;
    outputs.Set("exitCode", Value(int64_t{0}));
    outputs.Set("vars", Value(std::move(outputs_vars)));
    ASSIGN_OR_RETURN(std::optional<Value> patterns, ctx.Property("outputFiles"));
    if (patterns) {
      ASSIGN_OR_RETURN(Value files, flow::CollectOutputFiles(ctx, "outputFiles", *patterns, dir));
      outputs.Set("outputFiles", files);
    }
    if (warning_on_stderr && wrote_stderr)
      return Status(StatusCode::kFailedPrecondition, "commands wrote to stderr (warningOnStdErr)");
    return Value(std::move(outputs));
  }

 private:
  // floe runs commands as local processes: Kestra's Process runner. Other
  // runners (Docker, Kubernetes) are errors; a container image is reported.
  static Status CheckRunner(flow::TaskContext& ctx) {
    ASSIGN_OR_RETURN(std::optional<Value> runner, ctx.Property("taskRunner"));
    if (runner) {
      const Value* type = runner->Get("type");
      std::string t = type && type->is_string() ? type->AsString() : "";
      bool docker = t == "io.kestra.plugin.scripts.runner.docker.Docker";
      if (docker)
        ctx.Log(LogLevel::kWarn,
                "taskRunner Docker: there is no container runtime here; floe runs the commands as a "
                "local process");
      else if (t != "io.kestra.plugin.core.runner.Process" &&
               t != "io.kestra.core.models.tasks.runners.types.ProcessTaskRunner")
        return ctx.PropertyError("taskRunner",
                                 "floe runs commands as local processes only (type "
                                 "io.kestra.plugin.core.runner.Process, or Docker with a warning), not '" +
                                     t + "'");
    }
    // The deprecated `runner: PROCESS | DOCKER` of Kestra's script tasks.
    ASSIGN_OR_RETURN(std::optional<std::string> old_runner, ctx.OptionalString("runner"));
    if (old_runner && *old_runner == "DOCKER")
      ctx.Log(LogLevel::kWarn,
              "runner DOCKER: there is no container runtime here; floe runs the commands as a local "
              "process");
    ASSIGN_OR_RETURN(std::optional<std::string> image, ctx.OptionalString("containerImage"));
    if (image)
      ctx.Log(LogLevel::kWarn,
              "containerImage '" + *image + "' is not used: floe runs the commands as a local process");
    return Status::Ok();
  }

  static Result<std::vector<std::string>> Lines(flow::TaskContext& ctx, std::string_view name) {
    ASSIGN_OR_RETURN(std::optional<Value> v, ctx.Property(name));
    std::vector<std::string> out;
    if (!v || v->is_null()) return out;
    if (v->is_string()) {
      out.push_back(v->AsString());
      return out;
    }
    if (!v->is_list()) return ctx.PropertyError(name, "must be a list of commands");
    for (const auto& item : v->AsList()) out.push_back(tmpl::ToDisplayString(item, tmpl::Dialect::kPebble));
    return out;
  }

  // `::{"outputs": {...}}::` lines set outputs; others are logged.
  static void HandleLine(flow::TaskContext& ctx, std::string_view raw, LogLevel level, tmpl::ValueMap& vars) {
    std::string line = Trimmed(raw);
    std::string_view view(line);
    if (view.size() > 4 && view.starts_with("::{") && view.ends_with("}::")) {
      auto doc = tmpl::ParseJson(view.substr(2, view.size() - 4));
      if (doc.ok() && doc->is_map()) {
        bool known = false;
        if (const Value* outputs = doc->Get("outputs"); outputs && outputs->is_map()) {
          for (const auto& [k, v] : outputs->AsMap()) vars.Set(k, v);
          known = true;
        }
        if (doc->Get("metrics")) {
          ctx.Log(LogLevel::kDebug, "metrics line (floe does not record metrics yet): " + line);
          known = true;
        }
        if (known) return;
      }
      ctx.Log(LogLevel::kWarn, "a ::{...}:: line that is not {\"outputs\": {...}} JSON is logged as is");
    }
    ctx.Log(level, line);
  }

  template <typename Out, typename Err>
  static Result<ProcessResult> RunProcess(flow::TaskContext& ctx, const std::vector<std::string>& args,
                                          const std::vector<std::string>& env, const std::filesystem::path& dir,
                                          Out&& on_stdout, Err&& on_stderr) {
    Pipes pipes;
    RETURN_IF_ERROR(pipes.Open());
    // Everything the keeper and the commands need is prepared before fork:
    // after it, only async-signal-safe calls.
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    std::string cwd = dir.string();
    KeeperArgs keeper_args{.floe = getpid(),
                           .argv = argv.data(),
                           .envp = envp.data(),
                           .cwd = cwd.c_str(),
                           .devnull = open("/dev/null", O_RDONLY | O_CLOEXEC),
                           .pipes = &pipes};
    pid_t keeper = fork();
    if (keeper < 0) {
      close(keeper_args.devnull);
      return IoError(std::string("fork: ") + std::strerror(errno));
    }
    if (keeper == 0) RunKeeper(keeper_args);
    setpgid(keeper, keeper);  // as the keeper does: whichever runs first
    close(keeper_args.devnull);
    pipes.CloseChildEnds();

    // The group is recorded before the commands start (the keeper waits for
    // the go byte): no process of a task ever runs untracked.
    Result<ProcessGroup> group = DescribeProcessGroup(keeper);
    Status recorded = group.ok() ? ctx.ProcessGroupStarted(*group) : group.status();
    if (!recorded.ok()) {
      kill(keeper, SIGKILL);
      while (waitpid(keeper, nullptr, 0) < 0 && errno == EINTR) {
      }
      return std::move(recorded).WithContext("cannot record the commands' process group");
    }
    char go = 'g';
    if (write(pipes.go[1], &go, 1) != 1) {
      // The keeper died (it ends on a closed go pipe); its status says why.
    }
    pipes.Close(pipes.go[1]);
    pipes.Close(pipes.go[0]);  // held until now: a dead keeper means EPIPE, not a SIGPIPE for floe

    LineSplitter out_lines, err_lines;
    struct pollfd fds[3] = {{pipes.out[0], POLLIN, 0}, {pipes.err[0], POLLIN, 0}, {pipes.status[0], POLLIN, 0}};
    int* owned[3] = {&pipes.out[0], &pipes.err[0], &pipes.status[0]};
    auto close_fd = [&](int i) {
      pipes.Close(*owned[i]);
      fds[i].fd = -1;
    };
    bool cancelled = false;
    bool stopping = false;  // SIGTERM sent to the group
    std::chrono::steady_clock::time_point term_sent;
    std::optional<int> commands_status;  // wait status of the commands, from the keeper
    std::chrono::steady_clock::time_point commands_ended;
    char buf[8192];
    auto stop_group = [&] {
      stopping = true;
      term_sent = std::chrono::steady_clock::now();
      kill(-keeper, SIGTERM);
    };
    // A task's processes end with it: background processes the commands
    // left running are stopped (SIGTERM, then SIGKILL after the grace).
    auto stop_leftovers = [&] {
      ctx.Log(LogLevel::kWarn,
              "stopping the background processes the commands left running (a task's processes end with the task)");
      stop_group();
    };
    while (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0) {
      if (!cancelled && ctx.Cancelled()) {
        cancelled = true;
        if (!stopping) stop_group();
      }
      if (stopping && std::chrono::steady_clock::now() - term_sent > kKillGrace) kill(-keeper, SIGKILL);
      // The commands ended, but something they started still holds their
      // output open.
      if (!stopping && commands_status && std::chrono::steady_clock::now() - commands_ended > kOutputLinger)
        stop_leftovers();
      int n = poll(fds, 3, 50);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < 3; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (i == 2) {
          // The keeper reports how the commands ended, then exits.
          int status = 0;
          if (read(fds[2].fd, &status, sizeof status) == static_cast<ssize_t>(sizeof status)) {
            commands_status = status;
            commands_ended = std::chrono::steady_clock::now();
          }
          close_fd(2);
          continue;
        }
        ssize_t got = read(fds[i].fd, buf, sizeof buf);
        if (got > 0) {
          std::string_view bytes(buf, static_cast<size_t>(got));
          if (i == 0) {
            out_lines.Feed(bytes, on_stdout);
          } else {
            err_lines.Feed(bytes, on_stderr);
          }
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          close_fd(i);
        }
      }
    }
    out_lines.Flush(on_stdout);
    err_lines.Flush(on_stderr);
    int keeper_status = 0;
    while (waitpid(keeper, &keeper_status, 0) < 0 && errno == EINTR) {
    }
    // What is still alive of the group (a process that closed its output,
    // or ignores SIGTERM) gets the rest of the grace period, then SIGKILL.
    // kill(-pgid, 0) tells cheaply that no process is left; zombies (not yet
    // reaped by init) still count there, so the /proc scan decides otherwise.
    auto group_empty = [&] { return (kill(-keeper, 0) != 0 && errno == ESRCH) || LiveMembers(*group).empty(); };
    if (!group_empty()) {
      if (!stopping) stop_leftovers();
      while (!group_empty() && std::chrono::steady_clock::now() - term_sent < kKillGrace)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Result<int> killed = group_empty() ? Result<int>(0) : KillProcessGroup(*group, kKillGrace);
    if (!killed.ok()) {
      // Its record stays: a later kill or recovery tries again.
      ctx.Log(LogLevel::kWarn, killed.status().ToString());
    } else {
      ctx.ProcessGroupEnded(*group);
    }
    ProcessResult result;
    result.cancelled = cancelled;
    int status = commands_status.value_or(keeper_status);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    if (result.exit_code == 127 && !std::filesystem::exists(args[0]))
      return NotFound("interpreter '" + args[0] + "' not found");
    return result;
  }

  ScriptLanguage language_;
  bool script_;
};

std::vector<flow::PropertySpec> CommonShellProperties() {
  return {
      {.name = "beforeCommands", .type = PropertyType::kList, .description = "Commands run first."},
      {.name = "env", .type = PropertyType::kMap, .description = "Environment variables for the commands."},
      {.name = "inputFiles",
       .type = PropertyType::kAny,
       .description = "A map of file name -> content (or a floe:// URI), written to the working folder first."},
      {.name = "outputFiles",
       .type = PropertyType::kList,
       .description = "Glob patterns of files to keep; outputs.<task>.outputFiles maps each to its URI."},
      {.name = "namespaceFiles", .type = PropertyType::kAny, .description = "Copy the namespace's files in."},
      {.name = "interpreter", .type = PropertyType::kList, .description = "The interpreter; [/bin/sh, -c] by default."},
      {.name = "failFast",
       .type = PropertyType::kBool,
       .description = "Stop at the first failing command (set -e); true by default."},
      {.name = "warningOnStdErr",
       .type = PropertyType::kBool,
       .description = "Fail when the commands write to stderr."},
      {.name = "taskRunner",
       .type = PropertyType::kMap,
       .description = "Only io.kestra.plugin.core.runner.Process: floe runs local processes."},
      {.name = "containerImage", .type = PropertyType::kString, .description = "Not used: reported in the log."},
      {.name = "runner",
       .type = PropertyType::kEnum,
       .description = "Deprecated in Kestra: PROCESS, or DOCKER (run as a local process, with a warning).",
       .enum_values = {"PROCESS", "DOCKER"}},
  };
}

}  // namespace

void RegisterShellTasks(flow::TaskRegistry& registry) {
  auto commands = CommonShellProperties();
  commands.insert(commands.begin(),
                  {.name = "commands", .type = PropertyType::kList, .required = true, .description = "The commands."});
  registry.Register({
      .name = "scripts.Shell",
      .aliases =
          {
              "io.kestra.plugin.scripts.shell.Commands",
              "io.kestra.core.tasks.scripts.Bash",
          },
      .description = "Runs shell commands in the task's working folder; stdout/stderr go to the log line by line.",
      .properties = commands,
      .factory = [] { return std::make_unique<ShellTask>(ScriptLanguage::kShell, false); },
  });
  auto script = CommonShellProperties();
  script.insert(script.begin(),
                {.name = "script", .type = PropertyType::kString, .required = true, .description = "The script."});
  registry.Register({
      .name = "scripts.ShellScript",
      .aliases = {"io.kestra.plugin.scripts.shell.Script"},
      .description = "Runs a multi-line shell script in the task's working folder.",
      .properties = script,
      .factory = [] { return std::make_unique<ShellTask>(ScriptLanguage::kShell, true); },
  });
  // Python and Node on the local interpreters (python3, node), with Kestra's
  // helper module on their path.
  struct Language {
    ScriptLanguage language;
    const char* floe_name;
    const char* kestra_name;
    const char* what;
  };
  for (const Language& l : {Language{ScriptLanguage::kPython, "Python", "python", "python3"},
                            Language{ScriptLanguage::kNode, "Node", "node", "node"}}) {
    registry.Register({
        .name = std::string("scripts.") + l.floe_name + "Script",
        .aliases = {std::string("io.kestra.plugin.scripts.") + l.kestra_name + ".Script"},
        .description = std::string("Runs a script with the local ") + l.what +
                       " in the task's working folder; Kestra.outputs({...}) sets outputs.vars.",
        .properties = script,
        .factory = [language = l.language] { return std::make_unique<ShellTask>(language, true); },
    });
    registry.Register({
        .name = std::string("scripts.") + l.floe_name + "Commands",
        .aliases = {std::string("io.kestra.plugin.scripts.") + l.kestra_name + ".Commands"},
        .description = std::string("Runs shell commands (calling ") + l.what +
                       ") with Kestra's helper module on the interpreter's path.",
        .properties = commands,
        .factory = [language = l.language] { return std::make_unique<ShellTask>(language, false); },
    });
  }
}

}  // namespace floe::tasks
