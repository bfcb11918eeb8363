#include "cli/server_commands.h"

#include <date/tz.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/command_support.h"
#include "cli/remote_commands.h"
#include "core/id.h"
#include "flow/repository.h"
#include "runtime/runtime.h"
#include "server/auth.h"
#include "server/floe_server.h"
#include "server/server_config.h"
#include "tmpl/json.h"
#include "triggers/calendar_conditions.h"
#include "triggers/cron.h"
#include "triggers/scheduler.h"

namespace floe::cli {
namespace {

std::string DateOrDash(const std::optional<Timestamp>& t) { return t ? FormatTimestamp(*t) : "-"; }

// Blocks SIGINT and SIGTERM in this thread and every thread started after,
// so that one thread takes them with sigwait/sigtimedwait.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

struct ServerCommands::Options {
  CLI::App* server = nullptr;
  CLI::App* hash_password = nullptr;
  std::string host;
  int port = -1;
  std::string flows;
  int workers = 0;
  int max_running = 0;
  std::string config_file;
  std::string grace;

  CLI::App* list = nullptr;
  state::TriggerFilter filter;
  bool json = false;
  CLI::App* enable = nullptr;
  CLI::App* disable = nullptr;
  CLI::App* unlock = nullptr;
  state::TriggerKey key;

