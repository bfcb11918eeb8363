// Signs S3 requests with floe's SigV4 signer for tests/sigv4_differential.py:
// one JSON request per input line, one JSON answer per output line.
//
//   in:  {"method", "key", "query": [[k, v]...], "headers": [[k, v]...],
//         "payload_hash", "epoch", "region", "access_key", "secret_key", "token"}
//   out: {"path": "/bucket/encoded%20key", "signature": "..."}
#include <iostream>
#include <string>

#include "storage/sigv4.h"
#include "tmpl/json.h"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    auto doc = floe::tmpl::ParseJson(line);
    if (!doc.ok()) {
      std::cerr << "bad request line: " << doc.status().ToString() << "\n";
      return 2;
    }
    auto text = [&](const char* key) { return doc->Get(key)->AsString(); };
    floe::storage::SigningRequest req{.method = text("method"), .path = text("key")};
    for (const auto& kv : doc->Get("query")->AsList())
      req.query.emplace_back(kv.AsList()[0].AsString(), kv.AsList()[1].AsString());
    for (const auto& kv : doc->Get("headers")->AsList())
      req.headers.emplace_back(kv.AsList()[0].AsString(), kv.AsList()[1].AsString());
    req.payload_hash = text("payload_hash");
    floe::storage::Credentials creds{
        .access_key_id = text("access_key"), .secret_access_key = text("secret_key"), .session_token = text("token")};
    floe::storage::SigningScope scope{.region = text("region"),
                                      .service = "s3",
                                      .at = floe::Timestamp(std::chrono::seconds(doc->Get("epoch")->AsInt()))};
    auto signed_request = floe::storage::SignV4(req, creds, scope);
    std::cout << floe::tmpl::ToJson(
                     floe::tmpl::Value::MakeMap({{"path", floe::tmpl::Value(floe::storage::CanonicalPath(req.path))},
                                                 {"signature", floe::tmpl::Value(signed_request.signature)}}))
              << "\n";
  }
  return 0;
}
