#include "triggers/cron.h"

#include <date/date.h>
#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace floe::triggers {
namespace {

using ::testing::HasSubstr;

// "2027-03-28T01:00:00Z" from its parts.
Timestamp Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return Timestamp{date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                   std::chrono::seconds{s}};
}

std::string Iso(std::optional<Timestamp> t) {
  if (!t) return "none";
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(*t));
}

// The wall time of `t` in `zone` with its offset: "2027-03-28 03:00:00+0200".
std::string Local(std::optional<Timestamp> t, const char* zone) {
  if (!t) return "none";
  return date::format("%F %T%z", date::make_zoned(zone, std::chrono::floor<std::chrono::seconds>(*t)));
}

CronExpression MustParse(std::string_view text, bool with_seconds = false) {
  auto cron = CronExpression::Parse(text, with_seconds);
  EXPECT_TRUE(cron.ok()) << cron.status().ToString();
  return *std::move(cron);
}

std::string ParseError(std::string_view text, bool with_seconds = false) {
  auto cron = CronExpression::Parse(text, with_seconds);
  if (cron.ok()) return "parsed";
  return cron.status().ToString();
}

// The next `n` firings after `from` as local times in `zone`.
std::vector<std::string> Firings(std::string_view text, const char* zone, Timestamp from, int n,
                                 bool with_seconds = false) {
  CronExpression cron = MustParse(text, with_seconds);
  const date::time_zone* tz = date::locate_zone(zone);
  std::vector<std::string> out;
  std::optional<Timestamp> t = from;
  for (int i = 0; i < n && t; ++i) {
    t = cron.Next(*t, tz);
    out.push_back(Local(t, zone));
  }
  return out;
}

const date::time_zone* Utc() { return date::locate_zone("UTC"); }

TEST(CronParse, ErrorsNameFieldTokenAndWhy) {
  EXPECT_THAT(ParseError("0 25 * * *"), HasSubstr("cron '0 25 * * *': hour 25 is out of range 0-23"));
  EXPECT_THAT(ParseError("60 * * * *"), HasSubstr("minute 60 is out of range 0-59"));
  EXPECT_THAT(ParseError("* * 0 * *"), HasSubstr("day-of-month 0 is out of range 1-31"));
  EXPECT_THAT(ParseError("* * * 13 *"), HasSubstr("month 13 is out of range 1-12"));
  EXPECT_THAT(ParseError("* * * * 8"), HasSubstr("day-of-week 8 is out of range 0-7"));
  EXPECT_THAT(ParseError("* * * FOO *"), HasSubstr("month 'FOO' is not a number 1-12 or JAN-DEC"));
  EXPECT_THAT(ParseError("* * * * MOO"), HasSubstr("day-of-week 'MOO' is not a number 0-7 or SUN-SAT"));
  EXPECT_THAT(ParseError("*/0 * * * *"), HasSubstr("minute step '0' in '*/0' is not a positive number"));
  EXPECT_THAT(ParseError("*/61 * * * *"), HasSubstr("step 61 in '*/61' is larger than the range 0-59"));
  EXPECT_THAT(ParseError("5-1 * * * *"), HasSubstr("range '5-1' is backwards"));
  EXPECT_THAT(ParseError("1,,2 * * * *"), HasSubstr("'1,,2' has an empty list item"));
  EXPECT_THAT(ParseError("a * * * *"), HasSubstr("minute 'a' is not a number 0-59"));
  EXPECT_THAT(ParseError("-1 * * * *"), HasSubstr("minute '-1' is not a value, a range a-b or a step"));
  EXPECT_THAT(ParseError("1- * * * *"), HasSubstr("minute '1-' is not a value"));
  EXPECT_THAT(ParseError("/5 * * * *"), HasSubstr("minute '/5' is not a value"));
  EXPECT_THAT(ParseError("* * * * -"), HasSubstr("day-of-week '-' is not a value"));
  EXPECT_EQ(ParseError("  @daily "), "parsed");
  EXPECT_EQ(ParseError(" 0  9\t* * * "), "parsed");
}

