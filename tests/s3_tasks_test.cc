// The S3 tasks through the real binary against the S3 test server (moto on
// loopback, signatures verified; or s3rver, where what needs a verifier
// skips), configured as a user would: AWS_* variables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "storage/s3_client.h"
#include "tests/support/s3_test_server.h"
#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using testing::CommandResult;

CommandResult Floe(const std::string& env, const std::string& args) {
  fs::path home = fs::temp_directory_path() / ("floe_s3tasks_" + std::to_string(getpid()));
  return testing::RunShell(env + " " + FLOE_BINARY + " --home '" + home.string() + "' " + args + " 2>&1");
}

std::string AwsEnv(const tmpl::Value& state, const std::string& secret, const std::string& access_key = "") {
  return "AWS_ACCESS_KEY_ID=" + (access_key.empty() ? state.Get("access_key")->AsString() : access_key) +
         " AWS_SECRET_ACCESS_KEY='" + secret + "' AWS_ENDPOINT_URL_S3=" + state.Get("endpoint")->AsString() +
         " AWS_REGION=us-east-1 HOME=/nonexistent";
}

TEST(S3TasksTest, KestraS3TasksRunAgainstTheServer) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("endpoint"));
  std::string flow = std::string(FLOE_SOURCE_DIR) + "/tests/flows/s3/s3_tasks.yml";
  std::string bucket = "tasks-" + std::to_string(getpid());
  CommandResult run =
      Floe(AwsEnv(state, state.Get("secret_key")->AsString()), "run " + flow + " --input bucket=" + bucket + " --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto doc = tmpl::ParseJson(run.out);
  ASSERT_TRUE(doc.ok()) << run.out;
  EXPECT_EQ(doc->Get("outputs")->Get("summary")->AsString(),
            "20 bytes text/csv, total 30, refunds id 7; listed 2; took archive/orders.csv (20 bytes); left "
            "raw/refunds.csv; deleted 1");
}

// Iceberg tables in an S3 warehouse: manifests, metadata and data files
// on S3, read back by catalog name and by path (a path needs listing: the
// lenient server, as for DuckDB's globs).
TEST(S3TasksTest, IcebergTablesInAnS3Warehouse) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("endpoint"));
  std::string secret = state.Get("secret_key")->AsString();
  std::string endpoint = state.Get("lenient_endpoint")->AsString();
  storage::S3Client s3(
      {.endpoint = endpoint,
       .path_style = true,
       .credentials = {.access_key_id = state.Get("access_key")->AsString(), .secret_access_key = secret}});
  std::string bucket = "iceberg-" + std::to_string(getpid());
  ASSERT_TRUE(s3.CreateBucket(bucket).ok());
  std::string warehouse = "s3://" + bucket + "/warehouse";
  std::string env = AwsEnv(state, secret) + " AWS_ENDPOINT_URL_S3=" + endpoint + " FLOE_WAREHOUSE=" + warehouse;
  std::string flow = std::string(FLOE_SOURCE_DIR) + "/tests/flows/s3/iceberg_on_s3.yml";
  CommandResult run = Floe(env, "run " + flow + " --input table_path=" + warehouse + "/lake/events --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto doc = tmpl::ParseJson(run.out);
  ASSERT_TRUE(doc.ok()) << run.out;
  // 100 rows + 10, less ids 0-9; 'us' rows are the odd ids 11..99; the first snapshot had 100.
  EXPECT_EQ(doc->Get("outputs")->Get("counts")->AsString(), "100 45 100");
  auto listed = s3.ListAll(bucket, "warehouse/lake/events/metadata/");
  ASSERT_TRUE(listed.ok());
  int metadata = 0;
  for (const auto& o : *listed) metadata += o.key.ends_with(".metadata.json");
  EXPECT_EQ(metadata, 4) << "created, written, written, deleted";
  auto data = s3.ListAll(bucket, "warehouse/lake/events/data/");
  ASSERT_TRUE(data.ok());
  int delete_files = 0;
  for (const auto& o : *data) delete_files += o.key.ends_with("-deletes.parquet");
  EXPECT_EQ(delete_files, 2) << "the delete wrote position delete files, one per partition";
}

