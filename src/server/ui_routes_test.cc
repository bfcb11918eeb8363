#include "server/ui_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/ui_assets.h"

namespace floe::server {
namespace {

using ::testing::HasSubstr;

// The first embedded file under assets/ with a gzipped copy (a build always
// has its JavaScript there).
const UiAsset* GzippedScript() {
  for (const UiAsset& a : UiAssets())
    if (a.path.starts_with("assets/") && a.path.ends_with(".js") && !a.gzip.empty()) return &a;
  return nullptr;
}

TEST(UiRoutes, TheBuildIsEmbeddedSortedWithItsIndex) {
  ASSERT_NE(FindUiAsset("index.html"), nullptr);
  EXPECT_THAT(std::string(FindUiAsset("index.html")->data), HasSubstr("<html"));
  auto all = UiAssets();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].path, all[i].path);
  EXPECT_EQ(FindUiAsset("nope.js"), nullptr);
}

TEST(UiRoutes, AppPathsGetTheIndexWithoutCaching) {
  for (const char* path : {"index.html", "executions", "flows/company.team/hello/editor", "namespaces/company.team"}) {
    HttpResponse r = ServeUiPath(path, "");
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, FindUiAsset("index.html")->data) << path;
    EXPECT_EQ(r.headers.Get("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.headers.Get("Cache-Control"), "no-cache");
    EXPECT_THAT(std::string(r.headers.Get("Content-Security-Policy")), HasSubstr("default-src 'self'"));
  }
}

TEST(UiRoutes, AMissingFileIsA404NotTheIndex) {
  for (const char* path : {"assets/index-0000.js", "favicon-old.png"}) {
    HttpResponse r = ServeUiPath(path, "gzip");
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_THAT(r.body, HasSubstr(path));
  }
}

TEST(UiRoutes, ScriptsAreGzippedOnlyForClientsThatAcceptIt) {
  const UiAsset* script = GzippedScript();
  ASSERT_NE(script, nullptr) << "the build has no gzipped script under assets/";
  std::string path(script->path);
  HttpResponse gz = ServeUiPath(path, "br, gzip;q=0.8");
  EXPECT_EQ(gz.headers.Get("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.body, script->gzip);
  EXPECT_LT(gz.body.size(), script->data.size());
  EXPECT_EQ(gz.headers.Get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(gz.headers.Get("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(gz.headers.Get("Vary"), "Accept-Encoding");
  for (const char* refuses : {"", "br", "gzip;q=0", "identity"}) {
    HttpResponse plain = ServeUiPath(path, refuses);
    EXPECT_FALSE(plain.headers.Has("Content-Encoding")) << refuses;
    EXPECT_EQ(plain.body, script->data) << refuses;
  }
}

TEST(UiRoutes, OnlyTheUiPatternsAreTheUis) {
  EXPECT_TRUE(IsUiRoute("/"));
  EXPECT_TRUE(IsUiRoute("/ui"));
  EXPECT_TRUE(IsUiRoute("/ui/{path...}"));
  EXPECT_FALSE(IsUiRoute("/uix"));
  EXPECT_FALSE(IsUiRoute("/api/v1/flows"));
}

}  // namespace
}  // namespace floe::server