TEST(CronParse, FieldCount) {
  EXPECT_THAT(ParseError("* * * *"),
              HasSubstr("expected 5 fields (minute hour day-of-month month day-of-week), got 4"));
  EXPECT_THAT(ParseError("0 * * * * *"), HasSubstr("set withSeconds: true"));
  EXPECT_THAT(ParseError("* * * * *", true), HasSubstr("expected 6 fields (second minute"));
  EXPECT_THAT(ParseError(""), HasSubstr("got 0"));
}

TEST(CronParse, KestraRejectsQuartzExtensions) {
  EXPECT_THAT(ParseError("0 0 ? * MON"), HasSubstr("day-of-month '?' is not supported"));
  EXPECT_THAT(ParseError("0 0 L * *"), HasSubstr("day-of-month 'L' is not supported: Kestra's cron has no 'L', 'W'"));
  EXPECT_THAT(ParseError("0 0 15W * *"), HasSubstr("'15W' is not supported"));
  EXPECT_THAT(ParseError("0 0 * * 5L"), HasSubstr("day-of-week '5L' is not supported"));
  EXPECT_THAT(ParseError("0 0 * * MON#2"), HasSubstr("'MON#2' is not supported"));
}

TEST(CronParse, Nicknames) {
  EXPECT_THAT(ParseError("@reboot"), HasSubstr("@reboot is not supported"));
  EXPECT_THAT(ParseError("@often"), HasSubstr("unknown nickname '@often'"));
  Timestamp from = Utc(2027, 5, 17, 10, 30);  // a Monday
  EXPECT_EQ(Iso(MustParse("@hourly").Next(from, Utc())), "2027-05-17T11:00:00Z");
  EXPECT_EQ(Iso(MustParse("@daily").Next(from, Utc())), "2027-05-18T00:00:00Z");
  EXPECT_EQ(Iso(MustParse("@midnight").Next(from, Utc())), "2027-05-18T00:00:00Z");
  EXPECT_EQ(Iso(MustParse("@weekly").Next(from, Utc())), "2027-05-23T00:00:00Z");
  EXPECT_EQ(Iso(MustParse("@monthly").Next(from, Utc())), "2027-06-01T00:00:00Z");
  EXPECT_EQ(Iso(MustParse("@yearly").Next(from, Utc())), "2028-01-01T00:00:00Z");
  EXPECT_EQ(Iso(MustParse("@annually").Next(from, Utc())), "2028-01-01T00:00:00Z");
  EXPECT_EQ(Iso(MustParse("@HOURLY", true).Next(from, Utc())), "2027-05-17T11:00:00Z");
}

TEST(CronParse, ImpossibleDatesAreRejected) {
  EXPECT_THAT(ParseError("0 0 30 2 *"), HasSubstr("day-of-month '30' never occurs in February"));
  EXPECT_THAT(ParseError("0 0 31 4,6 *"), HasSubstr("never occurs in April, June"));
  // Possible: 29 February, 31 with some long month, and any day-of-week (OR rule).
  EXPECT_EQ(ParseError("0 0 29 2 *"), "parsed");
  EXPECT_EQ(ParseError("0 0 31 4,5 *"), "parsed");
  EXPECT_EQ(ParseError("0 0 30 2 MON"), "parsed");
}

TEST(CronNext, ListsRangesSteps) {
  Timestamp from = Utc(2027, 1, 1, 0, 0);
  EXPECT_THAT(
      Firings("*/15 * * * *", "UTC", from, 3),
      ::testing::ElementsAre("2027-01-01 00:15:00+0000", "2027-01-01 00:30:00+0000", "2027-01-01 00:45:00+0000"));
  EXPECT_THAT(Firings("1-30/10 * * * *", "UTC", from, 4),
              ::testing::ElementsAre("2027-01-01 00:01:00+0000", "2027-01-01 00:11:00+0000", "2027-01-01 00:21:00+0000",
                                     "2027-01-01 01:01:00+0000"));
  EXPECT_THAT(Firings("5/20 * * * *", "UTC", from, 4),
              ::testing::ElementsAre("2027-01-01 00:05:00+0000", "2027-01-01 00:25:00+0000", "2027-01-01 00:45:00+0000",
                                     "2027-01-01 01:05:00+0000"));
  EXPECT_THAT(
      Firings("0 9,17 * * *", "UTC", from, 3),
      ::testing::ElementsAre("2027-01-01 09:00:00+0000", "2027-01-01 17:00:00+0000", "2027-01-02 09:00:00+0000"));
  // 2027-01-01 is a Friday.
  EXPECT_THAT(
      Firings("0 9 * * MON-FRI", "UTC", from, 3),
      ::testing::ElementsAre("2027-01-01 09:00:00+0000", "2027-01-04 09:00:00+0000", "2027-01-05 09:00:00+0000"));
  EXPECT_THAT(Firings("0 0 1 jan,Jul *", "UTC", from, 2),
              ::testing::ElementsAre("2027-07-01 00:00:00+0000", "2028-01-01 00:00:00+0000"));
  EXPECT_THAT(Firings("30 10 * * 0,7", "UTC", from, 2),
              ::testing::ElementsAre("2027-01-03 10:30:00+0000", "2027-01-10 10:30:00+0000"));
  EXPECT_THAT(Firings("0 0 * * 5-7", "UTC", from, 4),
              ::testing::ElementsAre("2027-01-02 00:00:00+0000", "2027-01-03 00:00:00+0000", "2027-01-08 00:00:00+0000",
                                     "2027-01-09 00:00:00+0000"));
}

