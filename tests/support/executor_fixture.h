// ExecutorFixture: the one fixture for tests that run flows through an
// Executor: a scratch folder with a SQLite store, local execution storage
// and an executor over the test's task registry, removed after each test.
//
//   class MyTest : public floe::test_support::ExecutorFixture {
//     const flow::TaskRegistry& Registry() override { return MyRegistry(); }
//   };
//   TEST_F(MyTest, Works) { EXPECT_EQ(Run("id: f\n...").state, state::State::kSuccess); }
//
// Flows may write SHARED for a folder every task of the test can see.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/id.h"
#include "exec/executor.h"
#include "flow/flow.h"
#include "state/store.h"
#include "storage/internal_storage.h"
#include "storage/local_store.h"
#include "tmpl/json.h"

namespace floe::test_support {

class ExecutorFixture : public ::testing::Test {
 protected:
  // The task types the flows may use.
  virtual const flow::TaskRegistry& Registry() = 0;
  // Adjusts the executor's settings before it is built.
  virtual void Tune(exec::ExecutorSettings&) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_test_" + NewId());
    std::filesystem::create_directories(dir_ / "shared");
    auto store = state::OpenSqliteStore(dir_ / "floe.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    storage_ = std::make_unique<storage::InternalStorage>(std::make_shared<storage::LocalStore>(dir_ / "storage"), "");
    exec::ExecutorSettings settings{.lake = dir_ / "lake", .scratch = dir_ / "tmp", .locks = dir_ / "locks"};
    Tune(settings);
    executor_ = std::make_unique<exec::Executor>(*store_, Registry(), *storage_, std::move(settings));
  }
  void TearDown() override {
    executor_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Parses a flow that must load; it lives as long as the test.
  const flow::Flow& Parse(std::string yaml) {
    for (size_t at; (at = yaml.find("SHARED")) != std::string::npos;) yaml.replace(at, 6, (dir_ / "shared").string());
    flow::FlowParse p = flow::ParseFlow(yaml, "flow.yml", Registry());
    EXPECT_TRUE(p.errors.empty()) << (p.errors.empty() ? "" : p.errors[0].ToString());
    flows_.push_back(std::move(*p.flow));
    return flows_.back();
  }

  // Runs a flow to its end and returns the execution as stored.
  state::Execution Run(std::string yaml, std::map<std::string, tmpl::Value> inputs = {}) {
    auto id = executor_->Run(Parse(std::move(yaml)), inputs);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return {};
    return *store_->GetExecution(*id);
  }

  // "task: message" for each of an execution's log lines.
  std::vector<std::string> Messages(const std::string& id) {
    std::vector<std::string> out;
    auto logs = store_->GetLogs(id, 0);
    for (const auto& l : *logs) out.push_back(l.task_id + ": " + l.message);
    return out;
  }

  static int RunsOf(const state::Execution& e, const std::string& task) {
    int n = 0;
    for (const auto& r : e.task_runs) n += r.task_id == task;
    return n;
  }

  static tmpl::Value Outputs(const state::Execution& e, size_t i) {
    return *tmpl::ParseJson(e.task_runs.at(i).outputs_json);
  }

  std::filesystem::path dir_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<storage::InternalStorage> storage_;
  std::unique_ptr<exec::Executor> executor_;
  std::deque<flow::Flow> flows_;
};

}  // namespace floe::test_support
