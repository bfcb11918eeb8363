#include "server/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace floe::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

AsyncHandler Named(std::string name) {
  return [name](const HttpRequest&, std::shared_ptr<Responder> r) { r->Send(HttpResponse::Text(200, name)); };
}

TEST(RouterTest, MatchesParamsDecodedAndMostSpecificWins) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/api/v1/executions/webhook/{namespace}/{flowId}/{key}", "webhook", Named("w")).ok());
  ASSERT_TRUE(router.Add("GET", "/api/v1/flows/{namespace}/{id}", "get flow", Named("flow")).ok());
  ASSERT_TRUE(router.Add("GET", "/api/v1/flows/search", "never this shape", Named("x")).ok());
  ASSERT_TRUE(router.Add("GET", "/api/v1/flows/{namespace}/search", "literal beats param", Named("s")).ok());
  ASSERT_TRUE(router.Add("GET", "/ui/{path...}", "ui", Named("ui")).ok());

  Router::Match m = router.Find("POST", "/api/v1/executions/webhook/company.team/my%20flow/a%2Fb+c");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params["namespace"], "company.team");
  EXPECT_EQ(m.params["flowId"], "my flow");
  EXPECT_EQ(m.params["key"], "a/b+c");  // %2F stays inside the segment; '+' is not a space in paths

  m = router.Find("GET", "/api/v1/flows/ns/search");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_TRUE(m.params.empty() || m.params.count("namespace"));
  EXPECT_EQ(m.params["namespace"], "ns");
  EXPECT_EQ(m.params.count("id"), 0u);

  m = router.Find("GET", "/ui/assets/app.js");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params["path"], "assets/app.js");
  m = router.Find("GET", "/ui");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params["path"], "");
}

TEST(RouterTest, NotFoundMethodNotAllowedAndHeadFallback) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/a/{x}", "", Named("get")).ok());
  ASSERT_TRUE(router.Add("DELETE", "/a/{x}", "", Named("del")).ok());
  EXPECT_EQ(router.Find("GET", "/b").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/a").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/a/1/2").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/a/").outcome, Router::Outcome::kNotFound);  // an empty {x} does not match
  Router::Match m = router.Find("POST", "/a/1");
  ASSERT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_THAT(m.allowed, ElementsAre("DELETE", "GET", "HEAD"));
  EXPECT_EQ(router.Find("HEAD", "/a/1").outcome, Router::Outcome::kFound);
}

TEST(RouterTest, RejectsTraversalAndBadEscapes) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/files/{path...}", "", Named("f")).ok());
  EXPECT_EQ(router.Find("GET", "/files/a/../b").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router.Find("GET", "/files/%2e%2e/b").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router.Find("GET", "/files/%zz").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router.Find("GET", "/files/a%00").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router.Find("GET", "*").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router.Find("GET", "/files/a..b").outcome, Router::Outcome::kFound);
}

TEST(RouterTest, RejectsMalformedPatternsAndKeepsTheTable) {
  Router router;
  EXPECT_THAT(router.Add("GET", "nope", "", Named("")).message(), HasSubstr("must start with '/'"));
  EXPECT_THAT(router.Add("GET", "/a/{x", "", Named("")).message(), HasSubstr("{name}"));
  EXPECT_THAT(router.Add("GET", "/a/pre{x}", "", Named("")).message(), HasSubstr("{name}"));
  EXPECT_THAT(router.Add("GET", "/a/{r...}/b", "", Named("")).message(), HasSubstr("last segment"));
  EXPECT_THAT(router.Add("GET", "/a/{x}/{x}", "", Named("")).message(), HasSubstr("repeated"));
  ASSERT_TRUE(router.Add("GET", "/a/{x}", "Get an a", Named("")).ok());
  EXPECT_EQ(router.Add("GET", "/a/{x}", "", Named("")).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(router.Add("PUT", "/a/{x}", "Put an a", Named("")).ok());
  std::vector<RouteInfo> routes = router.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/a/{x}");
  EXPECT_EQ(routes[0].summary, "Get an a");
  EXPECT_EQ(routes[1].method, "PUT");
}

TEST(HttpMessageTest, HeadersAreCaseInsensitiveAndQueryHelpers) {
  HttpHeaders h;
  h.Add("X-Thing", "1");
  h.Add("x-thing", "2");
  EXPECT_EQ(h.Get("x-THING"), "1");
  EXPECT_THAT(h.GetAll("X-THING"), ElementsAre("1", "2"));
  h.Set("X-THING", "3");
  EXPECT_THAT(h.GetAll("x-thing"), ElementsAre("3"));
  EXPECT_EQ(h.Get("absent"), "");
  HttpRequest r;
  r.query = {{"a", "1"}, {"b", ""}, {"a", "2"}};
  EXPECT_EQ(r.QueryValue("a"), "1");
  EXPECT_EQ(r.QueryValue("b"), "");
  EXPECT_EQ(r.QueryValue("c"), std::nullopt);
  EXPECT_THAT(r.QueryValues("a"), ElementsAre("1", "2"));
  EXPECT_EQ(HttpResponse::JsonError(404, "no \"x\"\n").body, R"({"message":"no \"x\"\n","status":404})");
}

}  // namespace
}  // namespace floe::server