TEST(CronNext, DayOfMonthOrDayOfWeek) {
  // Both restricted: the 13th OR any Friday (classic cron, cron-utils).
  EXPECT_THAT(Firings("0 0 13 * FRI", "UTC", Utc(2027, 1, 1, 0, 0), 4),
              ::testing::ElementsAre("2027-01-08 00:00:00+0000", "2027-01-13 00:00:00+0000", "2027-01-15 00:00:00+0000",
                                     "2027-01-22 00:00:00+0000"));
  // Day-of-week `*`: day-of-month alone.
  EXPECT_THAT(Firings("0 0 13 * *", "UTC", Utc(2027, 1, 1), 2),
              ::testing::ElementsAre("2027-01-13 00:00:00+0000", "2027-02-13 00:00:00+0000"));
}

TEST(CronNext, Seconds) {
  EXPECT_THAT(Firings("*/20 * * * * *", "UTC", Utc(2027, 1, 1, 0, 0, 5), 4, true),
              ::testing::ElementsAre("2027-01-01 00:00:20+0000", "2027-01-01 00:00:40+0000", "2027-01-01 00:01:00+0000",
                                     "2027-01-01 00:01:20+0000"));
  EXPECT_THAT(Firings("30 0 12 * * *", "UTC", Utc(2027, 1, 1), 1, true),
              ::testing::ElementsAre("2027-01-01 12:00:30+0000"));
}

TEST(CronNext, StrictlyAfterAndSubseconds) {
  CronExpression cron = MustParse("0 * * * *");
  EXPECT_EQ(Iso(cron.Next(Utc(2027, 1, 1, 5), Utc())), "2027-01-01T06:00:00Z");
  EXPECT_EQ(Iso(cron.Next(Utc(2027, 1, 1, 5) - std::chrono::milliseconds{1}, Utc())), "2027-01-01T05:00:00Z");
  EXPECT_EQ(Iso(cron.Previous(Utc(2027, 1, 1, 5), Utc())), "2027-01-01T04:00:00Z");
  EXPECT_EQ(Iso(cron.Previous(Utc(2027, 1, 1, 5) + std::chrono::milliseconds{1}, Utc())), "2027-01-01T05:00:00Z");
}

TEST(CronNext, LeapYears) {
  CronExpression feb29 = MustParse("0 0 29 2 *");
  EXPECT_EQ(Iso(feb29.Next(Utc(2027, 1, 1), Utc())), "2028-02-29T00:00:00Z");
  EXPECT_EQ(Iso(feb29.Next(Utc(2028, 2, 29), Utc())), "2032-02-29T00:00:00Z");
  EXPECT_EQ(Iso(feb29.Previous(Utc(2027, 1, 1), Utc())), "2024-02-29T00:00:00Z");
  // 2100 is not a leap year: eight years between 2096 and 2104.
  EXPECT_EQ(Iso(feb29.Next(Utc(2096, 3, 1), Utc())), "2104-02-29T00:00:00Z");
}