// s3:// in DuckDB SQL. Against the lenient server: DuckDB lists prefixes
// ending in '/', a query value moto cannot verify (tests/support/s3_server.py).
// Execution files on S3: every file an execution makes lands under the
// prefix, and later tasks and templates read them back from there.
TEST(S3TasksTest, ExecutionStorageOnS3) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("endpoint"));
  std::string secret = state.Get("secret_key")->AsString();
  fs::path csv = fs::temp_directory_path() / ("floe_storage_" + std::to_string(getpid()) + ".csv");
  std::ofstream(csv) << "city,n\nLyon,3\nNantes,4\nLyon,5\n";
  std::string flow = std::string(FLOE_SOURCE_DIR) + "/tests/flows/s3/storage_on_s3.yml";
  // The bucket's root on the verifying server; under a prefix on the lenient
  // one (moto cannot verify the '/' a prefix puts in a listing's query).
  for (bool verifying : {true, false}) {
    SCOPED_TRACE(verifying);
    std::string endpoint = state.Get(verifying ? "endpoint" : "lenient_endpoint")->AsString();
    std::string env = AwsEnv(state, secret) + " AWS_ENDPOINT_URL_S3=" + endpoint;
    storage::S3Client s3(
        {.endpoint = endpoint,
         .path_style = true,
         .credentials = {.access_key_id = state.Get("access_key")->AsString(), .secret_access_key = secret}});
    std::string bucket = "storage-" + std::to_string(verifying) + "-" + std::to_string(getpid());
    std::string prefix = verifying ? "" : "floe/";
    ASSERT_TRUE(s3.CreateBucket(bucket).ok());
    CommandResult run = Floe(
        env, "--storage s3://" + bucket + "/" + prefix + " run " + flow + " --input data=" + csv.string() + " --json");
    ASSERT_EQ(run.exit_code, 0) << run.out;
    auto doc = tmpl::ParseJson(run.out);
    ASSERT_TRUE(doc.ok()) << run.out;
    EXPECT_EQ(doc->Get("outputs")->Get("summary")->AsString(), "2 cities, 12 in all; from the shell");
    std::string id = doc->Get("id")->AsString();
    auto listed = s3.ListAll(bucket, prefix);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> names;
    for (const auto& o : listed.value()) {
      EXPECT_THAT(o.key, ::testing::StartsWith(prefix + "floe.tests/storage_on_s3/executions/" + id + "/"));
      names.push_back(fs::path(o.key).filename().string());
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{csv.filename().string(), "report.txt", "result.parquet"}));
  }

  // A storage location that cannot work fails before anything runs, saying why.
  std::string env = AwsEnv(state, secret);
  CommandResult missing =
      Floe(env, "--storage s3://no-such-bucket-" + std::to_string(getpid()) + " run " + flow + " --input data=x");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.out, HasSubstr("NoSuchBucket"));
  EXPECT_THAT(missing.out, HasSubstr("s3://no-such-bucket-"));
  CommandResult scheme = Floe("", "--storage gs://bucket/x run " + flow + " --input data=x");
  EXPECT_NE(scheme.exit_code, 0);
  EXPECT_THAT(scheme.out, HasSubstr("unknown scheme 'gs://'"));
  fs::remove(csv);
  if (!testing::VerifiesSignatures(state))
    GTEST_SKIP() << "all but the wrong-secret check ran and passed: " << testing::kNoSignatureCheck;
  CommandResult wrong = Floe(AwsEnv(state, "not-the-secret"), "--storage s3://storage-1-" + std::to_string(getpid()) +
                                                                  " run " + flow + " --input data=x");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.out, HasSubstr("SignatureDoesNotMatch"));
}

