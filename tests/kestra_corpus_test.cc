// The Kestra flow corpus (tests/kestra_corpus/README.md): each flow, written
// as Kestra's documentation writes flows, runs through the real floe binary
// and must reach what its NAME.expect says Kestra reaches.
// FLOE_CORPUS_FILTER=text runs only the flows whose name contains `text`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/loopback_http.h"
#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

namespace fs = std::filesystem;

struct Expectations {
  std::string pending;  // what floe lacks for this flow to reach Kestra's result
  std::string args;
  std::string state;
  std::vector<std::string> tasks;                                 // "id[value] STATE"
  std::vector<std::pair<std::string, std::string>> outputs;       // path, "= json" or "~ regex"
  std::vector<std::pair<std::string, std::string>> flow_outputs;  // name, "= json"
  std::vector<std::string> logs;                                  // "task LEVEL message"
};

std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

// "path = json" or "path ~ regex" -> {path, "= json"}.
std::pair<std::string, std::string> SplitCheck(const std::string& text) {
  size_t at = text.find_first_of("=~");
  if (at == std::string::npos) return {text, ""};
  return {Trim(text.substr(0, at)), text.substr(at)};
}

Expectations ReadExpectations(const fs::path& path, std::string& error) {
  Expectations e;
  std::ifstream in(path);
  if (!in) {
    error = "missing " + path.string();
    return e;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      error = path.filename().string() + ":" + std::to_string(number) + ": expected 'key: value'";
      return e;
    }
    std::string key = line.substr(0, colon);
    std::string value = Trim(line.substr(colon + 1));
    if (key == "pending") {
      e.pending = value;
    } else if (key == "differs") {
      // floe differs from Kestra here on purpose (docs/KESTRA_SEMANTICS.md):
      // the lines below stay Kestra's result, and floe must not reach it.
      e.pending = "on purpose: " + value;
    } else if (key == "args") {
      e.args = value;
    } else if (key == "state") {
      e.state = value;
    } else if (key == "task") {
      e.tasks.push_back(value);
    } else if (key == "output") {
      e.outputs.push_back(SplitCheck(value));
    } else if (key == "flow_output") {
      e.flow_outputs.push_back(SplitCheck(value));
    } else if (key == "log") {
      e.logs.push_back(value);
    } else {
      error = path.filename().string() + ":" + std::to_string(number) + ": unknown key '" + key + "'";
      return e;
    }
  }
  if (e.state.empty()) error = path.filename().string() + ": no 'state:' line";
  return e;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string RunName(const tmpl::Value& run) {
  std::string name = run.Get("taskId")->AsString();
  if (const auto* value = run.Get("value")) name += "[" + value->AsString() + "]";
  return name;
}

// Checks `got` against "= json" or "~ regex"; empty when it holds.
std::string Check(const std::string& what, const tmpl::Value* got, const std::string& check) {
  if (check.empty()) return what + ": no '= json' or '~ regex'";
  std::string expected = Trim(check.substr(1));
  if (!got) return what + ": missing";
  if (check[0] == '~') {
    std::string text = got->is_string() ? got->AsString() : tmpl::ToJson(*got);
    if (std::regex_search(text, std::regex(expected))) return "";
    return what + ": " + text + " does not match " + expected;
  }
  auto want = tmpl::ParseJson(expected);
  if (!want.ok()) return what + ": bad expected JSON " + expected;
  if (got->Equals(*want)) return "";
  return what + ": got " + tmpl::ToJson(*got) + ", expected " + expected;
}