TEST(CronNext, FastOverYears) {
  CronExpression feb29 = MustParse("0 0 29 2 *");
  auto start = std::chrono::steady_clock::now();
  std::optional<Timestamp> t = Utc(2000, 1, 1);
  for (int i = 0; i < 40 && t; ++i) t = feb29.Next(*t, date::locate_zone("Europe/Paris"));
  EXPECT_EQ(Local(t, "Europe/Paris"), "2160-02-29 00:00:00+0100");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds{500});
}

TEST(CronPrevious, InverseOfNext) {
  for (const char* zone : {"UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata"}) {
    for (const char* text : {"0 * * * *", "30 2 * * *", "*/7 1-3 * * *", "0 0 29 2 *", "15 1 * * SUN"}) {
      CronExpression cron = MustParse(text);
      const date::time_zone* tz = date::locate_zone(zone);
      std::optional<Timestamp> t = Utc(2027, 1, 1);
      for (int i = 0; i < 300 && t && *t < Utc(2100, 1, 1); ++i) {
        std::optional<Timestamp> next = cron.Next(*t, tz);
        ASSERT_TRUE(next) << zone << " " << text;
        if (i > 0) {
          EXPECT_EQ(Iso(cron.Previous(*next, tz)), Iso(t)) << zone << " " << text;
        }
        t = next;
      }
    }
  }
}

TEST(CronDst, ParisSpringForwardSkipsTheGap) {
  // 2027-03-28: 02:00 CET becomes 03:00 CEST; 02:xx does not exist.
  EXPECT_THAT(
      Firings("30 2 * * *", "Europe/Paris", Utc(2027, 3, 26, 12), 3),
      ::testing::ElementsAre("2027-03-27 02:30:00+0100", "2027-03-29 02:30:00+0200", "2027-03-30 02:30:00+0200"));
  EXPECT_THAT(
      Firings("0 * * * *", "Europe/Paris", Utc(2027, 3, 27, 23, 30), 3),
      ::testing::ElementsAre("2027-03-28 01:00:00+0100", "2027-03-28 03:00:00+0200", "2027-03-28 04:00:00+0200"));
}

TEST(CronDst, ParisFallBack) {
  // 2027-10-31: 03:00 CEST becomes 02:00 CET; 02:xx happens twice.
  // A daily time fires once, at the first occurrence.
  EXPECT_THAT(Firings("30 2 * * *", "Europe/Paris", Utc(2027, 10, 30, 12), 2),
              ::testing::ElementsAre("2027-10-31 02:30:00+0200", "2027-11-01 02:30:00+0100"));
  // Hourly fires every real hour, the repeated one included.
  EXPECT_THAT(Firings("0 * * * *", "Europe/Paris", Utc(2027, 10, 30, 23, 30), 4),
              ::testing::ElementsAre("2027-10-31 02:00:00+0200", "2027-10-31 02:00:00+0100", "2027-10-31 03:00:00+0100",
                                     "2027-10-31 04:00:00+0100"));
  // Every 30 minutes in the 02:00 hour: the repeated 02:00 fires (02:30
  // follows within two hours), the repeated 02:30 does not (the next match is
  // a day later). That is cron-utils' rule, quirk included.
  EXPECT_THAT(Firings("*/30 2 * * *", "Europe/Paris", Utc(2027, 10, 30, 23, 30), 5),
              ::testing::ElementsAre("2027-10-31 02:00:00+0200", "2027-10-31 02:30:00+0200", "2027-10-31 02:00:00+0100",
                                     "2027-11-01 02:00:00+0100", "2027-11-01 02:30:00+0100"));
  CronExpression hourly = MustParse("0 * * * *");
  const date::time_zone* paris = date::locate_zone("Europe/Paris");
  EXPECT_EQ(Local(hourly.Previous(Utc(2027, 10, 31, 2), paris), "Europe/Paris"), "2027-10-31 02:00:00+0100");
  EXPECT_EQ(Local(hourly.Previous(Utc(2027, 10, 31, 1), paris), "Europe/Paris"), "2027-10-31 02:00:00+0200");
}

TEST(CronDst, NewYork) {
  // 2027-03-14 02:00 EST -> 03:00 EDT; 2027-11-07 02:00 EDT -> 01:00 EST.
  EXPECT_THAT(Firings("15 2 * * *", "America/New_York", Utc(2027, 3, 13, 12), 2),
              ::testing::ElementsAre("2027-03-15 02:15:00-0400", "2027-03-16 02:15:00-0400"));
  EXPECT_THAT(Firings("30 1 * * *", "America/New_York", Utc(2027, 11, 6, 12), 2),
              ::testing::ElementsAre("2027-11-07 01:30:00-0400", "2027-11-08 01:30:00-0500"));
}

