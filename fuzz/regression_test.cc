// Replays every input the fuzzers have kept (crashes found and fixed, and
// interesting seeds) in the ordinary build, so a regression fails ctest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/avro_fuzz_target.h"
#include "fuzz/flow_fuzz_target.h"
#include "fuzz/template_fuzz_target.h"
#include "fuzz/xml_fuzz_target.h"

namespace floe::fuzz {
namespace {

// Runs `target` on every file of fuzz/regressions/<folder>; returns how many.
int Replay(const char* folder, void (*target)(const uint8_t*, size_t)) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(FLOE_FUZZ_REGRESSIONS) / folder)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    target(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ++count;
  }
  return count;
}

TEST(FuzzRegressionTest, TemplateInputs) { EXPECT_GT(Replay("template", FuzzTemplate), 0); }

TEST(FuzzRegressionTest, FlowInputs) { EXPECT_GT(Replay("flow", FuzzFlow), 0); }

TEST(FuzzRegressionTest, XmlInputs) { EXPECT_GT(Replay("xml", FuzzXml), 0); }

TEST(FuzzRegressionTest, AvroInputs) { EXPECT_GT(Replay("avro", FuzzAvro), 0); }

}  // namespace
}  // namespace floe::fuzz