// s3.Trigger through `floe triggers poll`: new objects start an execution
// that sees them as trigger.objects; MOVE takes them away; NONE fires once
// per object version.
TEST(S3TasksTest, S3TriggerStartsExecutionsForNewObjects) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("endpoint"));
  std::string secret = state.Get("secret_key")->AsString();
  std::string endpoint = state.Get("lenient_endpoint")->AsString();  // listing a prefix: '/' in the query
  storage::S3Client s3(
      {.endpoint = endpoint,
       .path_style = true,
       .credentials = {.access_key_id = state.Get("access_key")->AsString(), .secret_access_key = secret}});
  std::string bucket = "trigger-" + std::to_string(getpid());
  ASSERT_TRUE(s3.CreateBucket(bucket).ok());
  std::string env = AwsEnv(state, secret) + " AWS_ENDPOINT_URL_S3=" + endpoint + " ENV_TRIGGER_BUCKET=" + bucket;
  std::string flow = std::string(FLOE_SOURCE_DIR) + "/tests/flows/s3/s3_trigger.yml";

  CommandResult idle = Floe(env, "triggers poll " + flow);
  ASSERT_EQ(idle.exit_code, 0) << idle.out;
  EXPECT_THAT(idle.out, HasSubstr("trigger watch: nothing new"));
  EXPECT_THAT(idle.out, HasSubstr("trigger peek: nothing new"));
  EXPECT_THAT(idle.out, ::testing::Not(HasSubstr("trigger idle")));  // disabled

  ASSERT_TRUE(s3.Put(bucket, "incoming/a.csv", "x\n1\n2\n3\n").ok());
  ASSERT_TRUE(s3.Put(bucket, "incoming/b.csv", "x\n1\n").ok());
  ASSERT_TRUE(s3.Put(bucket, "incoming/notes.txt", "not a csv").ok());
  CommandResult fired = Floe(env, "triggers poll " + flow + " --trigger watch");
  ASSERT_EQ(fired.exit_code, 0) << fired.out;
  EXPECT_THAT(fired.out, HasSubstr("trigger watch: started execution"));
  EXPECT_THAT(fired.out, HasSubstr("floe.tests.s3_trigger trigger watch: downloaded 2 object(s) from s3://" + bucket));
  EXPECT_THAT(fired.out, HasSubstr("SUCCESS"));
  EXPECT_THAT(fired.out, HasSubstr("incoming/a.csv,incoming/b.csv; first has 3 rows"));
  auto left = s3.ListAll(bucket, "");
  ASSERT_TRUE(left.ok());
  std::vector<std::string> keys;
  for (const auto& o : left.value()) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"archive/a.csv", "archive/b.csv", "incoming/notes.txt"}));
  CommandResult again = Floe(env, "triggers poll " + flow + " --trigger watch");
  EXPECT_THAT(again.out, HasSubstr("trigger watch: nothing new"));

  // NONE: the archived objects fire once, then again only when one changes.
  CommandResult peek = Floe(env, "triggers poll " + flow + " --trigger peek");
  EXPECT_THAT(peek.out, HasSubstr("archive/a.csv,archive/b.csv; first has 3 rows")) << peek.out;
  EXPECT_THAT(Floe(env, "triggers poll " + flow + " --trigger peek").out, HasSubstr("nothing new"));
  ASSERT_TRUE(s3.Put(bucket, "archive/b.csv", "x\n5\n6\n").ok());
  EXPECT_THAT(Floe(env, "triggers poll " + flow + " --trigger peek").out, HasSubstr("archive/b.csv; first has 2 rows"));

  // --watch polls at the trigger's interval (PT1S) until interrupted.
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_TRUE(s3.Put(bucket, "incoming/late.csv", "x\n1\n").ok());
  });
  CommandResult watch =
      Floe(env + " timeout --preserve-status -s INT 6", "triggers poll " + flow + " --trigger watch --watch");
  late.join();
  EXPECT_EQ(watch.exit_code, 0) << watch.out;  // ^C ends it quietly
  EXPECT_THAT(watch.out, HasSubstr("trigger watch: nothing new"));
  EXPECT_THAT(watch.out, HasSubstr("incoming/late.csv; first has 1 rows")) << watch.out;

  CommandResult unknown = Floe(env, "triggers poll " + flow + " --trigger nope");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.out, HasSubstr("has no trigger 'nope' (it has: watch, peek, idle)"));
  CommandResult missing =
      Floe(AwsEnv(state, secret) + " AWS_ENDPOINT_URL_S3=" + endpoint + " ENV_TRIGGER_BUCKET=gone-" + bucket,
           "triggers poll " + flow + " --trigger watch");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.out, HasSubstr("trigger watch: "));
  EXPECT_THAT(missing.out, HasSubstr("NoSuchBucket"));
  EXPECT_THAT(missing.out, HasSubstr("s3://gone-" + bucket));
}

