#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "core/id.h"
#include "engine/session.h"

namespace floe::engine {
namespace {

using ::testing::HasSubstr;

TEST(QueryTest, FetchOneAndTypes) {
  auto r = RunQuery(
      {.sql =
           "SELECT 42 AS i, 2.5::DOUBLE AS d, 'x' AS s, true AS b, NULL AS n, [1, 2] AS l, "
           "{'k': 1} AS st, DATE '2024-01-02' AS dt, TIMESTAMP '2024-01-02 03:04:05' AS ts, 1.25::DECIMAL(5,2) AS dec",
       .fetch = FetchType::kFetchOne});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& row = r->row;
  EXPECT_EQ(row.Get("i")->AsInt(), 42);
  EXPECT_DOUBLE_EQ(row.Get("d")->AsDouble(), 2.5);
  EXPECT_EQ(row.Get("s")->AsString(), "x");
  EXPECT_TRUE(row.Get("b")->AsBool());
  EXPECT_TRUE(row.Get("n")->is_null());
  EXPECT_EQ(row.Get("l")->AsList().size(), 2u);
  EXPECT_EQ(row.Get("st")->Get("k")->AsInt(), 1);
  EXPECT_EQ(row.Get("dt")->AsString(), "2024-01-02");
  EXPECT_EQ(row.Get("ts")->AsString(), "2024-01-02T03:04:05");
  EXPECT_DOUBLE_EQ(row.Get("dec")->AsDouble(), 1.25);
  EXPECT_EQ(r->size, 1);
}

TEST(QueryTest, SeveralStatementsFetchTheLast) {
  auto r = RunQuery({.sql = "CREATE TABLE t AS SELECT range AS x FROM range(5); INSERT INTO t VALUES (10); "
                            "SELECT x FROM t ORDER BY x DESC;",
                     .fetch = FetchType::kFetch});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size, 6);
  EXPECT_EQ(r->rows.AsList()[0].Get("x")->AsInt(), 10);
}

TEST(QueryTest, ErrorsNameTheStatement) {
  auto r = RunQuery({.sql = "SELECT 1;\nSELECT * FROM missing_table;"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("statement 2 (SELECT * FROM missing_table)"));
  EXPECT_THAT(r.status().message(), HasSubstr("missing_table"));
  auto p = RunQuery({.sql = "SELEC 1"});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("syntax error"));
}

TEST(QueryTest, Parameters) {
  auto r = RunQuery({.sql = "SELECT $name || '!' AS greeting, $n + 1 AS next",
                     .fetch = FetchType::kFetchOne,
                     .named_parameters = {{"name", tmpl::Value("ada")}, {"n", tmpl::Value(41)}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->row.Get("greeting")->AsString(), "ada!");
  EXPECT_EQ(r->row.Get("next")->AsInt(), 42);
  auto missing = RunQuery({.sql = "SELECT $nope", .fetch = FetchType::kFetchOne});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("$nope"));
}

TEST(QueryTest, StoreWritesParquet) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_engine_" + NewId());
  std::filesystem::create_directories(dir);
  auto r = RunQuery(
      {.sql = "SELECT range AS x FROM range(1000)", .fetch = FetchType::kStore, .store_path = dir / "out.parquet"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size, 1000);
  auto back = RunQuery({.sql = "SELECT sum(x) AS s FROM read_parquet('" + (dir / "out.parquet").string() + "')",
                        .fetch = FetchType::kFetchOne});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->row.Get("s")->AsInt(), 499500);
  auto not_select =
      RunQuery({.sql = "CREATE TABLE t(x INT)", .fetch = FetchType::kStore, .store_path = dir / "x.parquet"});
  EXPECT_FALSE(not_select.ok());
  std::filesystem::remove_all(dir);
}

TEST(QueryTest, RelativeReadsUseTheWorkingDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_engine_" + NewId());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "in.csv") << "a,b\n1,2\n3,4\n";
  auto session = Session::Open({.working_directory = dir});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto con = (*session)->Connect();
  ASSERT_TRUE(con.ok());
  auto r = (*con)->Run({.sql = "SELECT sum(a + b) AS s FROM read_csv('in.csv')", .fetch = FetchType::kFetchOne});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->row.Get("s")->AsInt(), 10);
  std::filesystem::remove_all(dir);
}

