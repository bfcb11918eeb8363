#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "models/project.h"

namespace floe::models {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

void WriteFile(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string Profile(std::string_view db) {
  return "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: " + std::string(db) + "\n";
}

// A temp HOME, no DBT_PROFILES_DIR, and a project folder; restored after.
class ProfilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("floe_profiles_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "home" / ".dbt");
    fs::create_directories(root_ / "project");
    if (const char* h = std::getenv("HOME")) old_home_ = h;
    ::setenv("HOME", (root_ / "home").c_str(), 1);
    ::unsetenv("DBT_PROFILES_DIR");
  }
  void TearDown() override {
    if (old_home_) ::setenv("HOME", old_home_->c_str(), 1);
    ::unsetenv("DBT_PROFILES_DIR");
    fs::remove_all(root_);
  }
  ProfileOptions Options() { return {.project_dir = root_ / "project", .profile = "shop"}; }

  fs::path root_;
  std::optional<std::string> old_home_;
};

TEST_F(ProfilesTest, LookupOrder) {
  WriteFile(root_ / "home/.dbt/profiles.yml", Profile("/tmp/home.duckdb"));
  auto t = LoadTarget(Options());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->path, "/tmp/home.duckdb");

  WriteFile(root_ / "project/profiles.yml", Profile("/tmp/project.duckdb"));
  EXPECT_EQ(LoadTarget(Options())->path, "/tmp/project.duckdb");

  WriteFile(root_ / "env/profiles.yml", Profile("/tmp/env.duckdb"));
  ::setenv("DBT_PROFILES_DIR", (root_ / "env").c_str(), 1);
  EXPECT_EQ(LoadTarget(Options())->path, "/tmp/env.duckdb");

  WriteFile(root_ / "flag/profiles.yml", Profile("/tmp/flag.duckdb"));
  ProfileOptions options = Options();
  options.profiles_dir = root_ / "flag";
  EXPECT_EQ(LoadTarget(options)->path, "/tmp/flag.duckdb");

  options.inline_profiles = Profile("/tmp/inline.duckdb");
  EXPECT_EQ(LoadTarget(options)->path, "/tmp/inline.duckdb");
}

// A flow task's profile names its database relative to the task's working
// directory, never to the directory the server was started in.
TEST_F(ProfilesTest, RelativePathsAreInTheWorkingDirectory) {
  ProfileOptions options = Options();
  options.inline_profiles = Profile("shop.duckdb") + "      attach:\n        - path: ../other.duckdb\n";
  options.working_directory = root_ / "task";
  auto t = LoadTarget(options);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->path, (root_ / "task/shop.duckdb").string());
  ASSERT_EQ(t->attach.size(), 1u);
  EXPECT_EQ(t->attach[0].path, (root_ / "other.duckdb").string());
}

TEST_F(ProfilesTest, ReadsDuckdbOutput) {
  WriteFile(root_ / "project/profiles.yml", R"(shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: data/warehouse.duckdb
      threads: 4
      schema: analytics
      extensions: [httpfs, {name: iceberg}]
      settings:
        memory_limit: 1GB
        preserve_insertion_order: false
      attach:
        - path: /data/other.duckdb
          read_only: true
        - path: /data/legacy.sqlite
          alias: legacy
          type: sqlite
)");
  auto t = LoadTarget(Options());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->name, "dev");
  EXPECT_EQ(t->profile_name, "shop");
  EXPECT_EQ(t->path, (fs::current_path() / "data/warehouse.duckdb").string());  // relative to the cwd
  EXPECT_EQ(t->database, "warehouse");
  EXPECT_EQ(t->schema, "analytics");
  EXPECT_EQ(t->threads, 4);
  EXPECT_THAT(t->extensions, ::testing::ElementsAre("httpfs", "iceberg"));
  ASSERT_EQ(t->settings.size(), 2u);
  EXPECT_EQ(t->settings[0], std::make_pair(std::string("memory_limit"), std::string("1GB")));
  EXPECT_EQ(t->settings[1].second, "false");
  ASSERT_EQ(t->attach.size(), 2u);
  EXPECT_EQ(t->attach[0].alias, "other");
  EXPECT_TRUE(t->attach[0].read_only);
  EXPECT_EQ(t->attach[1].alias, "legacy");
  EXPECT_EQ(t->attach[1].type, "sqlite");
  EXPECT_EQ(t->raw.Get("schema")->AsString(), "analytics");
}

