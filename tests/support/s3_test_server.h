// What tests/support/s3_server.py wrote when ctest started the S3 test
// servers: endpoints, keys, CA file. A test run outside ctest fails, saying so.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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

}  // namespace floe::testing
