// Processes outliving floe, through the real binary. Shell tasks start
// background grandchildren that append to a file after a while:
//  - floe is SIGKILLed at random points (sometimes its recovery too), then
//    `floe executions recover` finishes the execution: every side effect
//    happened exactly once per task run that completed, and a run that was
//    interrupted wrote nothing after the floe running it died (its
//    orphans were stopped with it);
//  - `floe executions kill` leaves no process of the execution alive,
//    whether floe runs it or died with its keepers (the store's record);
//  - SIGTERM to `floe run` ends the execution KILLED with no process left.
// Processes are checked in /proc, by process group.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/floe_process.h"
#include "tests/support/processes.h"
#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

namespace fs = std::filesystem;
using testing::Proc;
using testing::Slurp;
using testing::Start;

constexpr int kRounds = 10;
// How long after the death of the floe running it a grandchild may still
// be seen writing (scheduling on a loaded machine), at most.
constexpr int64_t kSlackNs = 100'000'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A shell task that records its process group, logs its start, and starts
// two background writers (one holding the task's output, one not) that
// append "<run id> <task> <a|b> <ns>" after a while; it waits for them.
std::string Shell(const std::string& id, int indent) {
  std::string pad(indent, ' ');
  std::string line = "{{ taskrun.id }} " + id;
  return pad + "- id: " + id + "\n" + pad + "  type: io.kestra.plugin.scripts.shell.Commands\n" + pad +
         "  commands:\n" + pad + "    - cut -d' ' -f5 /proc/$$/stat >> \"{{ inputs.pgids }}\"\n" + pad +
         "    - echo \"" + line + " S $(date +%s%N)\" >> \"{{ inputs.log }}\"\n" + pad + "    - (sleep 0.15; echo \"" +
         line + " a $(date +%s%N)\" >> \"{{ inputs.log }}\") &\n" + pad + "    - (sleep 0.25; echo \"" + line +
         " b $(date +%s%N)\" >> \"{{ inputs.log }}\") > /dev/null 2>&1 &\n" + pad + "    - wait\n";
}

std::string Flow() {
  std::string y =
      "id: orphans\nnamespace: floe.crash\ninputs:\n  - id: log\n    type: STRING\n  - id: pgids\n    type: "
      "STRING\ntasks:\n";
  y += Shell("first", 2);
  y += "  - id: fan\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n";
  for (int b = 1; b <= 3; ++b) y += Shell("par" + std::to_string(b), 6);
  y += Shell("last", 2);
  return y;
}

// A flow whose shells never end on their own: background sleepers (one
// ignoring SIGTERM when `stubborn`), then a wait.
std::string EndlessFlow(bool stubborn) {
  std::string y =
      "id: endless\nnamespace: floe.crash\ninputs:\n  - id: pgids\n    type: STRING\ntasks:\n"
      "  - id: fan\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n";
  for (int b = 1; b <= 3; ++b) {
    y += "      - id: sh" + std::to_string(b) +
         "\n        type: io.kestra.plugin.scripts.shell.Commands\n        commands:\n"
         "          - sleep 1000 &\n          - sleep 1000 > /dev/null 2>&1 &\n";
    if (stubborn) y += "          - sh -c 'trap \"\" TERM; sleep 1000' > /dev/null 2>&1 &\n";
    y += "          - cut -d' ' -f5 /proc/$$/stat >> \"{{ inputs.pgids }}\"\n          - wait\n";
  }
  return y;
}

