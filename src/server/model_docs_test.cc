#include "server/model_docs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tmpl/json.h"

namespace floe::server {
namespace {

using tmpl::Value;

Value Json(const std::string& text) {
  auto v = tmpl::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : Value();
}

const Value* NodeNamed(const Value& docs, const std::string& id) {
  for (const Value& n : docs.Get("nodes")->AsList())
    if (n.Get("uniqueId")->AsString() == id) return &n;
  return nullptr;
}

const char* kManifest = R"j({
  "metadata": {"project_name": "shop"},
  "sources": {"source.shop.raw.orders": {"source_name": "raw", "name": "orders", "package_name": "shop",
    "relation_name": "\"db\".\"raw\".\"orders\"", "description": "from the app",
    "columns": {"id": {"name": "id", "description": "order id"}}}},
  "nodes": {
    "model.shop.stg_orders": {"name": "stg_orders", "resource_type": "model", "package_name": "shop",
      "original_file_path": "models/stg_orders.sql", "config": {"materialized": "view"},
      "relation_name": "\"db\".\"main\".\"stg_orders\"", "raw_code": "select * from {{ source('raw', 'orders') }}",
      "description": "cleaned", "tags": ["daily"], "depends_on": {"nodes": ["source.shop.raw.orders"]},
      "columns": {"ID": {"name": "ID", "description": "the order", "data_type": null},
                  "gone": {"name": "gone", "description": "documented, not built", "data_type": "int"}}},
    "test.shop.not_null_stg_orders_id": {"name": "not_null_stg_orders_id", "resource_type": "test",
      "depends_on": {"nodes": ["model.shop.stg_orders"]}, "attached_node": "model.shop.stg_orders",
      "column_name": "id", "config": {"materialized": "test"}, "raw_code": "{{ test_not_null() }}"}
  }})j";

const char* kRunResults = R"j({"results": [
  {"unique_id": "model.shop.stg_orders", "status": "success", "execution_time": 0.25, "message": "OK",
   "compiled_code": "select * from \"db\".\"raw\".\"orders\"",
   "timing": [{"name": "compile", "started_at": "a", "completed_at": "b"},
              {"name": "execute", "started_at": "2026-12-04T10:00:00Z", "completed_at": "2026-12-04T10:00:01Z"}]},
  {"unique_id": "test.shop.not_null_stg_orders_id", "status": "fail", "execution_time": 0.01,
   "message": "Got 2 results", "timing": []}]})j";

const char* kCatalog = R"j({"nodes": {"model.shop.stg_orders": {"columns": {
  "amount": {"name": "amount", "type": "DECIMAL(10,2)", "index": 2},
  "id": {"name": "id", "type": "INTEGER", "index": 1}}}}, "sources": {}})j";

TEST(ModelDocs, NodesCarryLineageSqlAndTheirResult) {
  auto docs = ModelRunDocs(Json(kManifest), Json(kRunResults), Json(kCatalog));
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  EXPECT_EQ(docs->Get("projectName")->AsString(), "shop");
  ASSERT_EQ(docs->Get("nodes")->AsList().size(), 3u);

  const Value* model = NodeNamed(*docs, "model.shop.stg_orders");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->Get("materialized")->AsString(), "view");
  EXPECT_EQ(model->Get("status")->AsString(), "success");
  EXPECT_DOUBLE_EQ(model->Get("executionTime")->AsDouble(), 0.25);
  EXPECT_EQ(model->Get("compiledCode")->AsString(), "select * from \"db\".\"raw\".\"orders\"");
  EXPECT_EQ(model->Get("startedAt")->AsString(), "2026-12-04T10:00:00Z");
  EXPECT_EQ(tmpl::ToJson(*model->Get("dependsOn")), "[\"source.shop.raw.orders\"]");
  EXPECT_EQ(tmpl::ToJson(*model->Get("tags")), "[\"daily\"]");

  const Value* test = NodeNamed(*docs, "test.shop.not_null_stg_orders_id");
  ASSERT_NE(test, nullptr);
  EXPECT_EQ(test->Get("attachedNode")->AsString(), "model.shop.stg_orders");
  EXPECT_EQ(test->Get("status")->AsString(), "fail");
  EXPECT_EQ(test->Get("message")->AsString(), "Got 2 results");
  EXPECT_TRUE(test->Get("compiledCode")->is_null());

  const Value* source = NodeNamed(*docs, "source.shop.raw.orders");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->Get("name")->AsString(), "raw.orders");
  EXPECT_TRUE(source->Get("status")->is_null());
}

TEST(ModelDocs, BuiltColumnsInOrderWithDocumentedDescriptions) {
  auto docs = ModelRunDocs(Json(kManifest), Json(kRunResults), Json(kCatalog));
  ASSERT_TRUE(docs.ok());
  // Built: id (matched case-insensitively to the documented ID), amount; then
  // the documented column the relation lacks.
  EXPECT_EQ(tmpl::ToJson(*NodeNamed(*docs, "model.shop.stg_orders")->Get("columns")),
            "[{\"name\":\"id\",\"type\":\"INTEGER\",\"description\":\"the order\"},"
            "{\"name\":\"amount\",\"type\":\"DECIMAL(10,2)\",\"description\":\"\"},"
            "{\"name\":\"gone\",\"type\":\"int\",\"description\":\"documented, not built\"}]");
}

TEST(ModelDocs, WithoutRunResultsOrCatalogTheManifestAlone) {
  auto docs = ModelRunDocs(Json(kManifest), Value(), Value());
  ASSERT_TRUE(docs.ok());
  const Value* model = NodeNamed(*docs, "model.shop.stg_orders");
  ASSERT_NE(model, nullptr);
  EXPECT_TRUE(model->Get("status")->is_null());
  EXPECT_TRUE(model->Get("compiledCode")->is_null());
  EXPECT_EQ(model->Get("columns")->AsList().size(), 2u);
}

TEST(ModelDocs, NotAManifestIsAnError) {
  auto docs = ModelRunDocs(Json("{\"nodes\": []}"), Value(), Value());
  ASSERT_FALSE(docs.ok());
  EXPECT_THAT(docs.status().message(), testing::HasSubstr("not a dbt manifest"));
}

}  // namespace
}  // namespace floe::server
