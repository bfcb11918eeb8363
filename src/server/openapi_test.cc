#include "server/openapi.h"

#include <gtest/gtest.h>

namespace floe::server {
namespace {

TEST(OpenApiTest, EveryRouteIsAnOperationWithItsPathParameters) {
  Router router;
  auto noop = [](const HttpRequest&, std::shared_ptr<Responder>) {};
  ASSERT_TRUE(router.Add("GET", "/api/v1/{tenant}/flows/{namespace}/{id}", "Get a flow", noop).ok());
  ASSERT_TRUE(router.Add("DELETE", "/api/v1/{tenant}/flows/{namespace}/{id}", "Delete a flow", noop).ok());
  ASSERT_TRUE(router.Add("GET", "/ui/{path...}", "UI files", noop).ok());
  tmpl::Value doc = OpenApiDocument(router.routes(), "1");
  EXPECT_EQ(doc.Get("openapi")->AsString(), "3.0.3");
  const tmpl::Value* paths = doc.Get("paths");
  const tmpl::Value* flow = paths->Get("/api/v1/{tenant}/flows/{namespace}/{id}");
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(flow->Get("get")->Get("summary")->AsString(), "Get a flow");
  EXPECT_EQ(flow->Get("delete")->Get("operationId")->AsString(), "deleteApiV1TenantFlowsNamespaceId");
  EXPECT_EQ(flow->Get("get")->Get("parameters")->AsList().size(), 3u);
  const tmpl::Value* ui = paths->Get("/ui/{path}");
  ASSERT_NE(ui, nullptr);
  EXPECT_EQ(ui->Get("get")->Get("parameters")->AsList()[0].Get("name")->AsString(), "path");
}

}  // namespace
}  // namespace floe::server
