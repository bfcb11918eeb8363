// Inputs that would cost unbounded memory (YAML alias bombs, templates that
// double a string) end with a clean error under a memory limit, through the
// real binary: never std::bad_alloc, never an execution left RUNNING.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// 1 GB of address space: far more than floe needs for any of these, far
// less than the inputs would take unbounded.
constexpr const char* kMemoryLimit = "ulimit -v 1000000; ";

class LimitsTest : public ::testing::Test {
 public:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floe_limits_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "flows");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

  // floe under the memory limit, with this test's home and flows folder.
  testing::CommandResult Floe(const std::string& args, const std::string& env = "") {
    return testing::RunShell(std::string(kMemoryLimit) + env + " " + FLOE_BINARY + " --home '" +
                             (dir_ / "home").string() + "' --flows '" + (dir_ / "flows").string() + "' " + args +
                             " 2>&1");
  }

  fs::path dir_;
};

std::string AliasBomb() {
  std::string yaml = "id: bomb\nnamespace: floe.tests\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) yaml += (j ? ", *l" : "*l") + std::to_string(i - 1);
    yaml += "]\n";
  }
  return yaml + "tasks:\n  - id: hi\n    type: core.Log\n    message: hi\n";
}

TEST_F(LimitsTest, YamlAliasBombIsACleanErrorEverywhere) {
  fs::path bomb = Write("flows/bomb.yml", AliasBomb());
  Write("flows/fine.yml", "id: fine\nnamespace: floe.tests\ntasks:\n  - id: hi\n    type: core.Log\n    message: hi\n");
  for (std::string command : {"validate", "run"}) {
    auto r = Floe(command + " '" + bomb.string() + "'");
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr(bomb.string() + ":3:"));
    EXPECT_THAT(r.out, HasSubstr("YAML expands to more than 250000 nodes"));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("bad_alloc")));
  }
  // One bad file does not hide the others.
  auto flows = Floe("flows");
  EXPECT_THAT(flows.out, HasSubstr("YAML expands to more than 250000 nodes"));
  EXPECT_THAT(flows.out, HasSubstr("floe.tests.fine"));
}

TEST_F(LimitsTest, DeepNestingIsNestedTooDeeply) {
  for (int depth : {300, 3000, 100000}) {
    fs::path deep = Write(
        "deep.yml", "id: deep\nnamespace: floe.tests\nx: " + std::string(depth, '[') + std::string(depth, ']') + "\n");
    auto r = Floe("validate '" + deep.string() + "'");
    EXPECT_EQ(r.exit_code, 2) << depth << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("YAML nested too deeply (more than 200 levels)")) << depth;
  }
}

constexpr const char* kDoublingFlow = R"(id: doubling
namespace: floe.tests
tasks:
  - id: grow
    type: core.Log
    message: "{% set s = 'ab' %}{% for i in range(0, 40) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}"
  - id: cleanup
    type: core.Log
    message: never reached
errors:
  - id: alert
    type: core.Log
    message: "grow failed"
)";

// The task fails (naming the task and property), its errors branch runs, the
// execution ends FAILED (exit 1, as every failed execution).
TEST_F(LimitsTest, TemplateThatDoublesAStringFailsItsTask) {
  fs::path flow = Write("doubling.yml", kDoublingFlow);
  auto r = Floe("run '" + flow.string() + "' --json");
  ASSERT_EQ(r.exit_code, 1) << r.out;
  std::string json = r.out.substr(r.out.find('{'));
  auto doc = tmpl::ParseJson(json);
  ASSERT_TRUE(doc.ok()) << r.out;
  EXPECT_EQ(doc->Get("state")->AsString(), "FAILED");
  const auto& runs = doc->Get("taskRunList")->AsList();
  ASSERT_EQ(runs.size(), 2u) << json;
  EXPECT_EQ(runs[0].Get("state")->AsString(), "FAILED");
  std::string error = runs[0].Get("error")->AsString();
  EXPECT_THAT(error, HasSubstr("task 'grow' property 'message'"));
  EXPECT_THAT(error, HasSubstr("exceeds the limit of 67108864 bytes"));
  EXPECT_EQ(runs[1].Get("taskId")->AsString(), "alert");
  EXPECT_EQ(runs[1].Get("state")->AsString(), "SUCCESS");
}

TEST_F(LimitsTest, ValueLimitIsConfigurable) {
  fs::path flow = Write("wide.yml", R"(id: wide
namespace: floe.tests
tasks:
  - id: wide
    type: core.Return
    format: "{{ 'x' * 2000000 }}"
)");
  auto defaults = Floe("run '" + flow.string() + "'");
  EXPECT_EQ(defaults.exit_code, 0) << defaults.out;
  auto limited = Floe("run '" + flow.string() + "'", "FLOE_MAX_VALUE_BYTES=1MiB");
  EXPECT_EQ(limited.exit_code, 1) << limited.out;
  EXPECT_THAT(limited.out, HasSubstr("task 'wide' property 'format'"));
  EXPECT_THAT(limited.out, HasSubstr("exceeds the output limit"));
  auto bad = Floe("run '" + flow.string() + "'", "FLOE_MAX_VALUE_BYTES=lots");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.out, HasSubstr("$FLOE_MAX_VALUE_BYTES: 'lots' is not a size such as 1048576, 512KiB or 64MiB"));
}

}  // namespace
}  // namespace floe
