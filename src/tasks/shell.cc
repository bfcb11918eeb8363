// scripts.Shell (Kestra's io.kestra.plugin.scripts.shell.Commands) and
// scripts.ShellScript (…shell.Script): commands run by /bin/sh in the task's
// working folder as a local process.
//
// stdout lines are logged at INFO, stderr lines at WARN, as they come. A line
// `::{"outputs": {"rows": 3}}::` sets outputs (under `vars`, as in Kestra)
// instead of being logged. A cancelled task (timeout, kill) stops the
// process group: SIGTERM, then SIGKILL after a grace period. The process
// gets floe's environment without its secrets and credentials, plus `env`
// (process_env.h).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "flow/task_files.h"
#include "tasks/builtin.h"
#include "tasks/process_env.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

extern char** environ;

namespace floe::tasks {
namespace {

using flow::PropertyType;
using tmpl::Value;

constexpr auto kKillGrace = std::chrono::seconds(5);

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

class ShellTask final : public flow::Task {
 public:
  explicit ShellTask(bool script) : script_(script) {}

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
    if (script_) {
      ASSIGN_OR_RETURN(std::string script, ctx.RequiredString("script"));
      body += script + "\n";
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
    ASSIGN_OR_RETURN(ProcessResult result, RunProcess(ctx, argv, env, dir, on_stdout, on_stderr));
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
      if (t != "io.kestra.plugin.core.runner.Process" &&
          t != "io.kestra.core.models.tasks.runners.types.ProcessTaskRunner")
        return ctx.PropertyError("taskRunner",
                                 "floe runs commands as local processes only (type "
                                 "io.kestra.plugin.core.runner.Process), not '" +
                                     t + "'");
    }
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
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return IoError(std::string("pipe: ") + std::strerror(errno));
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
      close(out_pipe[0]);
      close(out_pipe[1]);
      return IoError(std::string("pipe: ") + std::strerror(errno));
    }
    // Everything the child needs is prepared before fork: after it, only
    // async-signal-safe calls.
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    std::string cwd = dir.string();
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0) return IoError(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      setpgid(0, 0);                     // its own group, so a kill reaches its children too
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with floe
      dup2(devnull, 0);
      dup2(out_pipe[1], 1);
      dup2(err_pipe[1], 2);
      if (chdir(cwd.c_str()) != 0) _exit(126);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    setpgid(pid, pid);
    close(devnull);
    close(out_pipe[1]);
    close(err_pipe[1]);
    LineSplitter out_lines, err_lines;
    struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    bool cancelled = false;
    std::chrono::steady_clock::time_point term_sent;
    char buf[8192];
    while (open_fds > 0) {
      if (ctx.Cancelled()) {
        if (!cancelled) {
          cancelled = true;
          term_sent = std::chrono::steady_clock::now();
          kill(-pid, SIGTERM);
        } else if (std::chrono::steady_clock::now() - term_sent > kKillGrace) {
          kill(-pid, SIGKILL);
        }
      }
      int n = poll(fds, 2, 50);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t got = read(fds[i].fd, buf, sizeof buf);
        if (got > 0) {
          std::string_view bytes(buf, static_cast<size_t>(got));
          if (i == 0) {
            out_lines.Feed(bytes, on_stdout);
          } else {
            err_lines.Feed(bytes, on_stderr);
          }
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        }
      }
    }
    out_lines.Flush(on_stdout);
    err_lines.Flush(on_stderr);
    for (auto& f : fds)
      if (f.fd >= 0) close(f.fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (cancelled) kill(-pid, SIGKILL);  // anything of its group still alive
    ProcessResult result;
    result.cancelled = cancelled;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    if (result.exit_code == 127 && !std::filesystem::exists(args[0]))
      return NotFound("interpreter '" + args[0] + "' not found");
    return result;
  }

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
      .factory = [] { return std::make_unique<ShellTask>(false); },
  });
  auto script = CommonShellProperties();
  script.insert(script.begin(),
                {.name = "script", .type = PropertyType::kString, .required = true, .description = "The script."});
  registry.Register({
      .name = "scripts.ShellScript",
      .aliases = {"io.kestra.plugin.scripts.shell.Script"},
      .description = "Runs a multi-line shell script in the task's working folder.",
      .properties = script,
      .factory = [] { return std::make_unique<ShellTask>(true); },
  });
}

}  // namespace floe::tasks