  CLI::App* backfill = nullptr;
  std::string start, end, trigger;
  int concurrency = 1;
  std::vector<std::string> inputs;
  bool resume = false, pause = false, remove = false, status = false;
};

ServerCommands::ServerCommands() : options_(std::make_unique<Options>()) {}
ServerCommands::~ServerCommands() = default;

void ServerCommands::Add(CLI::App& app, CLI::App& triggers) {
  Options& o = *options_;
  o.server = app.add_subcommand("server", "Run the control plane: scheduler, triggers, webhooks, executor, HTTP");
  o.server->add_option("--host", o.host, "Address to listen on (default 127.0.0.1)");
  o.server->add_option("--port", o.port, "Port to listen on (default 8080; 0: any free port)");
  o.server->add_option("--flows", o.flows, "The flows folder, watched for changes");
  o.server->add_option("--workers", o.workers, "Task worker slots");
  o.server->add_option("--max-running", o.max_running, "Executions running at once");
  o.server->add_option("--config", o.config_file, "A YAML file with a 'server:' map (host, port, ...)");
  o.server->add_option("--shutdown-grace", o.grace, "How long running executions may finish on SIGTERM (PT30S)");
  o.hash_password = o.server->add_subcommand(
      "hash-password", "Read a password or token on stdin; print its hash for basicAuth.password or tokens");

  o.list = triggers.add_subcommand("list", "The triggers the server keeps: next and last dates, leases");
  o.list->add_option("--namespace", o.filter.namespace_, "Only this namespace");
  o.list->add_option("--flow", o.filter.flow_id, "Only this flow id");
  o.list->add_flag("--json", o.json, "Print JSON");
  for (auto [cmd, name, what] : {std::tuple{&o.enable, "enable", "Let a trigger fire again"},
                                 std::tuple{&o.disable, "disable", "Stop a trigger from firing (kept in the store)"},
                                 std::tuple{&o.unlock, "unlock", "Free a trigger's lease (a server that died)"}}) {
    *cmd = triggers.add_subcommand(name, what);
    (*cmd)->add_option("namespace", o.key.namespace_, "The flow's namespace")->required();
    (*cmd)->add_option("flow", o.key.flow_id, "The flow's id")->required();
    (*cmd)->add_option("trigger", o.key.trigger_id, "The trigger's id")->required();
  }

  o.backfill = app.add_subcommand(
      "backfill", "Run a Schedule trigger for past dates (one execution per date, trigger.date set); ^C pauses");
  o.backfill->add_option("namespace", o.key.namespace_, "The flow's namespace")->required();
  o.backfill->add_option("flow", o.key.flow_id, "The flow's id")->required();
  o.backfill->add_option("--start", o.start, "First date, ISO 8601 (2026-01-01T00:00:00Z)");
  o.backfill->add_option("--end", o.end, "Last date, ISO 8601");
  o.backfill->add_option("--trigger", o.trigger, "The Schedule trigger (default: the flow's only one)");
  o.backfill->add_option("--concurrency", o.concurrency, "Executions at once (default 1)");
  o.backfill->add_option("--input,-i", o.inputs, "An input as NAME=VALUE (repeatable)");
  o.backfill->add_flag("--resume", o.resume, "Continue a paused backfill");
  o.backfill->add_flag("--pause", o.pause, "Pause a backfill another process runs");
  o.backfill->add_flag("--delete", o.remove, "Delete the backfill");
  o.backfill->add_flag("--status", o.status, "Show the backfill's progress");
}

namespace {

int HashPasswordCommand() {
  std::string secret;
  if (!std::getline(std::cin, secret) || secret.empty()) {
    std::fprintf(stderr, "floe server hash-password: give the password or token on stdin (one line)\n");
    return kExitUsage;
  }
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  std::printf("%s\n", server::HashSecret(secret).c_str());
  return kExitOk;
}

int ServerCommand(const runtime::Home& home, const ServerCommands::Options& o) {
  server::ServerConfig config;
  if (!o.config_file.empty())
    if (Status s = server::LoadServerConfigFile(o.config_file, &config); !s.ok()) return Report(s);
  if (Status s = server::ApplyServerEnvironment(&config); !s.ok()) return Report(s);
  if (!o.host.empty()) config.host = o.host;
  if (o.port >= 0) config.port = o.port;
  if (!o.flows.empty()) config.flows_dir = o.flows;
  if (o.workers > 0) config.workers = o.workers;
  if (o.max_running > 0) config.max_running = o.max_running;
  if (!o.grace.empty()) {
    auto d = ParseDuration(o.grace);
    if (!d.ok()) return Report(Status(d.status()).WithContext("--shutdown-grace"));
    config.shutdown_grace = *d;
  }
  sigset_t stop = BlockStopSignals();  // before the server starts its threads
  auto started = std::chrono::steady_clock::now();
  auto server = server::FloeServer::Start(home, config, stdout);
  if (!server.ok()) return Report(server.status());
  std::printf("started in %.1f ms\n",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  std::printf("floe server: %s: stopping (readiness 503, no new work; running executions may finish for %s)\n",
              sig == SIGINT ? "SIGINT" : "SIGTERM", FormatDuration(config.shutdown_grace).c_str());
  std::fflush(stdout);
  server::FloeServer::ShutdownReport report = (*server)->Shutdown();
  if (report.still_running > 0) {
    // Their state is in the store (every transition is committed as it
    // happens) and the next start recovers them. Destroying the executor
    // would wait for them without limit: exit here instead. Task processes
    // die with floe (their keepers stop them).
    std::printf(
        "floe server: %zu execution(s) still running after the grace stay RUNNING; the next start "
        "recovers them\nfloe server: stopped\n",
        report.still_running);
    std::fflush(nullptr);
    std::_Exit(kExitOk);
  }
  server->reset();
  std::printf("floe server: every execution ended; stopped\n");
  std::fflush(stdout);
  return kExitOk;
}

int TriggersList(const runtime::Home& home, const ServerCommands::Options& o, const ServerClient* client) {
  Result<std::vector<state::Trigger>> triggers = std::vector<state::Trigger>{};
  if (client) {
    triggers = RemoteTriggers(*client, o.filter);
  } else {
    auto store = runtime::OpenStore(home);
    if (!store.ok()) return Report(store.status());
    triggers = (*store)->ListTriggers(o.filter);
  }
  if (!triggers.ok()) return Report(triggers.status());
  if (o.json) {
    tmpl::ValueList out;
    for (const auto& t : *triggers) {
      tmpl::ValueMap m;
      m.Set("namespace", t.key.namespace_);
      m.Set("flowId", t.key.flow_id);
      m.Set("triggerId", t.key.trigger_id);
      m.Set("type", t.type);
      m.Set("enabled", t.enabled);
      m.Set("nextDate", t.next_date ? tmpl::Value(FormatTimestamp(*t.next_date)) : tmpl::Value());
      m.Set("lastDate", t.last_date ? tmpl::Value(FormatTimestamp(*t.last_date)) : tmpl::Value());
      m.Set("lastExecutionId", t.last_execution_id);
      bool leased = !t.lease_owner.empty() && t.lease_until > std::chrono::system_clock::now();
      m.Set("leaseOwner", leased ? tmpl::Value(t.lease_owner) : tmpl::Value());
      out.push_back(tmpl::Value(std::move(m)));
    }
    std::printf("%s\n", tmpl::ToJson(tmpl::Value(std::move(out)), 2).c_str());
    return kExitOk;
  }
  if (triggers->empty()) {
    std::printf("no triggers (a server records them when it loads their flows)\n");
    return kExitOk;
  }
  std::printf("%-20s %-20s %-16s %-16s %-8s %-24s %-24s %-26s %s\n", "NAMESPACE", "FLOW", "TRIGGER", "TYPE", "ENABLED",
              "NEXT", "LAST", "LAST EXECUTION", "LEASE");
  for (const auto& t : *triggers) {
    std::string type = t.type.substr(t.type.rfind('.') == std::string::npos ? 0 : t.type.rfind('.') + 1);
    bool leased = !t.lease_owner.empty() && t.lease_until > std::chrono::system_clock::now();
    std::printf("%-20s %-20s %-16s %-16s %-8s %-24s %-24s %-26s %s\n", t.key.namespace_.c_str(), t.key.flow_id.c_str(),
                t.key.trigger_id.c_str(), type.c_str(), t.enabled ? "yes" : "no", DateOrDash(t.next_date).c_str(),
                DateOrDash(t.last_date).c_str(), t.last_execution_id.empty() ? "-" : t.last_execution_id.c_str(),
                leased ? t.lease_owner.c_str() : "-");
  }
  return kExitOk;
}

int TriggerControl(const runtime::Home& home, const state::TriggerKey& key, std::string_view action,
                   const ServerClient* client) {
  std::string name = key.namespace_ + "." + key.flow_id + "." + key.trigger_id;
  if (client) {
    if (Status s = RemoteTriggerControl(*client, key, std::string(action)); !s.ok()) return Report(s);
    std::printf("trigger %s: %s\n", name.c_str(),
                action == "unlock"   ? "lease freed"
                : action == "enable" ? "enabled"
                                     : "disabled");
    return kExitOk;
  }
  auto store = runtime::OpenStore(home);
  if (!store.ok()) return Report(store.status());
  auto hint = [&](Status s) {
    if (s.code() != StatusCode::kNotFound) return s;
    return std::move(s).WithHint("`floe triggers list` shows the triggers a server has recorded");
  };
  if (action == "unlock") {
    auto held = (*store)->UnlockTrigger(key);
    if (!held.ok()) return Report(hint(held.status()));
    std::printf("trigger %s: %s\n", name.c_str(), *held ? "lease freed" : "was not leased");
    return kExitOk;
  }
  bool enable = action == "enable";
  if (Status s = (*store)->SetTriggerEnabled(key, enable, std::chrono::system_clock::now()); !s.ok())
    return Report(hint(s));
  std::printf("trigger %s: %s\n", name.c_str(), enable ? "enabled" : "disabled");
  return kExitOk;
}

}  // namespace

namespace {

// The schedule dates in [start, end], for progress ("date k of n").
std::vector<Timestamp> ScheduleDates(const flow::ScheduleSpec& schedule, Timestamp start, Timestamp end) {
  std::vector<Timestamp> dates;
  auto cron = triggers::CronExpression::Parse(schedule.cron, schedule.with_seconds);
  if (!cron.ok()) return dates;
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(schedule.timezone);
  } catch (const std::exception&) {
    return dates;
  }
  for (auto next = cron->Next(start - std::chrono::seconds(1), tz); next && *next <= end && dates.size() < 1000000;
       next = cron->Next(*next, tz))
    dates.push_back(*next);
  return dates;
}

}  // namespace

// Runs a backfill to its end in this process, with a scheduler of its own
// given only this flow (its lease on the trigger keeps a running server from
// evaluating it at the same time; the flow's other triggers are evaluated
// here too while it runs, under the same leases). ^C or SIGTERM pauses the backfill in the store and waits for
// the executions already started; --resume continues from the stored date.
int BackfillCommand(const runtime::Home& home, const ServerCommands::Options& o) {
  flow::FlowRepository repo = flow::FlowRepository::Scan({home.flows}, runtime::BuiltinRegistry());
  auto loaded = repo.Load(o.key.namespace_, o.key.flow_id);
  if (!loaded.ok()) return Report(loaded.status());
  auto flow = std::make_shared<const flow::Flow>(std::move(*loaded));
  state::TriggerKey key = o.key;
  key.trigger_id = o.trigger;
  const flow::TriggerSpec* trigger = nullptr;
  std::string schedules;
  for (const auto& t : flow->triggers) {
    if (!t.schedule) continue;
    schedules += (schedules.empty() ? "" : ", ") + t.spec.id;
    if (key.trigger_id.empty() ? trigger == nullptr : t.spec.id == key.trigger_id) trigger = &t;
  }
  std::string name = flow->namespace_ + "." + flow->id;
  if (trigger == nullptr)
    return Report(NotFound("flow " + name + " has no Schedule trigger" +
                           (key.trigger_id.empty() ? "" : " '" + key.trigger_id + "'") +
                           (schedules.empty() ? "" : " (it has: " + schedules + ")")));
  if (key.trigger_id.empty() && schedules.find(',') != std::string::npos)
    return Report(InvalidArgument("flow " + name + " has several Schedule triggers (" + schedules + ")")
                      .WithHint("name one with --trigger"));
  key.trigger_id = trigger->spec.id;
  name += "." + key.trigger_id;

  if (o.status || o.pause || o.remove) {
    auto store = runtime::OpenStore(home);
    if (!store.ok()) return Report(store.status());
    if (o.pause) {
      if (Status s = (*store)->SetBackfillPaused(key, true); !s.ok()) return Report(s);
      std::printf("backfill %s: paused\n", name.c_str());
    } else if (o.remove) {
      auto had = (*store)->DeleteBackfill(key);
      if (!had.ok()) return Report(had.status());
      std::printf("backfill %s: %s\n", name.c_str(), *had ? "deleted" : "there was none");
    } else {
      auto b = (*store)->GetBackfill(key);
      if (!b.ok()) return Report(b.status());
      if (!*b) return Report(NotFound("flow trigger " + name + " has no backfill"));
      auto dates = ScheduleDates(*trigger->schedule, (*b)->start, (*b)->end);
      size_t done = std::count_if(dates.begin(), dates.end(), [&](Timestamp d) { return d < (*b)->current; });
      std::printf("backfill %s: %s, date %zu of %zu (%s to %s)\n", name.c_str(),
                  std::string(state::BackfillStatusName((*b)->status)).c_str(), done, dates.size(),
                  FormatTimestamp((*b)->start).c_str(), FormatTimestamp((*b)->end).c_str());
    }
    return kExitOk;
  }

  std::map<std::string, tmpl::Value> inputs;
  Timestamp start{}, end{};
  if (!o.resume) {
    if (o.start.empty() || o.end.empty())
      return Report(InvalidArgument("--start and --end are required (or --resume, --pause, --status, --delete)"));
    auto s = triggers::ParseDateTime(o.start);
    if (!s.ok()) return Report(Status(s.status()).WithContext("--start"));
    auto e = triggers::ParseDateTime(o.end);
    if (!e.ok()) return Report(Status(e.status()).WithContext("--end"));
    start = *s;
    end = *e;
    auto parsed = ParseInputFlags(o.inputs);
    if (!parsed.ok()) return Report(parsed.status());
    inputs = std::move(*parsed);
  }

  sigset_t stop = BlockStopSignals();  // before the runtime starts threads
  auto rt = runtime::Runtime::Open(home);
  if (!rt.ok()) return Report(rt.status());
  state::Store& store = (*rt)->store();
  exec::Executor& executor = (*rt)->executor();
  char host[256] = "floe";
  gethostname(host, sizeof host - 1);
  triggers::Scheduler scheduler(store, executor, SystemClock(),
                                {.owner = std::string(host) + "-" + std::to_string(getpid()) + "-backfill-" + NewId(),
                                 .tick = std::chrono::milliseconds(100)});
  // Only this flow: the scheduler keeps the rows of flows it is not given
  // (it drops only triggers a loaded flow lost), and evaluates no others.
  std::vector<std::shared_ptr<const flow::Flow>> flows = {flow};
  if (Status s = scheduler.SetFlows(flows); !s.ok()) return Report(s);
  if (o.resume) {
    if (Status s = store.SetBackfillPaused(key, false); !s.ok()) return Report(s);
  } else if (Status s = scheduler.StartBackfill(key, start, end, inputs, {}, std::max(1, o.concurrency)); !s.ok()) {
    return Report(s);
  }
  auto stored = store.GetBackfill(key);
  if (!stored.ok() || !*stored)
    return Report(stored.ok() ? NotFound("backfill " + name + " vanished") : stored.status());
  std::vector<Timestamp> dates = ScheduleDates(*trigger->schedule, (*stored)->start, (*stored)->end);
  std::printf("backfill %s: %zu dates from %s to %s\n", name.c_str(), dates.size(),
              FormatTimestamp((*stored)->start).c_str(), FormatTimestamp((*stored)->end).c_str());
  std::fflush(stdout);

  // Start(), not Tick() by hand: the scheduler learns from the executor's
  // events which backfill executions ended and makes room for the next ones.
  scheduler.Start();
  size_t shown = SIZE_MAX;
  int idle_ticks = 0;
  int interrupted = 0;
  while (true) {
    auto b = store.GetBackfill(key);
    if (!b.ok()) return Report(b.status());
    if (!*b) return Report(NotFound("backfill " + name + " was deleted"));
    size_t done = std::count_if(dates.begin(), dates.end(), [&](Timestamp d) { return d < (*b)->current; });
    if (done != shown) {
      std::printf("backfill %s: date %zu of %zu\n", name.c_str(), done, dates.size());
      std::fflush(stdout);
      shown = done;
    }
    bool idle = executor.queued() == 0 && executor.running() == 0;
    idle_ticks = idle ? idle_ticks + 1 : 0;
    if ((*b)->status == state::BackfillStatus::kDone && idle_ticks >= 2) break;
    if ((*b)->status == state::BackfillStatus::kPaused) {
      std::printf("backfill %s: paused (by another process)\n", name.c_str());
      break;
    }
    timespec tick{.tv_sec = 0, .tv_nsec = 100'000'000};
    int sig = sigtimedwait(&stop, nullptr, &tick);
    if (sig > 0) {
      interrupted = sig;
      if (Status s = store.SetBackfillPaused(key, true); !s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
      std::printf(
          "\nbackfill %s: paused at date %zu of %zu; waiting for the executions already started "
          "('floe backfill %s %s --resume' continues)\n",
          name.c_str(), shown, dates.size(), key.namespace_.c_str(), key.flow_id.c_str());
      std::fflush(stdout);
      break;
    }
  }
  scheduler.Stop();
  size_t left = executor.Drain(std::chrono::steady_clock::now() + std::chrono::seconds(interrupted ? 30 : 3600));
  if (left > 0) {
    std::printf("backfill %s: %zu execution(s) still running stay RUNNING for recovery\n", name.c_str(), left);
    std::fflush(nullptr);
    std::_Exit(128 + interrupted);
  }
  if (interrupted) return 128 + interrupted;
  std::printf("backfill %s: done, %zu dates\n", name.c_str(), dates.size());
  return kExitOk;
}

std::optional<int> ServerCommands::Run(const runtime::Home& home, const ServerClient* client) {
  Options& o = *options_;
  if (o.hash_password->parsed()) return HashPasswordCommand();
  if (o.server->parsed()) return ServerCommand(home, o);
  if (o.list->parsed()) return TriggersList(home, o, client);
  if (o.enable->parsed()) return TriggerControl(home, o.key, "enable", client);
  if (o.disable->parsed()) return TriggerControl(home, o.key, "disable", client);
  if (o.unlock->parsed()) return TriggerControl(home, o.key, "unlock", client);
  if (o.backfill->parsed()) return BackfillCommand(home, o);
  return std::nullopt;
}

}  // namespace floe::cli
