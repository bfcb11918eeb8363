#include "storage/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace floe::storage {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Header values: trimmed, runs of spaces collapsed to one.
std::string TrimAll(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Removes "." and ".." segments and empty segments (other AWS services).
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (auto p : parts) out += "/" + std::string(p);
  bool trailing = !path.empty() && path.back() == '/' && !parts.empty();
  if (out.empty() || trailing) out += "/";
  return out;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : query) encoded.emplace_back(UriEncode(k, true), UriEncode(v, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

std::string Scope(const SigningScope& scope) {
  return AmzDate(scope.at).substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string SigningKey(const Credentials& credentials, const SigningScope& scope) {
  std::string key = Hmac("AWS4" + credentials.secret_access_key, AmzDate(scope.at).substr(0, 8));
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  return Hmac(key, "aws4_request");
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return Hex(out, len);
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (Unreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  return out;
}

std::string CanonicalPath(std::string_view path, PathMode mode) {
  std::string p = mode == PathMode::kNormalized ? NormalizePath(path) : std::string(path);
  if (p.empty()) p = "/";
  return UriEncode(p, false);
}

std::string AmzDate(Timestamp at) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

SignedRequest SignV4(const SigningRequest& request, const Credentials& credentials, const SigningScope& scope,
                     PathMode mode) {
  // Headers: lower-case names, sorted; repeated names joined with ','.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : request.headers) headers.emplace_back(Lower(k), TrimAll(v));
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers, signed_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.back() = ',';
      canonical_headers += headers[i].second + "\n";
      continue;
    }
    canonical_headers += headers[i].first + ":" + headers[i].second + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + headers[i].first;
  }
  SignedRequest out;
  out.signed_headers = signed_headers;
  out.canonical_request = request.method + "\n" + CanonicalPath(request.path, mode) + "\n" +
                          CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" + signed_headers + "\n" +
                          request.payload_hash;
  out.string_to_sign =
      "AWS4-HMAC-SHA256\n" + AmzDate(scope.at) + "\n" + Scope(scope) + "\n" + Sha256Hex(out.canonical_request);
  std::string mac = Hmac(SigningKey(credentials, scope), out.string_to_sign);
  out.signature = Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + Scope(scope) +
                      ", SignedHeaders=" + signed_headers + ", Signature=" + out.signature;
  return out;
}

std::string PresignUrl(const std::string& endpoint, const std::string& host, const SigningRequest& request,
                       const Credentials& credentials, const SigningScope& scope, std::chrono::seconds expires) {
  SigningRequest presigned = request;
  presigned.headers = {{"host", host}};
  presigned.payload_hash = std::string(kUnsignedPayload);
  presigned.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  presigned.query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + Scope(scope));
  presigned.query.emplace_back("X-Amz-Date", AmzDate(scope.at));
  presigned.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  presigned.query.emplace_back("X-Amz-SignedHeaders", "host");
  if (!credentials.session_token.empty())
    presigned.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  SignedRequest signed_request = SignV4(presigned, credentials, scope);
  return endpoint + CanonicalPath(request.path) + "?" + CanonicalQuery(presigned.query) +
         "&X-Amz-Signature=" + signed_request.signature;
}

}  // namespace floe::storage
