// Secrets kept secret, end to end through the floe binary: a run with a
// SECRET input, a label set from secret(), and floe's own AWS credentials in
// its environment leaves none of those values in the state database (its
// -wal file included), in any file of the home, or in any JSON floe prints;
// shell tasks do not inherit SECRET_* or AWS credentials; the encrypted
// input still reaches tasks when the execution is restarted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

constexpr const char* kInputSecret = "input-secret-0d9f7c";
constexpr const char* kLabelSecret = "label-secret-5be21a";  // SECRET_LABEL_TOKEN, base64 below
constexpr const char* kLabelSecretBase64 = "bGFiZWwtc2VjcmV0LTViZTIxYQ==";
constexpr const char* kAwsSecret = "aws-secret-77e3b0";

class SecurityTest : public ::testing::Test {
 public:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floe_security_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  testing::CommandResult Floe(const std::string& args, const std::string& env = "") {
    return testing::RunShell("SECRET_LABEL_TOKEN=" + std::string(kLabelSecretBase64) +
                             " AWS_ACCESS_KEY_ID=AKIATESTFLOE AWS_SECRET_ACCESS_KEY=" + kAwsSecret + " " + env + " " +
                             FLOE_BINARY + " --home '" + (dir_ / "home").string() + "' " + args + " 2>&1");
  }

  fs::path WriteFlow(const std::string& yaml) {
    fs::path file = dir_ / "flow.yml";
    std::ofstream(file) << yaml;
    return file;
  }

  // Where in `bytes` a secret value appears ("" when none does).
  static std::string SecretIn(const std::string& bytes) {
    for (const char* secret : {kInputSecret, kLabelSecret, kAwsSecret})
      if (bytes.find(secret) != std::string::npos) return secret;
    return "";
  }

  static std::string Slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  fs::path dir_;
};

constexpr const char* kFlow = R"(id: secrets
namespace: floe.security
inputs:
  - id: token
    type: SECRET
  - id: marker
    type: STRING
labels:
  team: data
tasks:
  - id: label
    type: execution.Labels
    labels:
      token: "{{ secret('LABEL_TOKEN') }}"
  - id: env
    type: scripts.Shell
    commands:
      - env
  - id: use
    type: scripts.Shell
    env:
      TOKEN: "{{ inputs.token }}"
    commands:
      - echo "token is $TOKEN"
      - test -f "{{ inputs.marker }}"
outputs:
  - id: echoed
    type: STRING
    value: "{{ inputs.token }} {{ labels.token }}"
)";

TEST_F(SecurityTest, NoSecretValueInTheStateDatabaseOrAnyJson) {
  fs::path flow = WriteFlow(kFlow);
  fs::path marker = dir_ / "go";
  std::ofstream(marker) << "";
  auto run = Floe("run " + flow.string() + " --json -i token=" + kInputSecret + " -i marker=" + marker.string());
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(SecretIn(run.out), "") << run.out;
  auto doc = tmpl::ParseJson(run.out.substr(run.out.find('{')));
  ASSERT_TRUE(doc.ok()) << run.out;
  EXPECT_EQ(doc->Get("state")->AsString(), "SUCCESS");
  EXPECT_EQ(doc->Get("inputs")->Get("token")->AsString(), "******");
  EXPECT_EQ(doc->Get("labels")->Get("token")->AsString(), "******");
  EXPECT_EQ(doc->Get("outputs")->Get("echoed")->AsString(), "****** ******");
  std::string id = doc->Get("id")->AsString();

  for (const std::string& args : std::vector<std::string>{"executions show --json " + id, "executions list --json",
                                                          "executions show " + id, "logs " + id}) {
    auto shown = Floe(args);
    EXPECT_EQ(shown.exit_code, 0) << args << "\n" << shown.out;
    EXPECT_EQ(SecretIn(shown.out), "") << args << "\n" << shown.out;
  }
  auto logs = Floe("logs " + id);
  // The shell saw floe's environment without its secrets and credentials.
  EXPECT_THAT(logs.out, HasSubstr("PATH="));
  EXPECT_THAT(logs.out, Not(HasSubstr("SECRET_LABEL_TOKEN")));
  EXPECT_THAT(logs.out, Not(HasSubstr("AWS_SECRET_ACCESS_KEY")));
  EXPECT_THAT(logs.out, Not(HasSubstr("AWS_ACCESS_KEY_ID")));
  EXPECT_THAT(logs.out, HasSubstr("token is ******"));

  // Every byte floe wrote: floe.db, floe.db-wal, storage, ... (the key file
  // holds a key, not a secret value).
  fs::path home = dir_ / "home";
  ASSERT_TRUE(fs::exists(home / "floe.db"));
  for (const auto& entry : fs::recursive_directory_iterator(home)) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(SecretIn(Slurp(entry.path())), "") << entry.path();
  }
  // The key was made on first use, readable by its owner only.
  struct stat st {};
  ASSERT_EQ(::stat((home / "secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SecurityTest, ARestartedExecutionGetsTheEncryptedInputBack) {
  fs::path flow = WriteFlow(kFlow);
  fs::path marker = dir_ / "go";  // absent: the last task fails
  auto run = Floe("run " + flow.string() + " --json -i token=" + kInputSecret + " -i marker=" + marker.string());
  ASSERT_EQ(run.exit_code, 1) << run.out;
  auto doc = tmpl::ParseJson(run.out.substr(run.out.find('{')));
  ASSERT_TRUE(doc.ok()) << run.out;
  std::string id = doc->Get("id")->AsString();

  // Another key cannot open it, and says so.
  auto wrong = Floe("executions restart " + id, "FLOE_SECRET_KEY=" + std::string(43, 'A') + "=");
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
  EXPECT_THAT(wrong.out, HasSubstr("encrypted with another key"));
  EXPECT_EQ(SecretIn(wrong.out), "");

  std::ofstream(marker) << "";
  auto restart = Floe("executions restart " + id);
  EXPECT_EQ(restart.exit_code, 0) << restart.out;
  auto shown = Floe("executions show --json " + id);
  auto after = tmpl::ParseJson(shown.out);
  ASSERT_TRUE(after.ok()) << shown.out;
  EXPECT_EQ(after->Get("state")->AsString(), "SUCCESS") << shown.out;
  // The task compared what it got with the value given: only the mask shows.
  EXPECT_EQ(after->Get("outputs")->Get("echoed")->AsString(), "****** ******");
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "home")) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(SecretIn(Slurp(entry.path())), "") << entry.path();
    }
  }
}

}  // namespace
}  // namespace floe
