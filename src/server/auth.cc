#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>

#include "core/strings.h"
#include "server/ui_routes.h"

namespace floe::server {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kKeyBytes = 32;
constexpr size_t kMaxRemembered = 4096;

std::string Derive(std::string_view secret, std::string_view salt, int iterations) {
  std::string key(kKeyBytes, '\0');
  PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(key.size()),
                    reinterpret_cast<unsigned char*>(key.data()));
  return key;
}

struct ParsedHash {
  int iterations = 0;
  std::string salt, key;
};

Result<ParsedHash> Parse(std::string_view hash) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = hash.find('$', start);
    parts.push_back(hash.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 4 || parts[0] != kScheme)
    return InvalidArgument(
        "a password or token hash is pbkdf2-sha256$ITERATIONS$SALT$KEY (make one with "
        "`floe server hash-password`)");
  ParsedHash p;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), p.iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || p.iterations < 10000 || p.iterations > 10000000)
    return InvalidArgument("the hash's iteration count must be a number from 10000 to 10000000");
  auto salt = Base64Decode(parts[2]);
  auto key = Base64Decode(parts[3]);
  if (!salt.ok() || salt->size() < 8) return InvalidArgument("the hash's salt is not base64 of at least 8 bytes");
  if (!key.ok() || key->size() != kKeyBytes) return InvalidArgument("the hash's key is not base64 of 32 bytes");
  p.salt = std::move(*salt);
  p.key = std::move(*key);
  return p;
}

std::string Keyed(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string HashSecret(std::string_view secret, int iterations) {
  std::string salt(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size()));
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + Base64Encode(salt) + "$" +
         Base64Encode(Derive(secret, salt, iterations));
}

bool VerifySecret(std::string_view secret, std::string_view hash) {
  auto parsed = Parse(hash);
  if (!parsed.ok()) return false;
  std::string key = Derive(secret, parsed->salt, parsed->iterations);
  return CRYPTO_memcmp(key.data(), parsed->key.data(), kKeyBytes) == 0;
}

Status CheckSecretHash(std::string_view hash) { return Parse(hash).status(); }

Authenticator::Authenticator(AuthConfig config) : config_(std::move(config)) {
  cache_key_.assign(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(cache_key_.data()), static_cast<int>(cache_key_.size()));
}

bool Authenticator::IsOpen(std::string_view path) const {
  if (!config_.enabled()) return true;
  if (config_.health_open) {
    for (std::string_view p :
         {"/health", "/health/liveness", "/health/readiness", "/api/v1/health", "/api/v1/main/health"})
      if (path == p) return true;
  }
  // The web UI's files hold no data; the app sends credentials with its API calls.
  if (IsUiRoute(path)) return true;
  for (const std::string& prefix : config_.open_urls)
    if (!prefix.empty() && StartsWith(path, prefix)) return true;
  return false;
}

bool Authenticator::Verify(std::string_view scheme, std::string_view credential) {
  std::string digest = Keyed(cache_key_, std::string(scheme) + '\0' + std::string(credential));
  {
    std::lock_guard lock(mu_);
    if (auto it = verified_.find(digest); it != verified_.end()) return it->second;
  }
  bool ok = false;
  if (scheme == "basic") {
    auto decoded = Base64Decode(credential);
    if (decoded.ok() && !config_.username.empty()) {
      size_t colon = decoded->find(':');
      if (colon != std::string::npos) {
        std::string_view user = std::string_view(*decoded).substr(0, colon);
        std::string_view password = std::string_view(*decoded).substr(colon + 1);
        // The password is checked even for a wrong user, so timing does not tell users apart.
        bool password_ok = VerifySecret(password, config_.password_hash);
        ok = password_ok && user == config_.username;
      }
    }
  } else {
    for (const std::string& hash : config_.token_hashes)
      if (VerifySecret(credential, hash)) ok = true;
  }
  std::lock_guard lock(mu_);
  if (verified_.size() >= kMaxRemembered) verified_.clear();
  verified_[digest] = ok;
  return ok;
}

std::optional<HttpResponse> Authenticator::Check(const HttpRequest& request) {
  std::string_view path = std::string_view(request.path);
  if (IsOpen(path)) return std::nullopt;
  std::string_view header = request.headers.Get("authorization");
  // The web UI asks with X-Requested-With: a challenge would make the
  // browser show its own login dialog instead of the app's form.
  bool from_app = EqualsIgnoreCase(request.headers.Get("x-requested-with"), "XMLHttpRequest");
  auto denied = [this, from_app](std::string message) {
    HttpResponse r = HttpResponse::JsonError(401, message);
    if (!from_app) r.headers.Set("WWW-Authenticate", "Basic realm=\"" + config_.realm + "\"");
    return r;
  };
  if (header.empty()) return denied("authentication required: basic auth or a bearer token");
  size_t space = header.find(' ');
  std::string scheme(header.substr(0, space));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view credential = space == std::string_view::npos ? "" : header.substr(space + 1);
  while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
  if ((scheme != "basic" && scheme != "bearer") || credential.empty())
    return denied("the Authorization header must be Basic or Bearer");
  if (scheme == "bearer" && config_.token_hashes.empty()) return denied("this server takes no bearer tokens");
  if (scheme == "basic" && config_.username.empty()) return denied("this server takes no basic auth");
  if (!Verify(scheme, credential)) return denied("wrong credentials");
  return std::nullopt;
}

}  // namespace floe::server