TEST(QueryTest, DatabaseFilePersists) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_engine_" + NewId());
  std::filesystem::create_directories(dir);
  std::string db = (dir / "x.duckdb").string();
  ASSERT_TRUE(RunQuery({.sql = "CREATE TABLE t AS SELECT 7 AS v"}, db).ok());
  auto r = RunQuery({.sql = "SELECT v FROM t", .fetch = FetchType::kFetchOne}, db);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->row.Get("v")->AsInt(), 7);
  auto bad = RunQuery({.sql = "SELECT 1"}, "/nonexistent/dir/x.duckdb");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("cannot open DuckDB database"));
  std::filesystem::remove_all(dir);
}

// COPY ... TO is staged (staged_write.h): the target holds the old output
// or the new one, never part of a failed statement's, and DuckDB's own
// semantics (format from the extension, OVERWRITE, a non-empty folder
// refused) are kept.
class CopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_copy_" + NewId());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Status Copy(const std::string& select, const std::string& options) {
    return RunQuery({.sql = "COPY (" + select + ") TO '" + (dir_ / "orders").string() + "' (" + options + ")"})
        .status();
  }
  // count(*), min(v), max(v) over every Parquet file under orders/.
  std::string Contents() {
    auto r = RunQuery({.sql = "SELECT count(*) || ' ' || min(v) || '..' || max(v) AS c FROM read_parquet('" +
                              (dir_ / "orders").string() + "/**/*.parquet')",
                       .fetch = FetchType::kFetchOne});
    return r.ok() ? r->row.Get("c")->AsString() : r.status().ToString();
  }
  std::vector<std::string> Entries() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    return out;
  }
  std::filesystem::path dir_;
};

TEST_F(CopyTest, PartitionedWritesReplaceTheFolderWhole) {
  ASSERT_TRUE(Copy("SELECT range AS v, range % 3 AS p FROM range(30)", "FORMAT parquet, PARTITION_BY (p)").ok());
  EXPECT_EQ(Contents(), "30 0..29");
  Status again = Copy("SELECT range AS v, range % 3 AS p FROM range(30)", "FORMAT parquet, PARTITION_BY (p)");
  EXPECT_THAT(again.message(), HasSubstr("not empty")) << "DuckDB's refusal is kept";
  ASSERT_TRUE(
      Copy("SELECT 100 + range AS v, range % 2 AS p FROM range(10)", "FORMAT parquet, PARTITION_BY (p), OVERWRITE")
          .ok());
  EXPECT_EQ(Contents(), "10 100..109");
  EXPECT_EQ(Entries(), std::vector<std::string>{"orders"}) << "no staging left";
}

TEST_F(CopyTest, AFailingStatementLeavesTheOldContents) {
  ASSERT_TRUE(Copy("SELECT range AS v, range % 3 AS p FROM range(30)", "FORMAT parquet, PARTITION_BY (p)").ok());
  // Fails after DuckDB has written part of the output.
  Status failed = Copy(
      "SELECT CASE WHEN range < 200000 THEN range ELSE error('boom') END AS v, range % 4 AS p "
      "FROM range(300000)",
      "FORMAT parquet, PARTITION_BY (p), OVERWRITE");
  EXPECT_THAT(failed.message(), HasSubstr("boom"));
  EXPECT_EQ(Contents(), "30 0..29");
  EXPECT_EQ(Entries(), std::vector<std::string>{"orders"});
}

TEST_F(CopyTest, OverwriteOrIgnoreKeepsOtherPartitions) {
  ASSERT_TRUE(Copy("SELECT range AS v, range % 3 AS p FROM range(30)", "FORMAT parquet, PARTITION_BY (p)").ok());
  ASSERT_TRUE(Copy("SELECT 100 AS v, 5 AS p", "FORMAT parquet, PARTITION_BY (p), OVERWRITE_OR_IGNORE").ok());
  EXPECT_EQ(Contents(), "31 0..100");
}

TEST_F(CopyTest, SingleFilesKeepTheirFormatAndAreReplaced) {
  std::string file = (dir_ / "one.parquet").string();
  ASSERT_TRUE(RunQuery({.sql = "COPY (SELECT 1 AS v) TO '" + file + "'"}).ok());
  ASSERT_TRUE(RunQuery({.sql = "COPY (SELECT 2 AS v) TO '" + file + "'"}).ok());
  auto r = RunQuery({.sql = "SELECT v FROM read_parquet('" + file + "')", .fetch = FetchType::kFetchOne});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->row.Get("v")->AsInt(), 2);
  EXPECT_EQ(Entries(), std::vector<std::string>{"one.parquet"});
}

