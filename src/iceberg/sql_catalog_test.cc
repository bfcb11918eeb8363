#include "iceberg/sql_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "core/id.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

class SqlCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_catalog_" + NewId());
    auto c = SqlCatalog::Open(dir_ / "floe.db");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }
  void TearDown() override {
    catalog_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<SqlCatalog> catalog_;
};

TEST_F(SqlCatalogTest, NamespacesAndTables) {
  ASSERT_TRUE(catalog_->CreateNamespace({"lake"}, {{"owner", "data"}}).ok());
  ASSERT_TRUE(catalog_->CreateNamespace({"lake", "sales"}).ok());
  EXPECT_EQ(catalog_->CreateNamespace({"lake"}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*catalog_->ListNamespaces(), (std::vector<Namespace>{{"lake"}}));
  EXPECT_EQ(*catalog_->ListNamespaces({"lake"}), (std::vector<Namespace>{{"lake", "sales"}}));
  EXPECT_EQ(catalog_->NamespaceProperties({"lake"})->at("owner"), "data");
  ASSERT_TRUE(catalog_->SetNamespaceProperties({"lake"}, {{"owner", "ops"}, {"tier", "gold"}}, {"exists"}).ok());
  auto props = *catalog_->NamespaceProperties({"lake"});
  EXPECT_EQ(props.at("owner"), "ops");
  EXPECT_EQ(props.count("exists"), 0u);
  EXPECT_EQ(catalog_->NamespaceProperties({"nowhere"}).status().code(), StatusCode::kNotFound);

  TableIdent orders{{"lake", "sales"}, "orders"};
  EXPECT_EQ(catalog_->CreateTable({{"nowhere"}, "t"}, "m0.json").code(), StatusCode::kNotFound);
  ASSERT_TRUE(catalog_->CreateTable(orders, "s3://lake/orders/metadata/00000.metadata.json").ok());
  EXPECT_EQ(catalog_->CreateTable(orders, "x").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*catalog_->LoadTable(orders), "s3://lake/orders/metadata/00000.metadata.json");
  ASSERT_EQ(catalog_->ListTables({"lake", "sales"})->size(), 1u);

  // Compare-and-swap: the commit from a stale location is refused, naming both.
  ASSERT_TRUE(catalog_->CommitTable(orders, "s3://lake/orders/metadata/00000.metadata.json", "m1.json").ok());
  Status stale = catalog_->CommitTable(orders, "s3://lake/orders/metadata/00000.metadata.json", "m1b.json");
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.message(), HasSubstr("commit conflict on table lake.sales.orders: it is at m1.json"));
  EXPECT_EQ(*catalog_->LoadTable(orders), "m1.json");

  EXPECT_EQ(catalog_->DropNamespace({"lake", "sales"}).code(), StatusCode::kFailedPrecondition);
  TableIdent renamed{{"lake"}, "orders_v2"};
  ASSERT_TRUE(catalog_->RenameTable(orders, renamed).ok());
  EXPECT_EQ(catalog_->LoadTable(orders).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*catalog_->LoadTable(renamed), "m1.json");
  ASSERT_TRUE(catalog_->DropTable(renamed).ok());
  EXPECT_EQ(catalog_->DropTable(renamed).code(), StatusCode::kNotFound);
  EXPECT_TRUE(catalog_->DropNamespace({"lake", "sales"}).ok());
  EXPECT_THAT(ParseNamespace("a..b").status().message(), HasSubstr("empty level"));
}

// The layout other engines read: Iceberg's JdbcCatalog and pyiceberg's
// SqlCatalog tables, with the previous location kept by a commit.
TEST_F(SqlCatalogTest, UsesTheJdbcCatalogTables) {
  ASSERT_TRUE(catalog_->CreateNamespace({"db"}).ok());
  ASSERT_TRUE(catalog_->CreateTable({{"db"}, "t"}, "m0.json").ok());
  ASSERT_TRUE(catalog_->CommitTable({{"db"}, "t"}, "m0.json", "m1.json").ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "floe.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT catalog_name, table_namespace, table_name, metadata_location, "
                               "previous_metadata_location FROM iceberg_tables",
                               -1, &s, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  auto text = [&](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i))); };
  EXPECT_EQ(text(0), "floe");
  EXPECT_EQ(text(1), "db");
  EXPECT_EQ(text(2), "t");
  EXPECT_EQ(text(3), "m1.json");
  EXPECT_EQ(text(4), "m0.json");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

// 8 writers, each on its own connection, commit 50 times to one table by
// compare-and-swap with retry: every commit lands once, none is lost.
TEST_F(SqlCatalogTest, ConcurrentCommitsAreNeverLost) {
  TableIdent t{{"db"}, "counter"};
  ASSERT_TRUE(catalog_->CreateNamespace({"db"}).ok());
  ASSERT_TRUE(catalog_->CreateTable(t, "v0").ok());
  std::atomic<int> conflicts{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&] {
      auto mine = SqlCatalog::Open(dir_ / "floe.db");
      ASSERT_TRUE(mine.ok());
      for (int i = 0; i < 50; ++i) {
        while (true) {
          std::string at = *(*mine)->LoadTable(t);
          std::string next = "v" + std::to_string(std::stoi(at.substr(1)) + 1);
          Status s = (*mine)->CommitTable(t, at, next);
          if (s.ok()) break;
          ASSERT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
          ++conflicts;
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(*catalog_->LoadTable(t), "v400");
  std::printf("400 commits from 8 writers, %d conflicts retried\n", conflicts.load());
}

}  // namespace
}  // namespace floe::iceberg
