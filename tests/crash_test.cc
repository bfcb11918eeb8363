// Crash safety through the real binary: a 30-task flow (Parallel branches,
// a ForEach, shells that append their id to a file) is SIGKILLed at random
// points, 50 times (every other time its recovery is killed too); after
// `floe executions recover` every execution must end SUCCESS, every task that
// completed must have run exactly once, and a task that was interrupted once
// at most twice (in general: once more per interruption).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/floe_process.h"
#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

namespace fs = std::filesystem;

constexpr int kKillPoints = 50;

// Every shell task appends "<task id>[<loop value>]" to the log, then works
// a little, so kills land inside shells as well as between transitions.
std::string Shell(const std::string& id, int indent) {
  std::string pad(indent, ' ');
  return pad + "- id: " + id + "\n" + pad + "  type: io.kestra.plugin.scripts.shell.Commands\n" + pad +
         "  commands:\n" + pad + "    - |\n" + pad + "      echo \"" + id +
         "{{ taskrun.value is defined ? '[' ~ taskrun.value ~ ']' : '' }}\" >> \"{{ inputs.log }}\"\n" + pad +
         "    - sleep 0.01\n";
}

// 30 shell tasks: 2 at the top, a Parallel of 4 branches of 5 shells, a
// ForEach of 3 values over 2 shells (6 runs), and 2 at the end.
std::string CrashFlow() {
  std::string y = "id: crash\nnamespace: floe.crash\ninputs:\n  - id: log\n    type: STRING\ntasks:\n";
  y += Shell("first", 2) + Shell("second", 2);
  y += "  - id: fan\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n";
  for (int b = 1; b <= 4; ++b) {
    y += "      - id: branch" + std::to_string(b) + "\n        type: io.kestra.plugin.core.flow.Sequential\n";
    y += "        tasks:\n";
    for (int t = 1; t <= 5; ++t) y += Shell("b" + std::to_string(b) + "_" + std::to_string(t), 10);
  }
  y += "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n    values: [x, y, z]\n    concurrencyLimit: 2\n";
  y += "    tasks:\n" + Shell("each_a", 6) + Shell("each_b", 6);
  y += Shell("last_but_one", 2) + Shell("last", 2);
  return y;
}

using testing::KillAfter;
using testing::Proc;
using testing::Slurp;
using testing::Start;

TEST(CrashTest, FiftyKillsLoseNothingAndRepeatNothingCompleted) {
  fs::path dir = fs::temp_directory_path() / ("floe_crash_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path flow = dir / "crash.yml";
  std::ofstream(flow) << CrashFlow();
  std::string floe = FLOE_BINARY;
  std::string home = (dir / "home").string();
  std::mt19937 rng(std::random_device{}());
  // One undisturbed run measures how long the flow takes; kills land inside it.
  Proc probe = Start({floe, "--home", home, "run", flow.string(), "--input", "log=" + (dir / "probe.log").string()},
                     dir / "probe.out");
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_FALSE(KillAfter(probe, std::chrono::seconds(60)));
  auto span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_NE(Slurp(dir / "probe.out").find("SUCCESS"), std::string::npos) << Slurp(dir / "probe.out");

  int killed_runs = 0, killed_recoveries = 0;
  for (int round = 0; round < kKillPoints; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    fs::path log = dir / ("round" + std::to_string(round) + ".log");
    std::uniform_int_distribution<int> when(0, static_cast<int>(span.count()));
    Proc run = Start({floe, "--home", home, "run", flow.string(), "--input", "log=" + log.string()}, dir / "run.out");
    killed_runs += KillAfter(run, std::chrono::milliseconds(when(rng)));
    // Half the time the recovery is killed too, before a final one.
    if (round % 2 == 1) {
      Proc again = Start({floe, "--home", home, "executions", "recover"}, dir / "recover.out");
      killed_recoveries += KillAfter(again, std::chrono::milliseconds(when(rng) / 2));
    }
    Proc last = Start({floe, "--home", home, "executions", "recover"}, dir / "recover.out");
    ASSERT_FALSE(KillAfter(last, std::chrono::seconds(120))) << "recovery hung";

    std::string listed = testing::RunShell(floe + " --home '" + home + "' executions list --limit 1 --json").out;
    auto list = tmpl::ParseJson(listed);
    ASSERT_TRUE(list.ok() && list->is_list()) << listed;
    if (list->AsList().empty() || !fs::exists(log)) continue;  // killed before anything started
    std::string id = list->AsList()[0].Get("id")->AsString();
    std::string shown = testing::RunShell(floe + " --home '" + home + "' executions show " + id + " --json").out;
    auto e = tmpl::ParseJson(shown);
    ASSERT_TRUE(e.ok()) << shown;
    if (e->Get("inputs")->Get("log")->AsString() != log.string()) continue;  // this round's run never got created
    ASSERT_EQ(e->Get("state")->AsString(), "SUCCESS") << shown;

    // How often each task (and loop value) appended, and whether one of its
    // attempts was interrupted.
    std::map<std::string, int> appended;
    std::istringstream lines(Slurp(log));
    for (std::string line; std::getline(lines, line);) ++appended[line];
    std::map<std::string, int> interrupted;
    std::map<std::string, int> successes;
    for (const auto& r : e->Get("taskRunList")->AsList()) {
      std::string type = r.Get("type")->AsString();
      if (type != "scripts.Shell") continue;
      std::string name = r.Get("taskId")->AsString();
      if (const auto* v = r.Get("value")) name += "[" + v->AsString() + "]";
      const auto* error = r.Get("error");
      if (error && error->AsString().find("interrupted") != std::string::npos) ++interrupted[name];
      if (r.Get("state")->AsString() == "SUCCESS") ++successes[name];
    }
    ASSERT_EQ(successes.size(), 30u) << shown;
    for (const auto& [name, n] : successes) {
      EXPECT_EQ(n, 1) << name << " succeeded more than once";
      int times = appended[name];
      // Each run beyond the first is the rerun of an interrupted attempt;
      // with one kill per execution, a task runs at most twice.
      EXPECT_GE(times, 1) << name;
      EXPECT_LE(times, 1 + interrupted[name])
          << name << " ran " << times << " times, interrupted " << interrupted[name];
      if (round % 2 == 0) {
        EXPECT_LE(times, 2) << name << " ran more than twice after a single kill";
      }
    }
  }
  // The kills must have landed: most rounds were interrupted.
  EXPECT_GE(killed_runs, kKillPoints / 2);
  RecordProperty("killed_runs", killed_runs);
  RecordProperty("killed_recoveries", killed_recoveries);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace floe
