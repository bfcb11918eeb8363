// Replays every input the fuzzers have kept (crashes found and fixed, and
// interesting seeds) in the ordinary build, so a regression fails ctest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/flow_fuzz_target.h"
#include "fuzz/template_fuzz_target.h"
#include "fuzz/xml_fuzz_target.h"

namespace floe::fuzz {
namespace {

TEST(FuzzRegressionTest, TemplateInputs) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FLOE_FUZZ_REGRESSIONS "/template")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    FuzzTemplate(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ++count;
  }
  EXPECT_GT(count, 0);
}

TEST(FuzzRegressionTest, FlowInputs) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FLOE_FUZZ_REGRESSIONS "/flow")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    FuzzFlow(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ++count;
  }
  EXPECT_GT(count, 0);
}

TEST(FuzzRegressionTest, XmlInputs) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FLOE_FUZZ_REGRESSIONS "/xml")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    FuzzXml(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ++count;
  }
  EXPECT_GT(count, 0);
}

}  // namespace
}  // namespace floe::fuzz
