// Iceberg commits from real floe processes: eight of them appending to one
// table at once lose nothing, and a write SIGKILLed at any point leaves the
// table at the snapshot before it or the one after, readable either way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/id.h"
#include "iceberg/lake.h"
#include "tests/support/floe_process.h"

namespace floe {
namespace {

namespace fs = std::filesystem;
using testing::KillAfter;
using testing::Proc;
using testing::Start;
using testing::WaitFor;

class IcebergProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floe_iceberg_proc_" + NewId());
    home_ = (dir_ / "home").string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteFlow(const std::string& name, const std::string& yaml) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << yaml;
    return path;
  }
  Proc Run(const std::string& flow, const std::vector<std::string>& inputs, const std::string& out) {
    std::vector<std::string> args = {FLOE_BINARY, "--home", home_, "run", flow};
    for (const auto& i : inputs) args.insert(args.end(), {"--input", i});
    return Start(args, dir_ / out);
  }
  std::unique_ptr<iceberg::Lake> OpenLake() {
    auto lake = iceberg::Lake::Open({.catalog = fs::path(home_) / "floe.db", .warehouse = home_ + "/lake/warehouse"});
    EXPECT_TRUE(lake.ok()) << lake.status().ToString();
    return lake.ok() ? std::move(*lake) : nullptr;
  }
  int64_t Int(iceberg::Lake& lake, const std::string& sql) {
    auto t = lake.connection().Query(sql);
    EXPECT_TRUE(t.ok()) << sql << ": " << t.status().ToString();
    return t.ok() && !t->rows.empty() ? t->rows[0][0].AsInt() : -1;
  }

  fs::path dir_;
  std::string home_;
};

constexpr const char* kCreate = R"(id: create
namespace: t
tasks:
  - id: create
    type: iceberg.CreateTable
    table: t.events
    columns: [{name: writer, type: long}, {name: n, type: long}, {name: payload, type: string}]
    properties: {commit.retry.num-retries: "100", commit.retry.min-wait-ms: "5", commit.retry.max-wait-ms: "200"}
)";

TEST_F(IcebergProcessTest, EightProcessesAppendingAtOnceLoseNothing) {
  ASSERT_EQ(WaitFor(Run(WriteFlow("create.yml", kCreate), {}, "create.out"), std::chrono::seconds(60)), 0)
      << testing::Slurp(dir_ / "create.out");
  std::string appender = WriteFlow("append.yml", R"(id: append
namespace: t
inputs: [{id: writer, type: INT}]
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 50) }}"
    tasks:
      - id: write
        type: iceberg.Write
        table: t.events
        sql: SELECT {{ inputs.writer }} AS writer, {{ taskrun.value }} AS n, 'x' AS payload
)");
  std::vector<Proc> procs;
  for (int w = 0; w < 8; ++w) procs.push_back(Run(appender, {"writer=" + std::to_string(w)}, "w" + std::to_string(w)));
  for (int w = 0; w < 8; ++w)
    EXPECT_EQ(WaitFor(procs[w], std::chrono::minutes(5)), 0) << testing::Slurp(dir_ / ("w" + std::to_string(w)));

  auto lake = OpenLake();
  ASSERT_TRUE(lake);
  auto table = lake->tables().Load(*iceberg::ParseTableIdent("t.events"));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->metadata.snapshots.size(), 400u);
  EXPECT_EQ(Int(*lake, "SELECT count(*) FROM iceberg_scan('t.events')"), 400);
  EXPECT_EQ(Int(*lake, "SELECT count(DISTINCT (writer, n)) FROM iceberg_scan('t.events')"), 400);
  // Every data file written is in the table: a commit that lost a race kept
  // its file and committed it on the next try.
  auto live = lake->tables().PlanFiles(*table);
  ASSERT_TRUE(live.ok());
  int parquet = 0;
  for (const auto& e : fs::recursive_directory_iterator(home_ + "/lake/warehouse/t/events/data"))
    parquet += e.path().extension() == ".parquet";
  EXPECT_EQ(parquet, static_cast<int>(live->size()));
  EXPECT_EQ(parquet, 400);
}

TEST_F(IcebergProcessTest, AWriteKilledAnywhereLeavesTheOldSnapshotOrTheNew) {
  ASSERT_EQ(WaitFor(Run(WriteFlow("create.yml", kCreate), {}, "create.out"), std::chrono::seconds(60)), 0)
      << testing::Slurp(dir_ / "create.out");
  // Each round appends `rows` rows, then deletes a tenth of them: two
  // commits, each of which a kill may interrupt.
  std::string writer = WriteFlow("write.yml", R"(id: write
namespace: t
inputs: [{id: round, type: INT}]
tasks:
  - id: append
    type: iceberg.Write
    table: t.events
    sql: SELECT {{ inputs.round }} AS writer, i AS n, repeat('p', 50) AS payload FROM range(0, 200000) t(i)
  - id: delete
    type: iceberg.Delete
    table: t.events
    where: writer = {{ inputs.round }} AND n % 10 = 0
)");
  auto lake = OpenLake();
  ASSERT_TRUE(lake);
  // The time one whole run takes, to sweep the kills across it.
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(WaitFor(Run(writer, {"round=0"}, "round0"), std::chrono::minutes(2)), 0) << testing::Slurp(dir_ / "round0");
  auto whole = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  int64_t expected = 180000;
  ASSERT_EQ(Int(*lake, "SELECT count(*) FROM iceberg_scan('t.events')"), expected);

  const int rounds = 16;
  int killed = 0;
  for (int round = 1; round <= rounds; ++round) {
    // Across the first 80% of a run: the first run, timed above, is slower
    // than the next ones (cold caches).
    auto at = std::chrono::milliseconds(whole.count() * 4 * round / (5 * (rounds + 1)));
    killed += KillAfter(Run(writer, {"round=" + std::to_string(round)}, "round"), at);
    // Whatever the kill interrupted, the table reads as one of its snapshots:
    // before the append, after it, or after the delete.
    int64_t now = Int(*lake, "SELECT count(*) FROM iceberg_scan('t.events')");
    std::set<int64_t> allowed = {expected, expected + 200000, expected + 180000};
    EXPECT_TRUE(allowed.count(now)) << "round " << round << " (killed after " << at.count() << " ms): " << now
                                    << " rows";
    int64_t partial =
        Int(*lake, "SELECT count(*) FROM iceberg_scan('t.events') WHERE writer = " + std::to_string(round) +
                       " AND n % 10 = 0");
    EXPECT_TRUE(partial == 0 || partial == 20000) << "round " << round << ": half a delete (" << partial << ")";
    expected = now;
  }
  EXPECT_GE(killed, rounds / 4) << "the kills should land inside the runs";
}

}  // namespace
}  // namespace floe
