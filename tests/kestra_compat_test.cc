// A flow written for Kestra, using only core tasks floe has, runs unchanged
// with its io.kestra... type names (tests/flows/kestra/kestra_compat.yml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "tests/support/loopback_http.h"
#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

namespace fs = std::filesystem;

TEST(KestraCompatTest, KestraFlowRunsUnchanged) {
  floe::testing::LoopbackHttpServer api;
  fs::path home = fs::temp_directory_path() / ("floe_kestra_" + std::to_string(getpid()));
  fs::remove_all(home);
  std::string flows = std::string(FLOE_SOURCE_DIR) + "/tests/flows/kestra";
  std::string cmd = std::string(FLOE_BINARY) + " --home '" + home.string() + "' --flows '" + flows + "' run '" + flows +
                    "/kestra_compat.yml' --input api=" + api.url("") + " --json";
  auto [exit_code, out] = testing::RunShell(cmd);
  fs::remove_all(home);
  EXPECT_EQ(exit_code, 0) << out;
  auto e = tmpl::ParseJson(out);
  ASSERT_TRUE(e.ok()) << out;
  EXPECT_EQ(e->Get("state")->AsString(), "SUCCESS") << out;
  EXPECT_EQ(e->Get("outputs")->Get("summary")->AsString(), "200 2 hi data eu");
  std::vector<std::string> ran;
  for (const auto& r : e->Get("taskRunList")->AsList())
    if (r.Get("state")->AsString() == "SUCCESS") ran.push_back(r.Get("taskId")->AsString());
  EXPECT_THAT(ran, ::testing::IsSupersetOf({"hello", "parallel", "seq", "fetch", "store", "each", "check", "is_a",
                                            "not_a", "route", "eu", "wd", "write", "count", "sub", "get"}));
  EXPECT_THAT(ran, ::testing::Not(::testing::Contains("elsewhere")));
}

}  // namespace
}  // namespace floe
