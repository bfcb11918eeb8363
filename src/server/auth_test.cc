#include "server/auth.h"

#include <gtest/gtest.h>

#include "core/strings.h"

namespace floe::server {
namespace {

HttpRequest Request(std::string path, std::string authorization = "", std::string method = "GET") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (!authorization.empty()) r.headers.Set("Authorization", std::move(authorization));
  return r;
}

TEST(AuthTest, HashesAreSaltedAndVerifyOnlyTheirSecret) {
  std::string a = HashSecret("correct horse", 10000), b = HashSecret("correct horse", 10000);
  EXPECT_NE(a, b);  // salted
  EXPECT_TRUE(a.starts_with("pbkdf2-sha256$10000$"));
  EXPECT_TRUE(VerifySecret("correct horse", a));
  EXPECT_TRUE(VerifySecret("correct horse", b));
  EXPECT_FALSE(VerifySecret("correct horsE", a));
  EXPECT_FALSE(VerifySecret("", a));
  EXPECT_TRUE(CheckSecretHash(a).ok());
  EXPECT_FALSE(CheckSecretHash("correct horse").ok());  // a password given as itself
  EXPECT_FALSE(CheckSecretHash("pbkdf2-sha256$5$AAAAAAAAAAA=$AAAA").ok());
  EXPECT_FALSE(VerifySecret("x", "pbkdf2-sha256$bad"));
}

TEST(AuthTest, EveryPathNeedsCredentialsExceptTheOpenOnes) {
  Authenticator gate({.username = "admin",
                      .password_hash = HashSecret("pw", 10000),
                      .token_hashes = {HashSecret("tok", 10000)},
                      .open_urls = {"/api/v1/executions/webhook/"}});
  std::string good = "Basic " + Base64Encode("admin:pw");
  auto denied = gate.Check(Request("/api/v1/flows/search"));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_TRUE(denied->headers.Get("WWW-Authenticate").starts_with("Basic realm="));
  EXPECT_TRUE(gate.Check(Request("/no/such/route")));  // routes are not enumerable anonymously
  EXPECT_FALSE(gate.Check(Request("/api/v1/flows/search", good)));
  EXPECT_FALSE(gate.Check(Request("/api/v1/flows/search", good)));  // remembered: same answer
  EXPECT_FALSE(gate.Check(Request("/v1/config", "Bearer tok")));
  EXPECT_FALSE(gate.Check(Request("/v1/config", "bearer   tok")));
  EXPECT_TRUE(gate.Check(Request("/v1/config", "Bearer tok2")));
  EXPECT_TRUE(gate.Check(Request("/x", "Basic " + Base64Encode("admin:wrong"))));
  EXPECT_TRUE(gate.Check(Request("/x", "Basic " + Base64Encode("root:pw"))));
  EXPECT_TRUE(gate.Check(Request("/x", "Basic not-base64!")));
  EXPECT_TRUE(gate.Check(Request("/x", "Digest abc")));
  EXPECT_FALSE(gate.Check(Request("/health")));
  EXPECT_FALSE(gate.Check(Request("/api/v1/main/health")));
  EXPECT_FALSE(gate.Check(Request("/api/v1/executions/webhook/ns/f/key")));
  EXPECT_TRUE(gate.Check(Request("/api/v1/flows", "", "OPTIONS")));  // no route listing by OPTIONS
  // The web UI's files are open; its API calls are not.
  for (const char* ui : {"/", "/ui", "/ui/", "/ui/assets/index-1a2b.js", "/ui/executions/01ABC"})
    EXPECT_FALSE(gate.Check(Request(ui))) << ui;
  EXPECT_TRUE(gate.Check(Request("/uix")));
}

// The app's requests get a 401 without a challenge, so that the browser
// leaves the login to the app's form instead of its own dialog.
TEST(AuthTest, TheAppsRequestsGetNoChallenge) {
  Authenticator gate({.username = "admin", .password_hash = HashSecret("pw", 10000)});
  HttpRequest app = Request("/api/v1/flows/search");
  app.headers.Set("X-Requested-With", "XMLHttpRequest");
  auto denied = gate.Check(app);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_FALSE(denied->headers.Has("WWW-Authenticate"));
  app.headers.Set("Authorization", "Basic " + Base64Encode("admin:pw"));
  EXPECT_FALSE(gate.Check(app));
}

TEST(AuthTest, HealthCanBeClosedAndNoConfigMeansOpen) {
  Authenticator closed({.token_hashes = {HashSecret("tok", 10000)}, .health_open = false});
  EXPECT_TRUE(closed.Check(Request("/health")));
  EXPECT_TRUE(closed.Check(Request("/x", "Basic " + Base64Encode("a:b"))));  // no basic auth configured
  Authenticator open(AuthConfig{});
  EXPECT_FALSE(open.Check(Request("/api/v1/flows/search")));
}

}  // namespace
}  // namespace floe::server
