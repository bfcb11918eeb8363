// AWS Signature Version 4: the canonical request, the string to sign, the
// signing key and the Authorization header, and presigned URLs. Pure: the
// caller decides which headers are signed (S3 requests sign host,
// x-amz-date, x-amz-content-sha256 and x-amz-security-token).
//
//   SigningRequest req{.method = "GET", .path = "/bucket/a key.csv",
//                      .headers = {{"host", "s3.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"},
//                                  {"x-amz-content-sha256", kEmptySha256}}};
//   SignedRequest s = SignV4(req, creds, {.region = "us-east-1", .service = "s3", .at = now});
//   headers.push_back({"Authorization", s.authorization});
//
// Paths are given decoded ("/bucket/a key.csv") and encoded here, once, with
// S3's rules (every byte but A-Z a-z 0-9 - . _ ~ and '/' as %XX); the same
// encoding must be used in the URL sent (CanonicalPath). PathMode::kNormalized
// is the rule of the other AWS services (and of the AWS test suite): dot
// segments and repeated slashes are removed first.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"

namespace floe::storage {

// SHA-256 of the empty payload, hex.
inline constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

struct SigningScope {
  std::string region;
  std::string service;
  Timestamp at;
};

enum class PathMode { kS3, kNormalized };

struct SigningRequest {
  std::string method;
  std::string path;                                          // decoded, starting with '/'
  std::vector<std::pair<std::string, std::string>> query;    // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // all of them are signed
  std::string payload_hash = std::string(kEmptySha256);      // hex SHA-256, or UNSIGNED-PAYLOAD
};

struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // hex
  std::string authorization;   // the Authorization header's value
};

SignedRequest SignV4(const SigningRequest& request, const Credentials& credentials, const SigningScope& scope,
                     PathMode mode = PathMode::kS3);

// A URL anyone can use until it expires: the signature travels in the query
// (X-Amz-Signature), only `host` is signed, the payload is UNSIGNED-PAYLOAD.
// `endpoint` is "https://host[:port]"; `host` the Host header value.
std::string PresignUrl(const std::string& endpoint, const std::string& host, const SigningRequest& request,
                       const Credentials& credentials, const SigningScope& scope, std::chrono::seconds expires);

// S3's URI encoding: unreserved bytes stay, others become %XX (upper-case
// hex); '/' stays unless encode_slash.
std::string UriEncode(std::string_view s, bool encode_slash);
// The path as signed and sent (mode kS3: just UriEncode without '/').
std::string CanonicalPath(std::string_view path, PathMode mode = PathMode::kS3);
// "20150830T123600Z".
std::string AmzDate(Timestamp at);
std::string Sha256Hex(std::string_view data);

}  // namespace floe::storage
