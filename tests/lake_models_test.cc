// SQL models materialized as Iceberg tables, through `floe models build`:
// one snapshot per build, incremental merges, schema changes by field id,
// and write-audit-publish (--audit-branch) that publishes every table to
// main together only when the tests pass.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "iceberg/lake.h"
#include "tests/support/shell.h"

namespace floe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class LakeModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("floe_lake_models_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "project" / "models");
    fs::create_directories(root_ / "project" / "seeds");
    fs::create_directories(root_ / "project" / "tests");
    Write("dbt_project.yml", "name: shop\nprofile: shop\n");
    Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n");
    Orders({"1,ann,10,2026-01-01 10:00:00", "2,bob,20,2026-01-02 11:00:00"});
    Write("models/orders.sql",
          "{{ config(materialized='iceberg', partition_by=['day(ordered_at)'], unique_key='id') }}\n"
          "select id, customer, amount, ordered_at from {{ ref('raw_orders') }}\n"
          "{% if is_incremental() %} where id >= (select coalesce(max(id), 0) from {{ this }}) {% endif %}\n");
    Write("models/revenue.sql",
          "{{ config(materialized='iceberg') }}\n"
          "select customer, sum(amount) as total from {{ ref('orders') }} group by customer\n");
    Write("models/schema.yml",
          "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests: [unique, not_null]\n");
    Write("tests/positive_amounts.sql", "select * from {{ ref('orders') }} where amount < 0\n");
  }
  void TearDown() override {
    lake_.reset();
    if (!HasFailure()) fs::remove_all(root_);
  }

  void Write(const std::string& name, const std::string& text) { std::ofstream(root_ / "project" / name) << text; }
  void Orders(const std::vector<std::string>& rows) {
    std::string csv = "id,customer,amount,ordered_at\n";
    for (const auto& r : rows) csv += r + "\n";
    Write("seeds/raw_orders.csv", csv);
  }

  // `floe models ARGS` with stderr: exit code and output.
  testing::CommandResult Models(const std::string& args) {
    lake_.reset();  // one writer at a time on the catalog is not required, but the test reads after each build
    return testing::RunShell("cd '" + (root_ / "project").string() + "' && " + FLOE_BINARY + " models " + args +
                             " --home '" + (root_ / "home").string() + "' 2>&1");
  }

  iceberg::Lake& Lake() {
    if (!lake_) {
      auto opened = iceberg::Lake::Open({.catalog = root_ / "home" / "floe.db"});
      EXPECT_TRUE(opened.ok()) << opened.status().ToString();
      lake_ = std::move(*opened);
    }
    return *lake_;
  }
  int64_t Int(const std::string& sql) {
    auto t = Lake().connection().Query(sql);
    EXPECT_TRUE(t.ok()) << sql << ": " << t.status().ToString();
    if (!t.ok() || t->rows.empty() || t->rows[0][0].is_null()) return -1;
    const tmpl::Value& v = t->rows[0][0];
    return v.is_int() ? v.AsInt() : static_cast<int64_t>(v.AsDouble());  // sums are decimals
  }
  iceberg::TableMetadata Metadata(const std::string& table) {
    auto ident = iceberg::ParseTableIdent(table);
    auto loaded = Lake().tables().Load(*ident);
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return loaded.ok() ? loaded->metadata : iceberg::TableMetadata{};
  }
  int64_t Main(const std::string& table) { return Metadata(table).current_snapshot_id.value_or(0); }

  fs::path root_;
  std::unique_ptr<iceberg::Lake> lake_;
};