std::vector<pid_t> ReadPgids(const fs::path& file) {
  std::vector<pid_t> out;
  std::istringstream in(Slurp(file));
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

std::vector<pid_t> AliveIn(const std::vector<pid_t>& pgids) {
  std::vector<pid_t> alive;
  for (pid_t g : pgids)
    for (pid_t p : testing::ProcessesInGroup(g)) alive.push_back(p);
  return alive;
}

class ProcessCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floe_procs_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    home_ = (dir_ / "home").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Floe(std::vector<std::string> args) {
    args.insert(args.begin(), {floe_, "--home", home_});
    return args;
  }
  std::string Cli(const std::string& args) {
    return testing::RunShell(floe_ + " --home '" + home_ + "' " + args + " 2>&1").out;
  }
  std::string LatestId() {
    auto list = tmpl::ParseJson(Cli("executions list --limit 1 --json"));
    if (!list.ok() || !list->is_list() || list->AsList().empty()) return "";
    return list->AsList()[0].Get("id")->AsString();
  }
  // Waits until `file` lists `n` process groups.
  std::vector<pid_t> WaitForGroups(const fs::path& file, size_t n) {
    for (int i = 0; i < 1000; ++i) {
      auto pgids = ReadPgids(file);
      if (pgids.size() >= n) return pgids;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ReadPgids(file);
  }

  fs::path dir_;
  std::string home_;
  std::string floe_ = FLOE_BINARY;
};

TEST_F(ProcessCrashTest, KilledFloeLeavesNoOrphanWrites) {
  fs::path flow = dir_ / "orphans.yml";
  std::ofstream(flow) << Flow();
  // One undisturbed run measures how long the flow takes; kills land inside it.
  Proc probe = Start(Floe({"run", flow.string(), "--input", "log=" + (dir_ / "probe.log").string(), "--input",
                           "pgids=" + (dir_ / "probe.pgids").string()}),
                     dir_ / "probe.out");
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_FALSE(testing::KillAfter(probe, std::chrono::seconds(30)));
  auto span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_NE(Slurp(dir_ / "probe.out").find("SUCCESS"), std::string::npos) << Slurp(dir_ / "probe.out");

  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> when(0, static_cast<int>(span.count()));
  std::map<fs::path, std::string> finished_logs;  // each round's log as recovery left it
  int interrupted_runs = 0;
  // A loaded machine shifts where random kills land: past kRounds, go on
  // (up to three times as many rounds) until enough fell inside a task.
  for (int round = 0; round < kRounds || (interrupted_runs < kRounds / 2 && round < 3 * kRounds); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    fs::path log = dir_ / ("round" + std::to_string(round) + ".log");
    fs::path pgids = dir_ / ("round" + std::to_string(round) + ".pgids");
    Proc run =
        Start(Floe({"run", flow.string(), "--input", "log=" + log.string(), "--input", "pgids=" + pgids.string()}),
              dir_ / "run.out");
    // The death times of the floe processes killed this round, in order.
    std::vector<int64_t> deaths;
    if (testing::KillAfter(run, std::chrono::milliseconds(when(rng)))) deaths.push_back(NowNs());
    if (round % 3 == 1) {
      Proc again = Start(Floe({"executions", "recover"}), dir_ / "recover.out");
      if (testing::KillAfter(again, std::chrono::milliseconds(when(rng) / 2))) deaths.push_back(NowNs());
    }
    Proc last = Start(Floe({"executions", "recover"}), dir_ / "recover.out");
    ASSERT_FALSE(testing::KillAfter(last, std::chrono::seconds(60))) << "recovery hung";

    // No process of any of the execution's groups is left.
    EXPECT_TRUE(AliveIn(ReadPgids(pgids)).empty());
    if (!fs::exists(log)) continue;  // killed before the first task started
    std::string id = LatestId();
    auto e = tmpl::ParseJson(Cli("executions show " + id + " --json"));
    ASSERT_TRUE(e.ok());
    if (e->Get("inputs")->Get("log")->AsString() != log.string()) continue;
    ASSERT_EQ(e->Get("state")->AsString(), "SUCCESS") << Cli("executions show " + id);
    std::map<std::string, std::string> state_of;  // task run id -> state
    for (const auto& r : e->Get("taskRunList")->AsList())
      state_of[r.Get("id")->AsString()] = r.Get("state")->AsString();

    struct Lines {
      int64_t start = 0;
      std::map<std::string, std::vector<int64_t>> writes;  // "a"/"b" -> when
    };
    std::map<std::string, Lines> by_run;
    std::istringstream lines(Slurp(log));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream f(line);
      std::string run_id, task, kind;
      int64_t at = 0;
      f >> run_id >> task >> kind >> at;
      ASSERT_TRUE(f) << line;
      if (kind == "S") {
        by_run[run_id].start = at;
      } else {
        by_run[run_id].writes[kind].push_back(at);
      }
    }
    int completed = 0;
    for (const auto& [run_id, l] : by_run) {
      ASSERT_TRUE(state_of.count(run_id)) << run_id;
      if (state_of[run_id] == "SUCCESS") {
        ++completed;
        EXPECT_EQ(l.writes.count("a") ? l.writes.at("a").size() : 0, 1u) << run_id;
        EXPECT_EQ(l.writes.count("b") ? l.writes.at("b").size() : 0, 1u) << run_id;
        continue;
      }
      // Interrupted: what it wrote, it wrote before the floe running it
      // (the first one that died after it started) was gone.
      ++interrupted_runs;
      int64_t death = 0;
      for (int64_t d : deaths)
        if (d >= l.start) {
          death = d;
          break;
        }
      ASSERT_NE(death, 0) << run_id << " (" << state_of[run_id] << ") started after the last kill";
      for (const auto& [kind, ats] : l.writes) {
        for (int64_t at : ats)
          EXPECT_LE(at, death + kSlackNs) << "an orphan of interrupted run " << run_id << " wrote '" << kind << "' "
                                          << (at - death) / 1'000'000 << " ms after its floe died";
      }
    }
    EXPECT_EQ(completed, 5);  // one completed run per shell task
    finished_logs[log] = Slurp(log);
  }
  EXPECT_GE(interrupted_runs, kRounds / 2) << "the kills should land inside shell tasks";
  // Nothing writes after recovery: every log is as recovery left it.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  for (const auto& [log, text] : finished_logs) EXPECT_EQ(Slurp(log), text) << log;
  RecordProperty("interrupted_runs", interrupted_runs);
}

