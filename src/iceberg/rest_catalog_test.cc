#include "iceberg/rest_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/id.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

class RestCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_rest_" + NewId());
    catalog_ = std::move(*SqlCatalog::Open(dir_ / "floe.db"));
    tables_ = std::make_unique<Tables>(*catalog_, stores_);
    rest_ = std::make_unique<RestCatalog>(*catalog_, *tables_, (dir_ / "warehouse").string());
  }
  void TearDown() override {
    rest_.reset();
    tables_.reset();
    catalog_.reset();
    std::filesystem::remove_all(dir_);
  }
  static tmpl::Value Json(const RestResponse& r) { return r.body.empty() ? tmpl::Value() : *tmpl::ParseJson(r.body); }

  std::filesystem::path dir_;
  storage::ObjectStores stores_;
  std::unique_ptr<SqlCatalog> catalog_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<RestCatalog> rest_;
};

TEST_F(RestCatalogTest, NamespacesTablesCommitsAndErrorsInTheSpecsShapes) {
  EXPECT_EQ(rest_->CreateNamespace(R"({"namespace": ["lake"], "properties": {"owner": "data"}})").status, 200);
  auto dup = rest_->CreateNamespace(R"({"namespace": ["lake"]})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(Json(dup).Get("error")->Get("type")->AsString(), "AlreadyExistsException");
  EXPECT_EQ(Json(rest_->LoadNamespace({"lake"})).Get("properties")->Get("owner")->AsString(), "data");
  EXPECT_EQ(rest_->LoadNamespace({"nope"}).status, 404);
  EXPECT_THAT(rest_->ListNamespaces({}).body, HasSubstr(R"([["lake"]])"));

  auto created = rest_->CreateTable({"lake"}, R"({"name": "orders", "schema": {"type": "struct", "fields": [
      {"id": 1, "name": "id", "required": true, "type": "long"},
      {"id": 2, "name": "day", "required": false, "type": "date"}]},
      "partition-spec": {"spec-id": 0, "fields": [{"source-id": 2, "field-id": 1000, "name": "day", "transform": "identity"}]},
      "properties": {"k": "v"}})");
  ASSERT_EQ(created.status, 200) << created.body;
  tmpl::Value table = Json(created);
  EXPECT_THAT(table.Get("metadata-location")->AsString(), HasSubstr("/warehouse/lake/orders/metadata/00000-"));
  EXPECT_EQ(table.Get("metadata")->Get("format-version")->AsInt(), 2);
  EXPECT_EQ(table.Get("metadata")->Get("properties")->Get("k")->AsString(), "v");
  std::string uuid = table.Get("metadata")->Get("table-uuid")->AsString();
  EXPECT_THAT(rest_->ListTables({"lake"}).body, HasSubstr(R"({"namespace":["lake"],"name":"orders"})"));

  // A commit whose requirements hold; then the same requirement, stale: 409.
  std::string commit = R"({"requirements": [{"type": "assert-table-uuid", "uuid": ")" + uuid +
                       R"("}, {"type": "assert-current-schema-id", "current-schema-id": 0}],
      "updates": [{"action": "add-schema", "schema": {"type": "struct", "schema-id": 1, "fields": [
          {"id": 1, "name": "id", "required": true, "type": "long"},
          {"id": 2, "name": "day", "required": false, "type": "date"},
          {"id": 3, "name": "note", "required": false, "type": "string"}]}, "last-column-id": 3},
        {"action": "set-current-schema", "schema-id": -1},
        {"action": "set-properties", "updates": {"k": "w"}}]})";
  auto ok = rest_->CommitTable({"lake"}, "orders", commit);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Json(ok).Get("metadata")->Get("current-schema-id")->AsInt(), 1);
  EXPECT_EQ(Json(ok).Get("metadata")->Get("last-column-id")->AsInt(), 3);
  auto stale = rest_->CommitTable({"lake"}, "orders", commit);
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(Json(stale).Get("error")->Get("type")->AsString(), "CommitFailedException");
  EXPECT_THAT(stale.body, HasSubstr("current-schema-id is 1, not 0"));
  auto bad = rest_->CommitTable({"lake"}, "orders", R"({"requirements": [], "updates": [{"action": "explode"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(rest_->CommitTable({"lake"}, "missing", R"({"requirements": [], "updates": []})").status, 404);

  // A snapshot committed by a client, then main set to it.
  auto snap = rest_->CommitTable(
      {"lake"}, "orders", R"({"requirements": [{"type": "assert-ref-snapshot-id", "ref": "main", "snapshot-id": null}],
      "updates": [{"action": "add-snapshot", "snapshot": {"snapshot-id": 7, "sequence-number": 1, "timestamp-ms": 1700000000000,
                   "manifest-list": "s3://b/m.avro", "summary": {"operation": "append"}}},
                  {"action": "set-snapshot-ref", "ref-name": "main", "type": "branch", "snapshot-id": 7}]})");
  ASSERT_EQ(snap.status, 200) << snap.body;
  EXPECT_EQ(Json(snap).Get("metadata")->Get("current-snapshot-id")->AsInt(), 7);
  EXPECT_EQ(tables_->Load({{"lake"}, "orders"})->metadata.current_snapshot_id, 7);

  EXPECT_EQ(rest_->DropNamespace({"lake"}).status, 409) << "it holds a table";
  EXPECT_EQ(rest_
                ->RenameTable(R"({"source": {"namespace": ["lake"], "name": "orders"},
                                   "destination": {"namespace": ["lake"], "name": "sales"}})")
                .status,
            204);
  EXPECT_EQ(rest_->LoadTable({"lake"}, "orders").status, 404);
  EXPECT_EQ(rest_->LoadTable({"lake"}, "sales").status, 200);
  EXPECT_EQ(rest_->DropTable({"lake"}, "sales").status, 204);
  EXPECT_EQ(rest_->DropNamespace({"lake"}).status, 204);
  EXPECT_EQ(rest_->CreateNamespace("not json").status, 400);
}

}  // namespace
}  // namespace floe::iceberg