TEST_F(LakeModelsTest, EachBuildIsOneSnapshotAndIncrementalRunsMerge) {
  auto first = Models("build");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_THAT(first.out, HasSubstr("OK created sql iceberg model main.orders"));
  EXPECT_EQ(Metadata("main.orders").snapshots.size(), 1u);
  EXPECT_EQ(Metadata("main.orders").DefaultSpec()->fields.size(), 1u);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders')"), 2);
  EXPECT_EQ(Int("SELECT total FROM iceberg_scan('main.revenue') WHERE customer = 'bob'"), 20);

  // Row 2 changes and row 3 arrives: the incremental model merges them on id.
  Orders({"1,ann,10,2026-01-01 10:00:00", "2,bob,25,2026-01-02 11:00:00", "3,cid,7,2026-01-03 09:00:00"});
  auto second = Models("build");
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(Metadata("main.orders").snapshots.size(), 2u);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders')"), 3);
  EXPECT_EQ(Int("SELECT amount FROM iceberg_scan('main.orders') WHERE id = 2"), 25);
  EXPECT_EQ(Int("SELECT total FROM iceberg_scan('main.revenue') WHERE customer = 'bob'"), 25);
  // A model that is not incremental replaces its rows, as a table model does.
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.revenue')"), 3);
  EXPECT_EQ(Metadata("main.revenue").CurrentSnapshot()->summary.at("operation"), "overwrite");
  // The first snapshot still reads what the first build wrote.
  int64_t first_snapshot = Metadata("main.orders").snapshots.front().snapshot_id;
  EXPECT_EQ(Int("SELECT amount FROM iceberg_scan('main.orders', snapshot_id => " + std::to_string(first_snapshot) +
                ") WHERE id = 2"),
            20);
  // Downstream models and ad-hoc queries read the table through its view.
  auto shown = Models("show --inline \"select sum(amount) as s from {{ ref('orders') }}\"");
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_THAT(shown.out, HasSubstr("| 42 |"));
}

TEST_F(LakeModelsTest, SchemaChangesFollowTheQueryByFieldId) {
  ASSERT_EQ(Models("build").exit_code, 0);
  int64_t before = Main("main.orders");
  // A new column: incremental runs refuse it when on_schema_change is fail.
  Write("models/orders.sql",
        "{{ config(materialized='iceberg', unique_key='id', on_schema_change='fail') }}\n"
        "select id, customer, amount * 2 as amount, 'web' as channel from {{ ref('raw_orders') }}\n");
  auto refused = Models("build -s orders");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("on_schema_change is 'fail'"));
  EXPECT_EQ(Main("main.orders"), before);

  // A full refresh takes the query's columns: channel added, ordered_at
  // dropped, and the ids of the columns that stay unchanged.
  auto refreshed = Models("build -s orders --full-refresh");
  ASSERT_EQ(refreshed.exit_code, 0) << refreshed.out;
  iceberg::TableMetadata m = Metadata("main.orders");
  const iceberg::Schema& schema = *m.CurrentSchema();
  ASSERT_NE(schema.FindField("channel"), nullptr);
  EXPECT_EQ(schema.FindField("ordered_at"), nullptr);
  EXPECT_EQ(schema.FindField("id")->id, 1);
  EXPECT_EQ(schema.FindField("channel")->id, 5);
  EXPECT_EQ(Int("SELECT sum(amount) FROM iceberg_scan('main.orders')"), 60);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders') WHERE channel = 'web'"), 2);
  EXPECT_EQ(Int("SELECT sum(amount) FROM iceberg_scan('main.orders', snapshot_id => " + std::to_string(before) + ")"),
            30);
}