// `floe executions kill` of a running execution returns once every process
// of its tasks is gone, a SIGTERM-ignoring grandchild included.
TEST_F(ProcessCrashTest, KillStopsEveryProcessOfARunningExecution) {
  fs::path flow = dir_ / "endless.yml";
  std::ofstream(flow) << EndlessFlow(/*stubborn=*/true);
  fs::path pgids = dir_ / "pgids";
  Proc run = Start(Floe({"run", flow.string(), "--input", "pgids=" + pgids.string()}), dir_ / "run.out");
  std::vector<pid_t> groups = WaitForGroups(pgids, 3);
  ASSERT_EQ(groups.size(), 3u) << Slurp(dir_ / "run.out");
  ASSERT_GE(AliveIn(groups).size(), 3u * 5);  // per group: keeper, sh, sleep, sleep, the stubborn sh (and its sleep)
  std::string id = LatestId();
  EXPECT_NE(Cli("executions kill " + id).find("KILLED"), std::string::npos);
  EXPECT_TRUE(AliveIn(groups).empty());
  int status = testing::WaitFor(run, std::chrono::seconds(10));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
}

// floe died together with its keepers (as under the OOM killer, or a kill
// of the whole tree): the orphans live on; `floe executions kill` stops
// them from the store's record.
TEST_F(ProcessCrashTest, KillStopsTheOrphansOfADeadFloe) {
  fs::path flow = dir_ / "endless.yml";
  std::ofstream(flow) << EndlessFlow(/*stubborn=*/false);
  fs::path pgids = dir_ / "pgids";
  Proc run = Start(Floe({"run", flow.string(), "--input", "pgids=" + pgids.string()}), dir_ / "run.out");
  std::vector<pid_t> groups = WaitForGroups(pgids, 3);
  ASSERT_EQ(groups.size(), 3u);
  // Stopped first, so it cannot react; then its keepers (the groups'
  // leaders), then floe.
  kill(run.pid, SIGSTOP);
  for (pid_t g : groups) kill(g, SIGKILL);
  kill(run.pid, SIGKILL);
  waitpid(run.pid, nullptr, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_FALSE(AliveIn(groups).empty()) << "the orphans should have outlived floe and their keepers";
  std::string id = LatestId();
  EXPECT_NE(Cli("executions kill " + id).find("KILLED"), std::string::npos);
  EXPECT_TRUE(AliveIn(groups).empty());
}

// SIGTERM (or Ctrl-C) to `floe run` kills the execution: it ends KILLED,
// floe exits 143 (130) saying so, and no process of its tasks is left. A
// second signal exits at once; the keepers still stop the processes.
TEST_F(ProcessCrashTest, SignalsToFloeRunKillTheExecution) {
  fs::path flow = dir_ / "endless.yml";
  std::ofstream(flow) << EndlessFlow(/*stubborn=*/false);
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    fs::path pgids = dir_ / ("pgids" + std::to_string(sig));
    fs::path out = dir_ / ("run" + std::to_string(sig) + ".out");
    Proc run = Start(Floe({"run", flow.string(), "--input", "pgids=" + pgids.string()}), out);
    std::vector<pid_t> groups = WaitForGroups(pgids, 3);
    ASSERT_EQ(groups.size(), 3u);
    kill(run.pid, sig);
    int status = testing::WaitFor(run, std::chrono::seconds(10));
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
    std::string printed = Slurp(out);
    EXPECT_NE(printed.find(std::string("stopped by ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT")), std::string::npos)
        << printed;
    auto e = tmpl::ParseJson(Cli("executions show " + LatestId() + " --json"));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->Get("state")->AsString(), "KILLED");
    EXPECT_TRUE(AliveIn(groups).empty());
  }
  // Twice: floe exits at once; the keepers take the processes with it.
  fs::path pgids = dir_ / "pgids_twice";
  Proc run = Start(Floe({"run", flow.string(), "--input", "pgids=" + pgids.string()}), dir_ / "twice.out");
  std::vector<pid_t> groups = WaitForGroups(pgids, 3);
  ASSERT_EQ(groups.size(), 3u);
  kill(run.pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(run.pid, SIGINT);
  int status = testing::WaitFor(run, std::chrono::seconds(10));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_NE(WEXITSTATUS(status), 0);
  for (int i = 0; i < 100 && !AliveIn(groups).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(AliveIn(groups).empty());
}

}  // namespace
}  // namespace floe
