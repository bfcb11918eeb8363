// Who may use `floe server`: HTTP basic auth (Kestra's basicAuth: one user)
// and bearer tokens, from the server's configuration. Secrets are kept only
// as salted PBKDF2-HMAC-SHA256 hashes (`floe server hash-password` makes
// them), never as text.
//
//   AuthConfig auth{.username = "admin", .password_hash = HashSecret("s3cret!")};
//   Authenticator gate(auth);
//   if (auto denied = gate.Check(request)) return *denied;   // 401 with WWW-Authenticate
//
// What is open without credentials: the config's open URL prefixes (Kestra's
// openUrls, e.g. "/api/v1/executions/webhook/") and the health and readiness
// paths unless health_open is false, and the web UI's files (/, /ui, /ui/...:
// the app asks for credentials and sends them itself). Every other request, to any path and
// with any method, needs credentials once any are configured (the server
// answers CORS preflights before asking, when CORS is configured).
//
// A credential is hashed once: a verified one is remembered (by a keyed
// digest, for this process only) so later requests cost a hash lookup, not
// the key derivation. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "server/http_message.h"

namespace floe::server {

// "pbkdf2-sha256$<iterations>$<salt, base64>$<derived key, base64>" with a
// random 16-byte salt.
std::string HashSecret(std::string_view secret, int iterations = 120000);
// Whether `secret` matches `hash` (compared in constant time). A malformed
// hash matches nothing.
bool VerifySecret(std::string_view secret, std::string_view hash);
// InvalidArgument unless `hash` is a hash HashSecret makes, saying what is wrong.
Status CheckSecretHash(std::string_view hash);

struct AuthConfig {
  std::string username;                   // basic auth; empty: none
  std::string password_hash;              // HashSecret's form
  std::vector<std::string> token_hashes;  // bearer tokens, each HashSecret's form
  std::vector<std::string> open_urls;     // path prefixes served without credentials
  bool health_open = true;                // /health..., /api/v1/health open
  std::string realm = "floe";
  bool enabled() const { return !username.empty() || !token_hashes.empty(); }
};

class Authenticator {
 public:
  explicit Authenticator(AuthConfig config);
  // nullopt when the request may go on; else the 401 to send.
  std::optional<HttpResponse> Check(const HttpRequest& request);
  // Whether `path` is served without credentials.
  bool IsOpen(std::string_view path) const;

 private:
  bool Verify(std::string_view scheme, std::string_view credential);
  AuthConfig config_;
  std::string cache_key_;  // random, per process: what remembered credentials are keyed with
  std::mutex mu_;
  std::unordered_map<std::string, bool> verified_;  // keyed digest -> valid
};

}  // namespace floe::server
