#include "core/duration.h"

#include <gtest/gtest.h>

namespace floe {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesCommonForms) {
  EXPECT_EQ(*ParseDuration("PT30S"), milliseconds(30000));
  EXPECT_EQ(*ParseDuration("PT1H30M"), milliseconds(5400000));
  EXPECT_EQ(*ParseDuration("P1DT2H"), milliseconds(93600000));
  EXPECT_EQ(*ParseDuration("PT0.5S"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("PT0,25S"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("P2W"), milliseconds(14LL * 86400000));
  EXPECT_EQ(*ParseDuration("-PT1S"), milliseconds(-1000));
  EXPECT_EQ(*ParseDuration("pt5m"), milliseconds(300000));
}

TEST(DurationTest, RejectsMalformed) {
  for (const char* bad : {"", "P", "PT", "30S", "PT30", "PTS", "P1M", "P1Y", "PT1X", "P1DT", "PT1.2.3S", "PTT1S"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().ToString().find("PT30S"), std::string::npos) << "hint missing for " << bad;
    }
  }
}

TEST(DurationTest, FormatsRoundTrip) {
  for (const char* s : {"PT30S", "PT1H30M", "P1DT2H", "PT0.5S", "PT0S", "P3D", "PT1M0.001S"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(s)), s);
  }
}

}  // namespace
}  // namespace floe