TEST(CronDst, SydneySouthernHemisphere) {
  // 2027-04-04 03:00 AEDT -> 02:00 AEST (fall back in April);
  // 2027-10-03 02:00 AEST -> 03:00 AEDT (spring forward in October).
  EXPECT_THAT(
      Firings("30 2 * * *", "Australia/Sydney", Utc(2027, 4, 2, 12), 3),
      ::testing::ElementsAre("2027-04-03 02:30:00+1100", "2027-04-04 02:30:00+1100", "2027-04-05 02:30:00+1000"));
  EXPECT_THAT(Firings("30 2 * * *", "Australia/Sydney", Utc(2027, 10, 1, 12), 2),
              ::testing::ElementsAre("2027-10-02 02:30:00+1000", "2027-10-04 02:30:00+1100"));
}

TEST(CronDst, KolkataHalfHourOffset) {
  EXPECT_THAT(Firings("0 9 * * *", "Asia/Kolkata", Utc(2027, 6, 1), 2),
              ::testing::ElementsAre("2027-06-01 09:00:00+0530", "2027-06-02 09:00:00+0530"));
  EXPECT_EQ(Iso(MustParse("0 9 * * *").Next(Utc(2027, 6, 1), date::locate_zone("Asia/Kolkata"))),
            "2027-06-01T03:30:00Z");
}

// Random expressions in DST zones: every Next lands on a matching wall time,
// and Next and Previous undo each other.
TEST(CronProperty, NextAndPreviousAgreeOnRandomExpressions) {
  std::mt19937 rng(12345);
  auto pick = [&](std::initializer_list<const char*> options) {
    std::uniform_int_distribution<size_t> d(0, options.size() - 1);
    return std::string(*(options.begin() + d(rng)));
  };
  for (int i = 0; i < 200; ++i) {
    std::string text = pick({"0", "*/7", "5,35", "1-30/10", "*"}) + " " + pick({"*", "2", "1-3", "*/5", "0,12"}) + " " +
                       pick({"*", "1", "13", "28-31", "*/10"}) + " " + pick({"*", "2", "MAR-APR", "10,11"}) + " " +
                       pick({"*", "SUN", "1-5", "0,6"});
    auto cron = CronExpression::Parse(text, false);
    ASSERT_TRUE(cron.ok()) << cron.status().ToString();
    for (const char* zone : {"Europe/Paris", "Australia/Sydney", "America/Santiago"}) {
      const date::time_zone* tz = date::locate_zone(zone);
      std::optional<Timestamp> t = Utc(2027, 1, 1) + std::chrono::hours{i * 37};
      for (int k = 0; k < 20 && t; ++k) {
        std::optional<Timestamp> next = cron->Next(*t, tz);
        ASSERT_TRUE(next) << text;
        ASSERT_GT(*next, *t) << text;
        auto wall = date::make_zoned(tz, std::chrono::floor<std::chrono::seconds>(*next)).get_local_time();
        EXPECT_TRUE(cron->MatchesWallTime(std::chrono::sys_seconds{wall.time_since_epoch()})) << text;
        std::optional<Timestamp> previous = cron->Previous(*next, tz);
        ASSERT_TRUE(previous) << text;
        EXPECT_LE(*previous, *t) << text << " in " << zone;
        EXPECT_EQ(Iso(cron->Next(*previous, tz)), Iso(next)) << text << " in " << zone;
        t = next;
      }
    }
  }
}

TEST(CronMatch, WallTime) {
  CronExpression cron = MustParse("*/15 9-17 * * MON-FRI");
  using std::chrono::sys_seconds;
  EXPECT_TRUE(cron.MatchesWallTime(sys_seconds{date::sys_days{date::year{2027} / 5 / 17} + std::chrono::hours{9}}));
  EXPECT_FALSE(cron.MatchesWallTime(sys_seconds{date::sys_days{date::year{2027} / 5 / 16} + std::chrono::hours{9}}));
}

}  // namespace
}  // namespace floe::triggers
