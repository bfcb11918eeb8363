// What tests/support/s3_server.py wrote when ctest started the S3 test
// servers: which server (moto, or s3rver where moto cannot be installed),
// endpoints, keys, CA file. A test run outside ctest fails, saying so.
//
//   tmpl::Value state = testing::S3TestServerState();
//   if (!testing::VerifiesSignatures(state)) GTEST_SKIP() << testing::kNoSignatureCheck;
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tmpl/json.h"

namespace floe::testing {

inline tmpl::Value S3TestServerState() {
  const char* path = std::getenv("FLOE_S3_TEST_STATE");
  std::ifstream in(path ? path : "");
  std::stringstream text;
  text << in.rdbuf();
  auto doc = tmpl::ParseJson(text.str());
  if (!doc.ok() || !doc->is_map()) {
    ADD_FAILURE() << "no S3 test server state in '" << (path ? path : "$FLOE_S3_TEST_STATE, unset")
                  << "': run this test through ctest, which starts the servers";
    return tmpl::Value(tmpl::ValueMap{});
  }
  return *doc;
}

// "moto" or "s3rver"; empty when there is no state.
inline std::string S3TestServerName(const tmpl::Value& state) {
  const tmpl::Value* name = state.Get("server");
  return name && name->is_string() ? name->AsString() : "";
}

// Whether the server rejects a request signed with the wrong secret (moto
// does; s3rver only checks that the access key is one it knows).
inline bool VerifiesSignatures(const tmpl::Value& state) {
  const tmpl::Value* verifies = state.Get("verifies_signatures");
  return verifies && verifies->is_bool() && verifies->AsBool();
}

// The skip reason where a test needs a server that verifies signatures.
inline constexpr const char* kNoSignatureCheck =
    "the S3 test server is s3rver, which does not verify SigV4 signatures (moto could not be installed); "
    "floe's signing is covered by the botocore differential test there";

}  // namespace floe::testing
