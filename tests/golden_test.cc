// Golden flows (tests/golden/README.md): each flow runs through the real floe
// binary; its normalized result must equal NAME.expected.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

namespace fs = std::filesystem;

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// Runs the flow and describes what happened without ids or times.
// Flows whose tasks run concurrently say "# golden: unordered": their run
// and log lines are compared sorted.
std::string Normalized(const fs::path& flow, const fs::path& home) {
  std::ifstream source(flow);
  std::string first_line;
  std::getline(source, first_line);
  bool unordered = first_line.find("golden: unordered") != std::string::npos;
  std::string floe =
      std::string(FLOE_BINARY) + " --home '" + home.string() + "' --flows '" + home.string() + "/flows' ";
  testing::CommandResult run = testing::RunShell(floe + "run '" + flow.string() + "' --json 2>/dev/null");
  auto doc = tmpl::ParseJson(run.out);
  if (!doc.ok()) return "floe run printed no JSON:\n" + run.out;
  std::string out = "exit: " + std::to_string(run.exit_code) + "\n";
  out += "state: " + doc->Get("state")->AsString() + "\n";
  std::vector<std::string> runs;
  for (const auto& r : doc->Get("taskRunList")->AsList()) {
    std::string name = r.Get("taskId")->AsString();
    if (const auto* value = r.Get("value")) name += "[" + value->AsString() + "]";
    runs.push_back("run: " + name + " " + std::to_string(r.Get("attempt")->AsInt()) + " " + r.Get("state")->AsString() +
                   "\n");
  }
  if (unordered) std::sort(runs.begin(), runs.end());
  for (const auto& r : runs) out += r;
  out += "output: " + tmpl::ToJson(*doc->Get("outputs")) + "\n";
  testing::CommandResult logs = testing::RunShell(floe + "logs " + doc->Get("id")->AsString());
  std::istringstream lines(logs.out);
  std::string line;
  std::vector<std::string> log_lines;
  while (std::getline(lines, line)) {
    // "14:35:02.123 INFO  task             message"; other lines continue a message.
    bool starts_entry = line.size() > 13 && line[2] == ':' && line[5] == ':' && line[8] == '.' && line[12] == ' ';
    if (!starts_entry) {
      if (!log_lines.empty()) log_lines.back() += "log+ " + line + "\n";
      continue;
    }
    std::istringstream fields(line);
    std::string time, level, task;
    fields >> time >> level >> task;
    std::string message;
    std::getline(fields >> std::ws, message);
    log_lines.push_back("log: " + task + " " + level + " " + message + "\n");
  }
  if (unordered) std::sort(log_lines.begin(), log_lines.end());
  for (const auto& l : log_lines) out += l;
  out = ReplaceAll(out, std::string(FLOE_SOURCE_DIR) + "/", "<src>/");
  out = ReplaceAll(out, home.string(), "<home>");
  // Execution ids (of subflows) differ on every run.
  static const std::regex kId("\\b[0-9A-HJKMNP-TV-Z]{26}\\b");
  return std::regex_replace(out, kId, "<id>");
}

TEST(GoldenTest, Flows) {
  fs::path dir = fs::path(FLOE_SOURCE_DIR) / "tests" / "golden";
  bool update = std::getenv("FLOE_UPDATE_GOLDEN") != nullptr;
  setenv("SECRET_GOLDEN_TOKEN", "cGVhbnV0LWJ1dHRlcg==", 1);  // base64 of "peanut-butter"; labels_secrets.yml
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yml") continue;
    ++count;
    SCOPED_TRACE(entry.path().filename().string());
    fs::path home =
        fs::temp_directory_path() / ("floe_golden_" + std::to_string(getpid()) + "_" + entry.path().stem().string());
    fs::remove_all(home);
    std::string got = Normalized(entry.path(), home);
    fs::remove_all(home);
    fs::path expected_path = entry.path();
    expected_path.replace_extension(".expected");
    if (update) {
      std::ofstream(expected_path) << got;
      continue;
    }
    std::ifstream in(expected_path);
    ASSERT_TRUE(in) << "missing " << expected_path << "; create it with FLOE_UPDATE_GOLDEN=1";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(got, expected.str());
  }
  EXPECT_GT(count, 0);
}

}  // namespace
}  // namespace floe
