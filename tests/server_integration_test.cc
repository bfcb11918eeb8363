// Starts the real `floe server` on loopback (port 0, the port read from its
// output), each test with its own home and flows folder, and drives it over
// HTTP (curl) and with the floe CLI against the same home.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "core/time.h"
#include "tests/support/floe_process.h"
#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct HttpResult {
  int status = 0;
  std::string body;
};

class ServerTest : public ::testing::Test {
 public:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("floe_server_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(flows());
  }
  void TearDown() override {
    if (server_.pid > 0) {
      kill(server_.pid, SIGKILL);
      testing::WaitFor(server_, std::chrono::seconds(5));
    }
    fs::remove_all(root_);
  }

  fs::path home() const { return root_ / "home"; }
  fs::path flows() const { return root_ / "flows"; }
  fs::path log() const { return root_ / ("server" + std::to_string(starts_) + ".log"); }

  void WriteFlow(const std::string& name, const std::string& yaml) { std::ofstream(flows() / name) << yaml; }

  // Starts `floe server --port 0` and waits for its listening line; returns
  // how long that took.
  std::chrono::milliseconds StartServer(const std::vector<std::string>& extra = {}) {
    ++starts_;
    std::vector<std::string> args = {FLOE_BINARY, "--home", home().string(), "server",
                                     "--port",    "0",      "--flows",       flows().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto t0 = Clock::now();
    server_ = testing::Start(args, log());
    std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    while (Clock::now() - t0 < std::chrono::seconds(20)) {
      std::smatch m;
      std::string out = testing::Slurp(log());
      if (std::regex_search(out, m, listening)) {
        port_ = std::stoi(m[1]);
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ADD_FAILURE() << "the server did not start:\n" << testing::Slurp(log());
    return {};
  }

  // Sends SIGTERM and returns the exit code (-1: it did not exit in time).
  int StopServer(int sig = SIGTERM, std::chrono::seconds limit = std::chrono::seconds(30)) {
    kill(server_.pid, sig);
    int status = testing::WaitFor(server_, limit);
    server_.pid = -1;
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  HttpResult Http(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& headers = "") {
    std::string cmd = "curl -s -m 30 -o - -w '\\n%{http_code}' -X " + method + " " + headers;
    if (!body.empty()) cmd += " -H 'Content-Type: application/json' --data-binary '" + body + "'";
    cmd += " 'http://127.0.0.1:" + std::to_string(port_) + path + "'";
    testing::CommandResult r = testing::RunShell(cmd);
    HttpResult out;
    size_t nl = r.out.rfind('\n');
    if (nl == std::string::npos) return out;
    out.status = std::atoi(r.out.c_str() + nl + 1);
    out.body = r.out.substr(0, nl);
    return out;
  }

  testing::CommandResult Floe(const std::string& args) {
    return testing::RunShell(std::string(FLOE_BINARY) + " --home '" + home().string() + "' --flows '" +
                             flows().string() + "' " + args + " 2>&1");
  }

  tmpl::Value Json(const std::string& text) {
    auto v = tmpl::ParseJson(text);
    EXPECT_TRUE(v.ok()) << text;
    return v.ok() ? *v : tmpl::Value();
  }

  // The execution as `floe executions show --json` prints it, once it is in
  // one of `states` (or after `limit`).
  tmpl::Value WaitForExecution(const std::string& id, std::set<std::string> states = {"SUCCESS", "FAILED"},
                               std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto deadline = Clock::now() + limit;
    tmpl::Value last;
    while (Clock::now() < deadline) {
      auto r = Floe("executions show " + id + " --json");
      if (r.exit_code == 0) {
        last = Json(r.out);
        if (last.is_map() && states.count(last.AsMap().Find("state")->AsString())) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "execution " << id << " not in an expected state: " << tmpl::ToJson(last);
    return last;
  }

  // Every execution of a flow (`floe executions list --json`).
  std::vector<tmpl::Value> Executions(const std::string& flow_id) {
    auto r = Floe("executions list --flow " + flow_id + " --limit 10000 --json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    tmpl::Value v = Json(r.out);
    return v.is_list() ? v.AsList() : std::vector<tmpl::Value>{};
  }

  static std::string Get(const tmpl::Value& v, std::initializer_list<std::string_view> path) {
    const tmpl::Value* at = &v;
    for (auto key : path) {
      if (!at->is_map()) return "";
      at = at->AsMap().Find(key);
      if (!at) return "";
    }
    return at->is_string() ? at->AsString() : tmpl::ToJson(*at);
  }

  fs::path root_;
  testing::Proc server_;
  int port_ = 0;
  int starts_ = 0;
};

// "2026-01-01T00:00:05Z" (what trigger.date renders as, maybe with fractions).
std::optional<Timestamp> ParseTimestampForTest(const std::string& text) {
  std::tm tm{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

constexpr char kWebhookFlow[] = R"(id: hook
namespace: test.server
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "x={{ trigger.body.x }} q={{ trigger.parameters.q[0] }}"
outputs:
  - id: echoed
    type: STRING
    value: "{{ outputs.echo.value }}"
triggers:
  - id: web
    type: io.kestra.plugin.core.trigger.Webhook
    key: s3cr3t
  - id: waiting
    type: io.kestra.plugin.core.trigger.Webhook
    key: wait-key
    wait: true
  - id: returning
    type: io.kestra.plugin.core.trigger.Webhook
    key: outputs-key
    wait: true
    returnOutputs: true
)";

TEST_F(ServerTest, HealthReadinessAndMetricsAnswerSoonAfterStart) {
  auto started = StartServer();
  // Healthy: the first successful health check after the fork.
  auto t0 = Clock::now();
  HttpResult health = Http("GET", "/api/v1/health");
  auto health_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  std::printf("floe server: listening line after %lld ms (fork to line), first health answer +%lld ms\n",
              static_cast<long long>(started.count()), static_cast<long long>(health_ms.count()));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"UP"})");
  EXPECT_EQ(Http("GET", "/api/v1/main/health").status, 200);
  HttpResult other = Http("GET", "/api/v1/acme/health");
  EXPECT_EQ(other.status, 404);
  EXPECT_THAT(other.body, HasSubstr("unknown tenant 'acme'"));
  EXPECT_EQ(Http("GET", "/health/readiness").status, 200);
  HttpResult metrics = Http("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("floe_executor_queue_depth 0"));
  EXPECT_THAT(metrics.body, HasSubstr("floe_executor_running 0"));
  EXPECT_THAT(metrics.body, HasSubstr("floe_scheduler_lag_seconds"));
  EXPECT_THAT(metrics.body, HasSubstr("floe_triggers_fired_total"));
  EXPECT_EQ(StopServer(), 0);
  EXPECT_THAT(testing::Slurp(log()), HasSubstr("stopped"));
}

TEST_F(ServerTest, ConfigFileErrorsNameTheirPlace) {
  std::ofstream(root_ / "server.yml") << "server:\n  port: 0\n  prot: 9\n";
  auto r = Floe("server --config '" + (root_ / "server.yml").string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("server.yml:3:3: unknown key 'server.prot'"));
}

TEST_F(ServerTest, WebhookFiresTheFlowWithItsBodyAndParameters) {
  WriteFlow("hook.yml", kWebhookFlow);
  WriteFlow("broken.yml", "id: broken\nnamespace: test.server\ntasks:\n  - id: a\n    type: core.Nope\n");
  StartServer();
  EXPECT_THAT(testing::Slurp(log()), HasSubstr("broken.yml:5:11"));  // reported, skipped; the server runs

  HttpResult r = Http("POST", "/api/v1/executions/webhook/test.server/hook/s3cr3t?q=one&q=two", R"({"x":"hello"})");
  ASSERT_EQ(r.status, 200) << r.body;
  tmpl::Value execution = Json(r.body);
  EXPECT_EQ(Get(execution, {"namespace"}), "test.server");
  EXPECT_EQ(Get(execution, {"flowId"}), "hook");
  std::string id = Get(execution, {"id"});
  tmpl::Value done = WaitForExecution(id);
  EXPECT_EQ(Get(done, {"state"}), "SUCCESS");
  EXPECT_EQ(Get(done, {"outputs", "echoed"}), "x=hello q=one");
  EXPECT_EQ(Get(done, {"trigger", "body", "x"}), "hello");

  EXPECT_EQ(Http("POST", "/api/v1/main/executions/webhook/test.server/hook/s3cr3t", R"({"x":"t"})").status, 200);
  EXPECT_EQ(Http("POST", "/api/v1/executions/webhook/test.server/hook/wrong", "{}").status, 404);
  EXPECT_EQ(Http("GET", "/api/v1/executions/webhook/test.server/nope/s3cr3t").status, 404);
  EXPECT_THAT(Http("GET", "/metrics").body, HasSubstr("floe_executions_total{state=\"SUCCESS\"}"));
  EXPECT_EQ(StopServer(), 0);
}

TEST_F(ServerTest, WebhookWithWaitAnswersTheEndedExecution) {
  WriteFlow("hook.yml", kWebhookFlow);
  StartServer();
  HttpResult r = Http("PUT", "/api/v1/executions/webhook/test.server/hook/wait-key?q=w", R"({"x":"w"})");
  ASSERT_EQ(r.status, 200) << r.body;
  tmpl::Value execution = Json(r.body);
  EXPECT_EQ(Get(execution, {"state", "current"}), "SUCCESS");
  EXPECT_EQ(Get(execution, {"outputs", "echoed"}), "x=w q=w");

  HttpResult outputs = Http("POST", "/api/v1/executions/webhook/test.server/hook/outputs-key?q=o", R"({"x":"o"})");
  ASSERT_EQ(outputs.status, 200) << outputs.body;
  EXPECT_EQ(Get(Json(outputs.body), {"echoed"}), "x=o q=o");

  // Sequential latency of waited webhooks (1-task flow), for the record.
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    EXPECT_EQ(Http("POST", "/api/v1/executions/webhook/test.server/hook/wait-key?q=1", R"({"x":1})").status, 200);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("waited webhook round trip (curl included): p50 %.1f ms, max %.1f ms\n", ms[ms.size() / 2], ms.back());
  EXPECT_EQ(StopServer(), 0);
}

TEST_F(ServerTest, FlowDroppedIntoTheFolderIsPickedUp) {
  StartServer();
  EXPECT_EQ(Http("POST", "/api/v1/executions/webhook/test.server/hook/s3cr3t", "{}").status, 404);
  WriteFlow("hook.yml", kWebhookFlow);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (Clock::now() < deadline &&
         (status = Http("POST", "/api/v1/executions/webhook/test.server/hook/s3cr3t", R"({"x":1})").status) != 200)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(status, 200);
  EXPECT_THAT(testing::Slurp(log()), HasSubstr("flow reloaded test.server.hook"));
  // A change that does not load keeps the previous version.
  WriteFlow("hook.yml", "id: hook\nnamespace: test.server\ntasks: [oops\n");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(Http("POST", "/api/v1/executions/webhook/test.server/hook/s3cr3t", R"({"x":1})").status, 200);
  EXPECT_THAT(testing::Slurp(log()), HasSubstr("previous version of test.server.hook keeps running"));
  fs::remove(flows() / "hook.yml");
  deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline &&
         (status = Http("POST", "/api/v1/executions/webhook/test.server/hook/s3cr3t", "{}").status) != 404)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(status, 404);
  EXPECT_EQ(StopServer(), 0);
}

TEST_F(ServerTest, SigtermDuringARunningTaskEndsCleanlyAndTheNextStartRecoversIt) {
  WriteFlow("slow.yml", R"(id: slow
namespace: test.server
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3S
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: done
triggers:
  - id: go
    type: io.kestra.plugin.core.trigger.Webhook
    key: go
)");
  StartServer({"--shutdown-grace", "PT0.5S"});
  HttpResult r = Http("POST", "/api/v1/executions/webhook/test.server/slow/go");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string id = Get(Json(r.body), {"id"});
  WaitForExecution(id, {"RUNNING"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(StopServer(SIGTERM), 0);
  std::string out = testing::Slurp(log());
  EXPECT_THAT(out, HasSubstr("SIGTERM: stopping"));
  EXPECT_THAT(out, HasSubstr("stay RUNNING"));
  EXPECT_EQ(Get(Json(Floe("executions show " + id + " --json").out), {"state"}), "RUNNING");

  StartServer();
  tmpl::Value done = WaitForExecution(id);
  EXPECT_EQ(Get(done, {"state"}), "SUCCESS");
  EXPECT_THAT(testing::Slurp(log()), HasSubstr("recovering execution " + id));
  EXPECT_EQ(StopServer(), 0);
}

// The server fails a Pause (without pauseDuration) once its timeout has
// passed, as Kestra's executor does; the execution goes on from there.
TEST_F(ServerTest, APauseTimeoutIsEnforcedByTheServer) {
  WriteFlow("approval.yml", R"(id: approval
namespace: test.server
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT1S
    allowFailure: true
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: went on
triggers:
  - id: ask
    type: io.kestra.plugin.core.trigger.Webhook
    key: ask
)");
  StartServer();
  HttpResult r = Http("POST", "/api/v1/executions/webhook/test.server/approval/ask");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string id = Get(Json(r.body), {"id"});
  WaitForExecution(id, {"PAUSED"});
  tmpl::Value done = WaitForExecution(id, {"SUCCESS", "WARNING", "FAILED"});
  // allowFailure: the timed-out Pause ends WARNING and the next task runs.
  EXPECT_EQ(Get(done, {"state"}), "WARNING");
  EXPECT_THAT(testing::Slurp(log()), HasSubstr("execution " + id + ": a pause timed out"));
  EXPECT_THAT(Floe("logs " + id).out, HasSubstr("paused longer than its timeout (PT1S)"));
  EXPECT_EQ(StopServer(), 0);
}

constexpr char kDailyFlow[] = R"(id: daily
namespace: test.server
tasks:
  - id: day
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
triggers:
  - id: every_day
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * *"
)";

TEST_F(ServerTest, TriggersListDisableEnableUnlock) {
  WriteFlow("daily.yml", kDailyFlow);
  StartServer();
  EXPECT_EQ(StopServer(), 0);
  auto list = Floe("triggers list --json");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  tmpl::Value rows = Json(list.out);
  ASSERT_TRUE(rows.is_list() && rows.AsList().size() == 1) << list.out;
  EXPECT_EQ(Get(rows.AsList()[0], {"triggerId"}), "every_day");
  EXPECT_EQ(Get(rows.AsList()[0], {"enabled"}), "true");
  EXPECT_EQ(Floe("triggers disable test.server daily every_day").exit_code, 0);
  EXPECT_EQ(Get(Json(Floe("triggers list --json").out).AsList()[0], {"enabled"}), "false");
  EXPECT_THAT(Floe("triggers list").out, HasSubstr("every_day"));
  EXPECT_EQ(Floe("triggers enable test.server daily every_day").exit_code, 0);
  EXPECT_EQ(Get(Json(Floe("triggers list --json").out).AsList()[0], {"enabled"}), "true");
  EXPECT_THAT(Floe("triggers unlock test.server daily every_day").out, HasSubstr("was not leased"));
  auto missing = Floe("triggers disable test.server daily nope");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("floe triggers list"));
}

TEST_F(ServerTest, BackfillOfAMonthCreatesOneExecutionPerDay) {
  WriteFlow("daily.yml", kDailyFlow);
  auto r = Floe("backfill test.server daily --start 2026-01-01T00:00:00Z --end 2026-01-30T00:00:00Z --concurrency 4");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("date 30 of 30"));
  std::vector<tmpl::Value> executions = Executions("daily");
  EXPECT_EQ(executions.size(), 30u);
  std::set<std::string> dates;
  for (const auto& e : executions) {
    EXPECT_EQ(Get(e, {"state"}), "SUCCESS");
    dates.insert(Get(e, {"trigger", "date"}));
  }
  EXPECT_EQ(dates.size(), 30u);
  EXPECT_EQ(*dates.begin(), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(*dates.rbegin(), "2026-01-30T00:00:00.000Z");
}

TEST_F(ServerTest, FlowTriggersChainThreeFlowsOncePerUpstreamRun) {
  WriteFlow("a.yml", R"(id: a
namespace: test.chain
tasks:
  - id: one
    type: io.kestra.plugin.core.debug.Return
    format: a
triggers:
  - id: go
    type: io.kestra.plugin.core.trigger.Webhook
    key: go
    wait: true
)");
  WriteFlow("b.yml", R"(id: b
namespace: test.chain
tasks:
  - id: one
    type: io.kestra.plugin.core.debug.Return
    format: "after {{ trigger.executionId }}"
triggers:
  - id: after_a
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: a_done
      flows:
        - namespace: test.chain
          flowId: a
          states: [SUCCESS]
)");
  WriteFlow("c.yml", R"(id: c
namespace: test.chain
tasks:
  - id: one
    type: io.kestra.plugin.core.debug.Return
    format: c
triggers:
  - id: after_a_and_b
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: a_and_b
      flows:
        - namespace: test.chain
          flowId: a
          states: [SUCCESS]
        - namespace: test.chain
          flowId: b
          states: [SUCCESS]
)");
  StartServer();
  constexpr size_t kRuns = 3;
  std::set<std::string> a_ids;
  for (size_t i = 0; i < kRuns; ++i) {
    HttpResult r = Http("POST", "/api/v1/executions/webhook/test.chain/a/go");
    ASSERT_EQ(r.status, 200) << r.body;
    a_ids.insert(Get(Json(r.body), {"id"}));
    // Let the chain finish before the next run, so each run's window holds one A and one B.
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline && Executions("c").size() < i + 1)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // nothing more comes
  std::vector<tmpl::Value> b = Executions("b"), c = Executions("c");
  EXPECT_EQ(b.size(), kRuns);
  EXPECT_EQ(c.size(), kRuns);
  std::set<std::string> upstream;
  for (const auto& e : b) upstream.insert(Get(e, {"trigger", "executionId"}));
  EXPECT_EQ(upstream, a_ids);
  EXPECT_EQ(StopServer(), 0);
}

TEST_F(ServerTest, ScheduleWithSecondsFiresEverySecond) {
  WriteFlow("tick.yml", R"(id: tick
namespace: test.server
tasks:
  - id: t
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
)");
  StartServer();
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));
  EXPECT_EQ(StopServer(), 0);
  std::vector<tmpl::Value> executions = Executions("tick");
  std::set<std::string> dates;
  for (const auto& e : executions) dates.insert(Get(e, {"trigger", "date"}));
  EXPECT_EQ(dates.size(), executions.size()) << "a date fired twice";
  EXPECT_GE(executions.size(), 4u);
  EXPECT_LE(executions.size(), 7u);
}

TEST_F(ServerTest, SigkillMidScheduleAndRestartNeitherMissesNorDuplicates) {
  WriteFlow("tick.yml", R"(id: tick
namespace: test.server
tasks:
  - id: t
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
    recoverMissedSchedules: ALL
)");
  StartServer();
  std::this_thread::sleep_for(std::chrono::milliseconds(3300));
  EXPECT_EQ(StopServer(SIGKILL), -1);  // killed: no exit code
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  // The dead server's lease would hold the trigger for its 30 s; unlocking
  // is how an operator hands it over at once (the firing ids still keep a
  // date from firing twice).
  EXPECT_THAT(Floe("triggers unlock test.server tick every_second").out, HasSubstr("lease freed"));
  StartServer();
  std::this_thread::sleep_for(std::chrono::milliseconds(3300));
  EXPECT_EQ(StopServer(), 0);
  std::map<std::string, int> per_date;
  for (const auto& e : Executions("tick")) ++per_date[Get(e, {"trigger", "date"})];
  ASSERT_GE(per_date.size(), 6u);
  for (const auto& [date, n] : per_date) EXPECT_EQ(n, 1) << date << " fired " << n << " times";
  // No second is missing between the first and the last firing (ALL recovers the ones while it was down).
  std::vector<Timestamp> times;
  for (const auto& [date, n] : per_date) {
    auto t = ParseTimestampForTest(date);
    if (t) times.push_back(*t);
  }
  ASSERT_EQ(times.size(), per_date.size());
  std::sort(times.begin(), times.end());
  auto span = std::chrono::duration_cast<std::chrono::seconds>(times.back() - times.front()).count();
  EXPECT_EQ(static_cast<size_t>(span) + 1, times.size()) << "some seconds were missed";
}

TEST_F(ServerTest, BackfillPausesOnSigintAndResumes) {
  WriteFlow("daily.yml", R"(id: daily
namespace: test.server
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.2S
triggers:
  - id: every_day
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * *"
)");
  testing::Proc backfill =
      testing::Start({FLOE_BINARY, "--home", home().string(), "--flows", flows().string(), "backfill", "test.server",
                      "daily", "--start", "2026-01-01T00:00:00Z", "--end", "2026-01-30T00:00:00Z"},
                     root_ / "backfill.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(backfill.pid, SIGINT);
  int status = testing::WaitFor(backfill, std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  EXPECT_THAT(testing::Slurp(root_ / "backfill.log"), HasSubstr("--resume' continues"));
  size_t before = Executions("daily").size();
  EXPECT_GT(before, 0u);
  EXPECT_LT(before, 30u);
  EXPECT_THAT(Floe("backfill test.server daily --status").out, HasSubstr("PAUSED"));
  auto resumed = Floe("backfill test.server daily --resume");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out;
  EXPECT_THAT(resumed.out, HasSubstr("date 30 of 30"));
  std::set<std::string> dates;
  for (const auto& e : Executions("daily")) dates.insert(Get(e, {"trigger", "date"}));
  EXPECT_EQ(dates.size(), 30u);
  EXPECT_EQ(Executions("daily").size(), 30u);
}

}  // namespace
}  // namespace floe