TEST_F(LakeModelsTest, AFailedAuditLeavesMainAndNamesTheBranch) {
  ASSERT_EQ(Models("build").exit_code, 0);
  const int64_t orders = Main("main.orders"), revenue = Main("main.revenue");
  Orders({"1,ann,10,2026-01-01 10:00:00", "2,bob,20,2026-01-02 11:00:00", "3,bad,-5,2026-01-03 12:00:00"});
  auto audited = Models("build --audit-branch audit");
  EXPECT_EQ(audited.exit_code, 1) << audited.out;
  EXPECT_THAT(audited.out, HasSubstr("FAIL 1 positive_amounts"));
  EXPECT_THAT(audited.out, HasSubstr("Audit failed: main is untouched. What this build wrote is in branch 'audit' "
                                     "of main.orders"));
  EXPECT_THAT(audited.out, Not(HasSubstr("Published")));
  EXPECT_EQ(Main("main.orders"), orders);
  EXPECT_EQ(Main("main.revenue"), revenue);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders')"), 2);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders', ref => 'audit')"), 3);
  // The views read main: a query of the DuckDB database sees no bad row,
  // and no view names the branch (a killed build leaves nothing behind).
  auto shown = Models("show --inline \"select count(*) as n from {{ ref('orders') }}\"");
  EXPECT_THAT(shown.out, HasSubstr("| 2 |"));
  auto views = Models("show --inline \"select count(*) as n from duckdb_views() where sql like '%audit%'\"");
  EXPECT_THAT(views.out, HasSubstr("| 0 |"));

  // Fixed data: the audit passes and both tables move to main together.
  Orders({"1,ann,10,2026-01-01 10:00:00", "2,bob,20,2026-01-02 11:00:00", "3,cid,5,2026-01-03 12:00:00"});
  auto published = Models("build --audit-branch audit");
  ASSERT_EQ(published.exit_code, 0) << published.out;
  EXPECT_THAT(
      published.out,
      HasSubstr("Published 2 Iceberg table(s) from branch 'audit' to main, together: main.orders, main.revenue"));
  EXPECT_NE(Main("main.orders"), orders);
  EXPECT_NE(Main("main.revenue"), revenue);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders')"), 3);
  EXPECT_EQ(Int("SELECT total FROM iceberg_scan('main.revenue') WHERE customer = 'cid'"), 5);
  EXPECT_EQ(Metadata("main.orders").refs.count("audit"), 0u);  // published branches are dropped
  // main moved by fast-forward: the failed audit's snapshot is not in its history.
  EXPECT_EQ(*Metadata("main.orders").CurrentSnapshot()->parent_snapshot_id, orders);
}

TEST_F(LakeModelsTest, AFailedBuildChangesNoMetadataAndAuditsRefuseSchemaChanges) {
  ASSERT_EQ(Models("build").exit_code, 0);
  const int schema = Metadata("main.orders").current_schema_id;
  // New columns, then a failure (duplicate merge keys): nothing of it lands.
  Write("models/orders.sql",
        "{{ config(materialized='iceberg', unique_key='id', on_schema_change='sync_all_columns') }}\n"
        "select 1 as id, 'x' as customer, 5 as amount, 'web' as channel union all select 1, 'y', 6, 'web'\n");
  auto failed = Models("build -s orders");
  EXPECT_EQ(failed.exit_code, 1) << failed.out;
  EXPECT_THAT(failed.out, HasSubstr("repeat 1 key(s)"));
  EXPECT_EQ(Metadata("main.orders").current_schema_id, schema);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders')"), 2);
  // Under an audit, a schema change (shared by every branch) is refused.
  Write("models/orders.sql",
        "{{ config(materialized='iceberg', unique_key='id', on_schema_change='sync_all_columns') }}\n"
        "select 3 as id, 'x' as customer, 5 as amount, 'web' as channel\n");
  auto audited = Models("build -s orders --audit-branch audit");
  EXPECT_EQ(audited.exit_code, 1) << audited.out;
  EXPECT_THAT(audited.out, HasSubstr("cannot be audited"));
  EXPECT_EQ(Metadata("main.orders").current_schema_id, schema);
  // Without it the change lands with the rows, in one commit.
  ASSERT_EQ(Models("build -s orders").exit_code, 0);
  EXPECT_NE(Metadata("main.orders").current_schema_id, schema);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.orders') WHERE channel = 'web'"), 1);
}

