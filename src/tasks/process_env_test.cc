#include "tasks/process_env.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace floe::tasks {
namespace {

using ::testing::ElementsAre;

TEST(ProcessEnvironmentTest, WithholdsSecretsAndCredentialsUnlessTheFlowPassesThem) {
  std::vector<std::string> owned = {"PATH=/bin",
                                    "SECRET_TOKEN=czNjcjN0",
                                    "AWS_ACCESS_KEY_ID=AKIA",
                                    "AWS_SECRET_ACCESS_KEY=shh",
                                    "AWS_SESSION_TOKEN=tok",
                                    "AWS_REGION=eu-west-1",
                                    "FLOE_SECRET_KEY=key",
                                    "HOME=/home/me"};
  std::vector<char*> environ_like;
  for (auto& e : owned) environ_like.push_back(e.data());
  environ_like.push_back(nullptr);
  EXPECT_THAT(ProcessEnvironment(environ_like.data(), {}),
              ElementsAre("PATH=/bin", "AWS_REGION=eu-west-1", "HOME=/home/me"));
  EXPECT_THAT(ProcessEnvironment(environ_like.data(), {{"AWS_ACCESS_KEY_ID", "mine"}, {"HOME", "/w"}}),
              ElementsAre("PATH=/bin", "AWS_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=mine", "HOME=/w"));
}

TEST(ProcessEnvironmentTest, NamesTheWithheldVariables) {
  EXPECT_TRUE(WithheldFromTasks("SECRET_ANYTHING"));
  EXPECT_TRUE(WithheldFromTasks("AWS_SECRET_ACCESS_KEY"));
  EXPECT_TRUE(WithheldFromTasks("AWS_WEB_IDENTITY_TOKEN_FILE"));
  EXPECT_FALSE(WithheldFromTasks("AWS_REGION"));
  EXPECT_FALSE(WithheldFromTasks("SECRETS"));
  EXPECT_FALSE(WithheldFromTasks("PATH"));
}

}  // namespace
}  // namespace floe::tasks
