#include "engine/query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/id.h"

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
  auto r = RunQuery({.sql = "SELECT sum(a + b) AS s FROM read_csv('in.csv')",
                     .fetch = FetchType::kFetchOne,
                     .working_directory = dir});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->row.Get("s")->AsInt(), 10);
  std::filesystem::remove_all(dir);
}

TEST(QueryTest, DatabaseFilePersists) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_engine_" + NewId());
  std::filesystem::create_directories(dir);
  std::string db = (dir / "x.duckdb").string();
  ASSERT_TRUE(RunQuery({.database = db, .sql = "CREATE TABLE t AS SELECT 7 AS v"}).ok());
  auto r = RunQuery({.database = db, .sql = "SELECT v FROM t", .fetch = FetchType::kFetchOne});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->row.Get("v")->AsInt(), 7);
  auto bad = RunQuery({.database = "/nonexistent/dir/x.duckdb", .sql = "SELECT 1"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("cannot open DuckDB database"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace floe::engine