TEST_F(LakeModelsTest, TypesAndNamesFollowDuckDb) {
  Write("models/totals.sql",
        "{{ config(materialized='iceberg', unique_key='k', on_schema_change='append_new_columns') }}\n"
        "select 1 as k, sum(x) as s from (values (9007199254740993::BIGINT), (0::BIGINT)) v(x)\n");
  ASSERT_EQ(Models("build -s totals").exit_code, 0);
  // A sum of BIGINTs (HUGEINT) keeps every digit, as decimal(38,0).
  EXPECT_EQ(Metadata("main.totals").CurrentSchema()->FindField("s")->type->ToString(), "decimal(38,0)");
  auto exact = Lake().connection().Query("SELECT s::VARCHAR FROM iceberg_scan('main.totals')");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->rows[0][0].AsString(), "9007199254740993");
  // `S` is the column `s` (DuckDB's names are case-insensitive): no new column.
  Write("models/totals.sql",
        "{{ config(materialized='iceberg', unique_key='k', on_schema_change='append_new_columns') }}\n"
        "select 1 as k, 2::DECIMAL(38,0) as S\n");
  auto renamed = Models("build -s totals");
  ASSERT_EQ(renamed.exit_code, 0) << renamed.out;
  EXPECT_EQ(Metadata("main.totals").CurrentSchema()->fields.size(), 2u);
  // A type the column cannot widen to: refused incrementally, adopted by a full refresh.
  Write("models/totals.sql",
        "{{ config(materialized='iceberg', unique_key='k', on_schema_change='append_new_columns') }}\n"
        "select 1 as k, 'many' as s\n");
  auto retyped = Models("build -s totals");
  EXPECT_EQ(retyped.exit_code, 1) << retyped.out;
  EXPECT_THAT(retyped.out, HasSubstr("cannot widen to; rebuild with --full-refresh"));
  ASSERT_EQ(Models("build -s totals --full-refresh").exit_code, 0);
  EXPECT_EQ(Metadata("main.totals").CurrentSchema()->FindField("s")->type->ToString(), "string");
  // Widened by a BIGINT key, the column still takes INTEGER rows.
  Write("models/totals.sql", "{{ config(materialized='iceberg', unique_key='k') }}\nselect 2::BIGINT as k, 'a' as s\n");
  ASSERT_EQ(Models("build -s totals").exit_code, 0);
  EXPECT_EQ(Metadata("main.totals").CurrentSchema()->FindField("k")->type->ToString(), "long");
  Write("models/totals.sql",
        "{{ config(materialized='iceberg', unique_key='k') }}\nselect 3::INTEGER as k, 'b' as s\n");
  auto narrower = Models("build -s totals");
  ASSERT_EQ(narrower.exit_code, 0) << narrower.out;
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.totals')"), 3);
}

TEST_F(LakeModelsTest, AFullRefreshRetypesAPartitionColumn) {
  Write("models/events.sql",
        "{{ config(materialized='iceberg', partition_by=['day(d)']) }}\nselect 1 as id, DATE '2026-01-02' as d\n");
  ASSERT_EQ(Models("build -s events").exit_code, 0);
  Write("models/events.sql",
        "{{ config(materialized='iceberg', partition_by=['day(d)']) }}\n"
        "select 1 as id, TIMESTAMP '2026-01-03 10:00:00' as d\n");
  auto refreshed = Models("build -s events --full-refresh");
  ASSERT_EQ(refreshed.exit_code, 0) << refreshed.out;
  iceberg::TableMetadata m = Metadata("main.events");
  EXPECT_EQ(m.CurrentSchema()->FindField("d")->type->ToString(), "timestamp");
  ASSERT_EQ(m.DefaultSpec()->fields.size(), 1u);
  EXPECT_EQ(m.DefaultSpec()->fields[0].source_id, m.CurrentSchema()->FindField("d")->id);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('main.events') WHERE d > TIMESTAMP '2026-01-03'"), 1);
}

TEST_F(LakeModelsTest, AuditBranchBelongsToBuild) {
  auto refused = Models("run --audit-branch audit");
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("--audit-branch belongs to build"));
  auto main = Models("build --audit-branch main");
  EXPECT_NE(main.exit_code, 0) << main.out;
  EXPECT_THAT(main.out, HasSubstr("cannot be 'main'"));
  auto empty = Models("build --audit-branch ''");
  EXPECT_EQ(empty.exit_code, 2) << empty.out;
  EXPECT_THAT(empty.out, HasSubstr("--audit-branch needs a branch name"));
}

}  // namespace
}  // namespace floe
