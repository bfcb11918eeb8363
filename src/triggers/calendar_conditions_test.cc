#include "triggers/calendar_conditions.h"

#include <date/date.h>
#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace floe::triggers {
namespace {

using ::testing::HasSubstr;

Timestamp At(std::string_view iso) {
  auto t = ParseDateTime(iso);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

const date::time_zone* Zone(const char* name) { return date::locate_zone(name); }

TEST(CalendarParse, DayOfWeekAndDayInMonth) {
  EXPECT_EQ(*ParseDayOfWeek("MONDAY"), date::Monday);
  EXPECT_EQ(*ParseDayOfWeek("sunday"), date::Sunday);
  EXPECT_THAT(ParseDayOfWeek("MON").status().ToString(), HasSubstr("dayOfWeek 'MON' is not a day of the week"));
  EXPECT_EQ(*ParseDayInMonth("LAST"), DayInMonth::kLast);
  EXPECT_THAT(ParseDayInMonth("FIFTH").status().ToString(), HasSubstr("not one of FIRST, SECOND, THIRD, FOURTH, LAST"));
}

TEST(CalendarParse, DateTime) {
  EXPECT_EQ(At("2025-01-01T00:00:00Z"), Timestamp{date::sys_days{date::year{2025} / 1 / 1}});
  EXPECT_EQ(At("2025-01-01T01:30:00+01:30"), Timestamp{date::sys_days{date::year{2025} / 1 / 1}});
  EXPECT_EQ(At("2024-12-31T19:00-05:00"), Timestamp{date::sys_days{date::year{2025} / 1 / 1}});
  EXPECT_EQ(At("2025-01-01T01:00:00.500+01:00[Europe/Paris]"),
            Timestamp{date::sys_days{date::year{2025} / 1 / 1} + std::chrono::milliseconds{500}});
  EXPECT_THAT(ParseDateTime("2025-01-01T00:00:00").status().ToString(), HasSubstr("expected an offset"));
  EXPECT_THAT(ParseDateTime("2025-02-30T00:00:00Z").status().ToString(), HasSubstr("there is no such day"));
  EXPECT_THAT(ParseDateTime("2025-01-01").status().ToString(), HasSubstr("expected 'T'"));
  EXPECT_THAT(ParseDateTime("2025-01-01T00:00:00Z[Mars/Olympus]").status().ToString(),
              HasSubstr("unknown time zone 'Mars/Olympus'"));
  EXPECT_THAT(ParseDateTime("2025-01-01T25:00:00Z").status().ToString(), HasSubstr("expected a time"));
}

TEST(CalendarParse, OffsetTime) {
  auto t = ParseOffsetTime("16:00:00+02:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->time_of_day, std::chrono::hours{16});
  EXPECT_EQ(t->offset, std::chrono::hours{2});
  EXPECT_TRUE(ParseOffsetTime("08:30Z").ok());
  EXPECT_THAT(ParseOffsetTime("16:00:00").status().ToString(),
              HasSubstr("'16:00:00' is not an ISO-8601 time with an offset"));
}

TEST(Calendar, DayWeekInLocalDate) {
  // Sunday 23:30 in New York is Monday in UTC.
  Timestamp t = At("2027-05-17T03:30:00Z");
  EXPECT_TRUE(IsDayWeek(t, Zone("UTC"), date::Monday));
  EXPECT_TRUE(IsDayWeek(t, Zone("America/New_York"), date::Sunday));
  EXPECT_TRUE(IsWeekend(t, Zone("America/New_York")));
  EXPECT_FALSE(IsWeekend(t, Zone("UTC")));
  EXPECT_TRUE(IsWeekend(At("2027-05-15T12:00:00Z"), Zone("UTC")));  // Saturday
}

TEST(Calendar, DayWeekInMonth) {
  const date::time_zone* utc = Zone("UTC");
  // May 2027: Mondays are 3, 10, 17, 24, 31.
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-05-03T11:00:00Z"), utc, date::Monday, DayInMonth::kFirst));
  EXPECT_FALSE(IsDayWeekInMonth(At("2027-05-10T11:00:00Z"), utc, date::Monday, DayInMonth::kFirst));
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-05-10T11:00:00Z"), utc, date::Monday, DayInMonth::kSecond));
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-05-17T11:00:00Z"), utc, date::Monday, DayInMonth::kThird));
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-05-24T11:00:00Z"), utc, date::Monday, DayInMonth::kFourth));
  EXPECT_FALSE(IsDayWeekInMonth(At("2027-05-24T11:00:00Z"), utc, date::Monday, DayInMonth::kLast));
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-05-31T11:00:00Z"), utc, date::Monday, DayInMonth::kLast));
  EXPECT_FALSE(IsDayWeekInMonth(At("2027-05-31T11:00:00Z"), utc, date::Tuesday, DayInMonth::kLast));
  // February 2027 has exactly four Mondays: the fourth is the last.
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-02-22T11:00:00Z"), utc, date::Monday, DayInMonth::kFourth));
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-02-22T11:00:00Z"), utc, date::Monday, DayInMonth::kLast));
  // Read in the zone: 2027-05-03T01:00 in Tokyo is 2 May 16:00 UTC.
  EXPECT_TRUE(IsDayWeekInMonth(At("2027-05-02T16:00:00Z"), Zone("Asia/Tokyo"), date::Monday, DayInMonth::kFirst));
}

TEST(Calendar, DateTimeBetweenIsInclusive) {
  Timestamp after = At("2025-01-01T00:00:00Z");
  Timestamp before = At("2025-12-31T23:59:59Z");
  EXPECT_TRUE(*IsDateTimeBetween(after, after, before));
  EXPECT_TRUE(*IsDateTimeBetween(before, after, before));
  EXPECT_FALSE(*IsDateTimeBetween(At("2024-12-31T23:59:59Z"), after, before));
  EXPECT_FALSE(*IsDateTimeBetween(At("2026-01-01T00:00:00Z"), after, std::nullopt) == false);
  EXPECT_FALSE(*IsDateTimeBetween(At("2026-01-01T00:00:00Z"), std::nullopt, before));
  EXPECT_THAT(IsDateTimeBetween(after, std::nullopt, std::nullopt).status().ToString(),
              HasSubstr("needs 'after', 'before' or both"));
}

TEST(Calendar, TimeBetweenComparesOffsetTimes) {
  OffsetTime after = *ParseOffsetTime("16:00:00+02:00");
  OffsetTime before = *ParseOffsetTime("20:00:00+02:00");
  const date::time_zone* paris = Zone("Europe/Paris");  // +02:00 in summer
  EXPECT_TRUE(*IsTimeBetween(At("2027-07-01T17:00:00+02:00"), paris, after, before));
  EXPECT_FALSE(*IsTimeBetween(At("2027-07-01T16:00:00+02:00"), paris, after, before));  // strict
  EXPECT_FALSE(*IsTimeBetween(At("2027-07-01T20:00:00+02:00"), paris, after, before));  // strict
  // In winter Paris is +01:00: 16:30+01:00 is 17:30+02:00, inside.
  EXPECT_TRUE(*IsTimeBetween(At("2027-01-01T16:30:00+01:00"), paris, after, before));
  // 15:30+01:00 is 16:30+02:00: inside too, by instant on the day's time line.
  EXPECT_TRUE(*IsTimeBetween(At("2027-01-01T15:30:00+01:00"), paris, after, before));
  EXPECT_TRUE(*IsTimeBetween(At("2027-07-01T10:00:00Z"), Zone("UTC"), std::nullopt, before));
  EXPECT_THAT(IsTimeBetween(At("2027-07-01T10:00:00Z"), paris, std::nullopt, std::nullopt).status().ToString(),
              HasSubstr("needs 'after', 'before' or both"));
}

}  // namespace
}  // namespace floe::triggers
