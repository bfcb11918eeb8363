#include "core/time.h"

#include <gtest/gtest.h>

namespace floe {
namespace {

TEST(TimeTest, ParsesIsoDatesAndDateTimes) {
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2026-12-03")), "2026-12-03T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2026-12-03T10:15:30.123456Z")), "2026-12-03T10:15:30.123Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2026-12-03T01:00:00+02:00")), "2026-12-02T23:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2026-12-03 10:15")), "2026-12-03T10:15:00.000Z");
  for (const char* bad : {"", "2026-13-01", "2026-02-30", "2026-12-03T25:00", "2026-12-03T10:00:00+0200", "soon"})
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
}

}  // namespace
}  // namespace floe
