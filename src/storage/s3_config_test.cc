// S3ConfigFromEnvironment: the AWS CLI's variables and files, and what a
// task sets itself on top.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/id.h"
#include "storage/s3_client.h"

namespace floe::storage {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class S3ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() / ("floe_s3config_" + NewId());
    fs::create_directories(home_ / ".aws");
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                             "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_PROFILE",
                             "AWS_CA_BUNDLE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"})
      unsetenv(name);
    setenv("HOME", home_.c_str(), 1);
  }
  void TearDown() override { fs::remove_all(home_); }
  fs::path home_;
};

TEST_F(S3ConfigTest, VariablesThenWhatTheTaskSets) {
  setenv("AWS_ACCESS_KEY_ID", "env-key", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  setenv("AWS_REGION", "eu-west-1", 1);
  auto c = S3ConfigFromEnvironment();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.access_key_id, "env-key");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->endpoint, "");
  EXPECT_FALSE(c->path_style);
  // A task's region wins, us-east-1 included.
  auto task = S3ConfigFromEnvironment({.region = "us-east-1"});
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->region, "us-east-1");
  auto minio = S3ConfigFromEnvironment(
      {.endpoint = "http://127.0.0.1:9000", .credentials = {.access_key_id = "k", .secret_access_key = "s"}});
  ASSERT_TRUE(minio.ok());
  EXPECT_EQ(minio->endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(minio->path_style);
  EXPECT_EQ(minio->credentials.access_key_id, "k");
  EXPECT_EQ(minio->region, "eu-west-1");
}

TEST_F(S3ConfigTest, ProfilesFromTheAwsFiles) {
  std::ofstream(home_ / ".aws" / "credentials") << "[default]\naws_access_key_id = d\naws_secret_access_key = ds\n"
                                                << "[dev]\naws_access_key_id = dev-key\n"
                                                << "aws_secret_access_key = dev-secret\n";
  std::ofstream(home_ / ".aws" / "config") << "[profile dev]\nregion = ap-south-1\n"
                                           << "endpoint_url = http://127.0.0.1:9000\n"
                                           << "s3 =\n  addressing_style = virtual\n";
  setenv("AWS_PROFILE", "dev", 1);
  auto c = S3ConfigFromEnvironment();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.access_key_id, "dev-key");
  EXPECT_EQ(c->credentials.secret_access_key, "dev-secret");
  EXPECT_EQ(c->region, "ap-south-1");
  EXPECT_EQ(c->endpoint, "http://127.0.0.1:9000");
  EXPECT_FALSE(c->path_style);            // the config asks for virtual-hosted addressing
  setenv("AWS_REGION", "eu-north-1", 1);  // variables win over files
  EXPECT_EQ(S3ConfigFromEnvironment()->region, "eu-north-1");
}

TEST_F(S3ConfigTest, MissingCredentialsAndBadEndpointsAreClearErrors) {
  auto none = S3ConfigFromEnvironment();
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(none.status().ToString(), HasSubstr("no S3 credentials"));
  EXPECT_THAT(none.status().ToString(), HasSubstr("AWS_ACCESS_KEY_ID"));
  setenv("AWS_ACCESS_KEY_ID", "k", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
  setenv("AWS_ENDPOINT_URL_S3", "127.0.0.1:9000", 1);
  auto bad = S3ConfigFromEnvironment();
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("'127.0.0.1:9000' must look like https://host[:port]"));
}

}  // namespace
}  // namespace floe::storage