// What a killed write leaves (a footer-less file in a dead process's
// staging) is invisible to reads of the target and gone after the next write.
TEST_F(CopyTest, StaleStagingIsNeitherReadNorKept) {
  ASSERT_TRUE(Copy("SELECT range AS v, range % 3 AS p FROM range(30)", "FORMAT parquet, PARTITION_BY (p)").ok());
  std::string stale = ".floe-tmp-999999999-" + NewId() + ".orders";
  std::filesystem::create_directories(dir_ / stale / "p=1");
  std::ofstream(dir_ / stale / "p=1" / "data_0.parquet") << "PAR1 and no footer";
  EXPECT_EQ(Contents(), "30 0..29");
  auto everything = RunQuery({.sql = "SELECT count(*) AS n FROM read_parquet('" + dir_.string() + "/**/*.parquet')",
                              .fetch = FetchType::kFetchOne});
  ASSERT_TRUE(everything.ok()) << "hidden staging is skipped by globs: " << everything.status().ToString();
  EXPECT_EQ(everything->row.Get("n")->AsInt(), 30);
  ASSERT_TRUE(Copy("SELECT 7 AS v, 1 AS p", "FORMAT parquet, PARTITION_BY (p), OVERWRITE").ok());
  EXPECT_EQ(Contents(), "1 7..7");
  EXPECT_EQ(Entries(), std::vector<std::string>{"orders"});
}

// One database, many connections: what a models build with --threads does.
TEST(SessionTest, ConnectionsOfOneSessionShareTheDatabaseAndRunConcurrently) {
  auto session = Session::Open({});
  ASSERT_TRUE(session.ok());
  auto setup = (*session)->Connect();
  ASSERT_TRUE(setup.ok());
  ASSERT_TRUE((*setup)->Execute("CREATE TABLE src AS SELECT range AS x FROM range(100000)").ok());
  std::vector<std::thread> threads;
  std::vector<Status> results(4, Status::Ok());
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto con = (*session)->Connect();
      if (!con.ok()) {
        results[i] = con.status();
        return;
      }
      results[i] = (*con)->Execute("CREATE TABLE t" + std::to_string(i) + " AS SELECT x * " + std::to_string(i) +
                                   " AS y FROM src");
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  auto table = (*setup)->Query("SELECT sum(y)::BIGINT AS s, count(*) AS n FROM t3");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->columns.size(), 2u);
  EXPECT_EQ(table->columns[0].name, "s");
  EXPECT_EQ(table->columns[0].type, "BIGINT");
  EXPECT_EQ(table->rows[0][0].AsInt(), 3 * (99999LL * 100000 / 2));
  EXPECT_EQ(table->rows[0][1].AsInt(), 100000);
}

TEST(SessionTest, InterruptAllStopsARunningStatement) {
  auto session = Session::Open({});
  ASSERT_TRUE(session.ok());
  auto con = (*session)->Connect();
  ASSERT_TRUE(con.ok());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (*session)->InterruptAll();
  });
  auto r = (*con)->Execute("SELECT count(*) FROM range(1000000000000) a");
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.message(), HasSubstr("nterrupt"));
  // The connection stays usable.
  EXPECT_TRUE((*con)->Execute("SELECT 1").ok());
}

TEST(SessionTest, SettingsAndInitStatementsApplyAndFailWithTheirName) {
  auto session = Session::Open({.settings = {{"threads", "1"}}, .init_sql = {"CREATE SCHEMA raw"}});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->DatabaseName(), "memory");
  auto con = (*session)->Connect();
  ASSERT_TRUE(con.ok());
  auto t = (*con)->Query(
      "SELECT current_setting('threads') AS t, (SELECT count(*) FROM duckdb_schemas() WHERE "
      "schema_name = 'raw') AS raw");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->rows[0][0].AsInt(), 1);
  EXPECT_EQ(t->rows[0][1].AsInt(), 1);
  auto bad = Session::Open({.settings = {{"no_such_setting", "1"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().ToString(), HasSubstr("no_such_setting"));
  auto ext = Session::Open({.extensions = {"no_such_extension"}});
  ASSERT_FALSE(ext.ok());
  EXPECT_THAT(ext.status().ToString(), HasSubstr("no_such_extension"));
}

}  // namespace
}  // namespace floe::engine