TEST_F(ProfilesTest, DefaultsSchemaAndThreads) {
  WriteFile(root_ / "project/profiles.yml", Profile("/tmp/x.duckdb"));
  auto t = LoadTarget(Options());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->schema, "main");
  EXPECT_EQ(t->threads, 1);
  EXPECT_EQ(t->database, "x");
}

TEST_F(ProfilesTest, RendersEnvVar) {
  ::setenv("FLOE_TEST_DB_DIR", "/srv/db", 1);
  ::unsetenv("FLOE_TEST_UNSET");
  WriteFile(root_ / "project/profiles.yml",
            "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
            "      path: \"{{ env_var('FLOE_TEST_DB_DIR') }}/w.duckdb\"\n"
            "      schema: \"{{ env_var('FLOE_TEST_UNSET', 'fallback') }}\"\n");
  auto t = LoadTarget(Options());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->path, "/srv/db/w.duckdb");
  EXPECT_EQ(t->schema, "fallback");
  ::unsetenv("FLOE_TEST_DB_DIR");
}

TEST_F(ProfilesTest, MissingEnvVarNamesItAndItsLine) {
  ::unsetenv("FLOE_TEST_UNSET");
  WriteFile(root_ / "project/profiles.yml",
            "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
            "      path: \"{{ env_var('FLOE_TEST_UNSET') }}\"\n");
  auto t = LoadTarget(Options());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().ToString(), HasSubstr("FLOE_TEST_UNSET"));
  EXPECT_THAT(t.status().ToString(), HasSubstr("profiles.yml:6"));
}

TEST_F(ProfilesTest, MissingTargetListsTheAvailableOnes) {
  WriteFile(root_ / "project/profiles.yml",
            "shop:\n  target: prod\n  outputs:\n    dev:\n      type: duckdb\n      path: a.duckdb\n"
            "    ci:\n      type: duckdb\n      path: b.duckdb\n");
  auto t = LoadTarget(Options());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("target 'prod' not found in profile 'shop'; targets there: dev, ci"));
  ProfileOptions options = Options();
  options.target = "ci";
  ASSERT_TRUE(LoadTarget(options).ok());
}

TEST_F(ProfilesTest, MissingProfileListsTheAvailableOnes) {
  WriteFile(root_ / "project/profiles.yml", Profile("a.duckdb") + "other:\n  outputs: {}\n");
  ProfileOptions options = Options();
  options.profile = "shopp";
  auto t = LoadTarget(options);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("profile 'shopp' not found"));
  EXPECT_THAT(t.status().message(), HasSubstr("shop, other"));
  EXPECT_THAT(t.status().message(), HasSubstr("did you mean 'shop'?"));
}

TEST_F(ProfilesTest, OtherAdaptersAndMemoryAreErrors) {
  WriteFile(root_ / "project/profiles.yml",
            "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: x\n");
  auto t = LoadTarget(Options());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().ToString(), HasSubstr("profiles.yml:5:13"));
  EXPECT_THAT(t.status().message(), HasSubstr("type 'postgres'"));

  WriteFile(root_ / "project/profiles.yml", Profile("\":memory:\""));
  t = LoadTarget(Options());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("':memory:' is not supported"));
  WriteFile(root_ / "project/profiles.yml", Profile("md:my_db"));
  EXPECT_FALSE(LoadTarget(Options()).ok());
}

TEST_F(ProfilesTest, NoProfilesFile) {
  auto t = LoadTarget(Options());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("no profiles.yml in"));
}

}  // namespace
}  // namespace floe::models