// Runs one corpus flow; returns its mismatches (empty when it matches).
std::vector<std::string> RunCorpusFlow(const fs::path& flow, const std::string& api, std::string& pending) {
  std::string error;
  fs::path expect_path = flow;
  expect_path.replace_extension(".expect");
  Expectations e = ReadExpectations(expect_path, error);
  if (!error.empty()) return {error};
  pending = e.pending;
  fs::path home = fs::temp_directory_path() / ("floe_corpus_" + std::to_string(getpid()) + "_" + flow.stem().string());
  fs::remove_all(home);
  // Subflow targets are copied into the run's own flows folder, where
  // namespace files (<flows>/_files/) may be written too.
  fs::path flows = home / "flows";
  fs::create_directories(flows);
  for (const auto& entry : fs::directory_iterator(flow.parent_path() / "subflows"))
    fs::copy_file(entry.path(), flows / entry.path().filename());
  std::string subflows = flows.string();
  std::string cmd = std::string(FLOE_BINARY) + " --home '" + home.string() + "' --flows '" + subflows + "' run '" +
                    flow.string() + "' --json " + ReplaceAll(e.args, "$API", api) + " 2>&1";
  testing::CommandResult run = testing::RunShell(cmd);
  std::vector<std::string> problems;
  size_t json_start = run.out.find("{\n");
  auto doc = tmpl::ParseJson(json_start == std::string::npos ? run.out : run.out.substr(json_start));
  if (!doc.ok()) {
    fs::remove_all(home);
    return {"floe run printed no execution:\n" + run.out};
  }
  if (doc->Get("state")->AsString() != e.state)
    problems.push_back("state " + doc->Get("state")->AsString() + ", expected " + e.state);

  // Kestra keeps one task run with a list of attempts where floe records a
  // run per attempt: a retry's run stands in for the attempt before it.
  std::vector<std::string> got_tasks;
  std::vector<std::pair<std::string, int64_t>> got_attempts;  // name, attempt
  for (const auto& r : doc->Get("taskRunList")->AsList()) {
    std::string name = RunName(r);
    int64_t attempt = r.Get("attempt")->AsInt();
    size_t replaced = got_tasks.size();
    for (size_t i = got_attempts.size(); attempt > 1 && i-- > 0;)
      if (got_attempts[i] == std::make_pair(name, attempt - 1)) {
        replaced = i;
        break;
      }
    std::string entry = name + " " + r.Get("state")->AsString();
    if (replaced < got_tasks.size()) {
      got_tasks[replaced] = entry;
      got_attempts[replaced].second = attempt;
    } else {
      got_tasks.push_back(entry);
      got_attempts.emplace_back(name, attempt);
    }
  }
  std::vector<std::string> want_tasks = e.tasks;
  std::sort(got_tasks.begin(), got_tasks.end());
  std::sort(want_tasks.begin(), want_tasks.end());
  if (got_tasks != want_tasks) {
    std::string text = "task runs differ:\n  got:     ";
    for (const auto& t : got_tasks) text += t + "; ";
    text += "\n  expected: ";
    for (const auto& t : want_tasks) text += t + "; ";
    problems.push_back(text);
  }

  for (const auto& [path, check] : e.outputs) {
    // "id[value].a.b": the run named by the part before the first dot outside brackets.
    size_t close = path.find(']');
    size_t dot = path.find('.', close == std::string::npos ? 0 : close);
    std::string run_name = path.substr(0, dot);
    const tmpl::Value* got = nullptr;
    for (const auto& r : doc->Get("taskRunList")->AsList()) {
      if (RunName(r) != run_name) continue;
      got = r.Get("outputs");
      std::string rest = dot == std::string::npos ? "" : path.substr(dot + 1);
      std::istringstream keys(rest);
      std::string key;
      while (got && std::getline(keys, key, '.')) got = got->is_list() ? nullptr : got->Get(key);
    }
    std::string problem = Check("output " + path, got, check);
    if (!problem.empty()) problems.push_back(problem);
  }
  for (const auto& [name, check] : e.flow_outputs) {
    std::string problem = Check("flow output " + name, doc->Get("outputs")->Get(name), check);
    if (!problem.empty()) problems.push_back(problem);
  }

  if (!e.logs.empty()) {
    std::string floe = std::string(FLOE_BINARY) + " --home '" + home.string() + "' ";
    testing::CommandResult logs = testing::RunShell(floe + "logs " + doc->Get("id")->AsString());
    std::vector<std::string> got_logs;
    std::istringstream lines(logs.out);
    std::string line;
    while (std::getline(lines, line)) {
      // "14:35:02.123 INFO  task             message"
      std::istringstream fields(line);
      std::string time, level, task, message;
      fields >> time >> level >> task;
      std::getline(fields >> std::ws, message);
      got_logs.push_back(task + " " + level + " " + message);
    }
    for (const auto& want : e.logs) {
      if (std::find(got_logs.begin(), got_logs.end(), want) == got_logs.end())
        problems.push_back("no log line '" + want + "' in:\n" + logs.out);
    }
  }
  fs::remove_all(home);
  if (!problems.empty() && run.exit_code != 0) problems.push_back("floe printed:\n" + run.out);
  return problems;
}

TEST(KestraCorpusTest, EveryFlowReachesWhatKestraReaches) {
  testing::LoopbackHttpServer api;
  setenv("SECRET_CORPUS_TOKEN", "Y29ycHVzLXNlY3JldA==", 1);  // base64 of "corpus-secret"
  fs::path dir = fs::path(FLOE_SOURCE_DIR) / "tests" / "kestra_corpus";
  const char* filter = std::getenv("FLOE_CORPUS_FILTER");
  std::vector<fs::path> flows;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".yml") flows.push_back(entry.path());
  std::sort(flows.begin(), flows.end());
  int reached = 0;
  std::string pending_list;
  for (const auto& flow : flows) {
    if (filter && flow.stem().string().find(filter) == std::string::npos) continue;
    std::string pending;
    std::vector<std::string> problems = RunCorpusFlow(flow, api.url(""), pending);
    std::string text;
    for (const auto& p : problems) text += "\n  " + p;
    if (!pending.empty()) {
      // Kestra's result stays the expectation; floe must not reach it by
      // accident, or the flow is no longer pending.
      EXPECT_FALSE(problems.empty()) << flow.filename().string() << " reaches Kestra's result: remove its 'pending:'";
      pending_list += "\n  " + flow.stem().string() + ": " + pending;
      continue;
    }
    ++reached;
    EXPECT_TRUE(problems.empty()) << flow.filename().string() << ":" << text;
  }
  if (!pending_list.empty()) std::cout << "pending (floe lacks, or differs on purpose):" << pending_list << "\n";
  if (!filter) {
    EXPECT_GE(reached, 60) << "at least 60 flows reach what Kestra reaches";
  }
}

}  // namespace
}  // namespace floe