TEST(S3TasksTest, DuckDbReadsAndWritesPartitionedParquetOnS3) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("lenient_endpoint"));
  std::string env = AwsEnv(state, state.Get("secret_key")->AsString()) +
                    " AWS_ENDPOINT_URL_S3=" + state.Get("lenient_endpoint")->AsString();
  std::string flow = std::string(FLOE_SOURCE_DIR) + "/tests/flows/s3/duckdb_s3.yml";
  CommandResult run = Floe(env, "run " + flow + " --input bucket=duck-" + std::to_string(getpid()) + " --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto doc = tmpl::ParseJson(run.out);
  ASSERT_TRUE(doc.ok()) << run.out;
  EXPECT_EQ(doc->Get("outputs")->Get("result")->AsString(),
            "4 regions, 5000 rows, 0 differ, 10 csv rows, top level small.csv");
}

TEST(S3TasksTest, TheS3ExampleRuns) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("lenient_endpoint"));
  std::string env = AwsEnv(state, state.Get("secret_key")->AsString()) +
                    " AWS_ENDPOINT_URL_S3=" + state.Get("lenient_endpoint")->AsString();
  CommandResult run = Floe(env, "run " + std::string(FLOE_SOURCE_DIR) +
                                    "/examples/level1_s3.yml --input bucket=example-" + std::to_string(getpid()));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("3 Parquet files in s3://example-"));
  EXPECT_THAT(run.out, HasSubstr("2026-01: 37 orders"));
}

TEST(S3TasksTest, MaxFilesBoundsListingsClearly) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("endpoint"));
  fs::path flow = fs::temp_directory_path() / ("floe_maxfiles_" + std::to_string(getpid()) + ".yml");
  std::ofstream(flow) << R"(id: maxfiles
namespace: floe.tests
tasks:
  - id: bucket
    type: s3.CreateBucket
    bucket: maxfiles-bucket
  - id: one
    type: s3.Upload
    bucket: maxfiles-bucket
    key: a.txt
    from: ")" << flow.string()
                      << R"("
  - id: two
    type: s3.Upload
    bucket: maxfiles-bucket
    key: b.txt
    from: ")" << flow.string()
                      << R"("
  - id: too_many
    type: s3.List
    bucket: maxfiles-bucket
    maxFiles: 1
    allowFailure: true
  - id: not_a_number
    type: s3.DeleteList
    bucket: maxfiles-bucket
    maxFiles: "{{ 'lots' }}"
)";
  // The uploads read the flow file itself: a local file, so its folder is allowed.
  CommandResult run = Floe(
      AwsEnv(state, state.Get("secret_key")->AsString()) + " FLOE_ALLOWED_PATHS=" + fs::temp_directory_path().string(),
      "run " + flow.string());
  fs::remove(flow);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("2 objects match, more than maxFiles (1); raise it or narrow prefix/regexp"));
  EXPECT_THAT(run.out, HasSubstr("property 'maxFiles': must be a whole number, 1 or more"));
}

TEST(S3TasksTest, WrongCredentialsFailWithTheServersCode) {
  tmpl::Value state = testing::S3TestServerState();
  ASSERT_TRUE(state.Get("endpoint"));
  std::string flow = std::string(FLOE_SOURCE_DIR) + "/tests/flows/s3/s3_tasks.yml";
  CommandResult unknown =
      Floe(AwsEnv(state, "any-secret", "AKIAFLOEUNKNOWNKEY00"), "run " + flow + " --input bucket=never-made");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.out, HasSubstr("PUT s3://never-made: InvalidAccessKeyId"));
  if (!testing::VerifiesSignatures(state))
    GTEST_SKIP() << "the unknown-key check passed; " << testing::kNoSignatureCheck;
  CommandResult run = Floe(AwsEnv(state, "wrong-secret"), "run " + flow + " --input bucket=never-made");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("PUT s3://never-made: SignatureDoesNotMatch"));
  EXPECT_THAT(run.out, HasSubstr("request id"));
}

}  // namespace
}  // namespace floe
