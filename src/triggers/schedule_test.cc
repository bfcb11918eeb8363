#include "triggers/schedule.h"

#include <date/date.h>
#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace floe::triggers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Timestamp Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return Timestamp{date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                   std::chrono::seconds{s}};
}

std::string Iso(std::optional<Timestamp> t) {
  if (!t) return "none";
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(*t));
}

std::vector<std::string> Dates(const CatchUp& c) {
  std::vector<std::string> out;
  for (const ScheduleDate& d : c.fire) out.push_back(Iso(d.date));
  return out;
}

class CatchUpTest : public ::testing::Test {
 protected:
  CronExpression hourly_ = *CronExpression::Parse("0 * * * *", false);
  const date::time_zone* utc_ = date::locate_zone("UTC");
  // Down from 09:00 (last fired) to 12:30: 10:00, 11:00 and 12:00 missed.
  Timestamp last_ = Utc(2027, 5, 17, 9);
  Timestamp now_ = Utc(2027, 5, 17, 12, 30);
};

TEST_F(CatchUpTest, FirstStartFiresNothingInThePast) {
  for (auto mode : {RecoverMissedSchedules::kAll, RecoverMissedSchedules::kLast, RecoverMissedSchedules::kNone}) {
    CatchUp c = CatchUpSchedule(hourly_, utc_, std::nullopt, now_, {.recover = mode});
    EXPECT_TRUE(c.fire.empty());
    EXPECT_EQ(Iso(c.next_date), "2027-05-17T13:00:00Z");
    EXPECT_FALSE(c.more);
  }
}

TEST_F(CatchUpTest, AllFiresEveryMissedDateWithTriggerVariables) {
  CatchUp c = CatchUpSchedule(hourly_, utc_, last_, now_, {.recover = RecoverMissedSchedules::kAll});
  EXPECT_THAT(Dates(c), ElementsAre("2027-05-17T10:00:00Z", "2027-05-17T11:00:00Z", "2027-05-17T12:00:00Z"));
  EXPECT_EQ(Iso(c.fire[0].previous), "2027-05-17T09:00:00Z");
  EXPECT_EQ(Iso(c.fire[0].next), "2027-05-17T11:00:00Z");
  EXPECT_EQ(Iso(c.fire[2].next), "2027-05-17T13:00:00Z");
  EXPECT_EQ(Iso(c.next_date), "2027-05-17T13:00:00Z");
  EXPECT_FALSE(c.more);
}

TEST_F(CatchUpTest, LastFiresOnlyTheMostRecent) {
  CatchUp c = CatchUpSchedule(hourly_, utc_, last_, now_, {.recover = RecoverMissedSchedules::kLast});
  EXPECT_THAT(Dates(c), ElementsAre("2027-05-17T12:00:00Z"));
  EXPECT_EQ(Iso(c.fire[0].previous), "2027-05-17T11:00:00Z");
  EXPECT_EQ(Iso(c.next_date), "2027-05-17T13:00:00Z");
}

TEST_F(CatchUpTest, NoneContinuesWithTheNextFutureDate) {
  CatchUp c = CatchUpSchedule(hourly_, utc_, last_, now_, {.recover = RecoverMissedSchedules::kNone});
  EXPECT_TRUE(c.fire.empty());
  EXPECT_EQ(Iso(c.next_date), "2027-05-17T13:00:00Z");
}

TEST_F(CatchUpTest, NothingMissedWaitsForTheNextDate) {
  for (auto mode : {RecoverMissedSchedules::kAll, RecoverMissedSchedules::kLast, RecoverMissedSchedules::kNone}) {
    CatchUp c = CatchUpSchedule(hourly_, utc_, Utc(2027, 5, 17, 12), now_, {.recover = mode});
    EXPECT_TRUE(c.fire.empty());
    EXPECT_EQ(Iso(c.next_date), "2027-05-17T13:00:00Z");
  }
}

TEST_F(CatchUpTest, ADateExactlyNowIsDue) {
  CatchUp c = CatchUpSchedule(hourly_, utc_, Utc(2027, 5, 17, 12), Utc(2027, 5, 17, 13), {});
  EXPECT_THAT(Dates(c), ElementsAre("2027-05-17T13:00:00Z"));
  EXPECT_EQ(Iso(c.next_date), "2027-05-17T14:00:00Z");
}

TEST_F(CatchUpTest, AllIsCappedAndContinues) {
  CronExpression every_second = *CronExpression::Parse("* * * * * *", true);
  Timestamp last = Utc(2026, 5, 17);
  Timestamp now = Utc(2027, 5, 17);  // a year down: 31.5 million dates
  size_t total = 0;
  CatchUp c = CatchUpSchedule(every_second, utc_, last, now, {.max_dates = 1000});
  EXPECT_EQ(c.fire.size(), 1000u);
  EXPECT_TRUE(c.more);
  EXPECT_EQ(Iso(c.fire.back().date), "2026-05-17T00:16:40Z");
  EXPECT_EQ(Iso(c.next_date), "2026-05-17T00:16:41Z");
  total += c.fire.size();
  // The caller records the last fired date and calls again.
  c = CatchUpSchedule(every_second, utc_, c.fire.back().date, now, {.max_dates = 1000});
  EXPECT_EQ(Iso(c.fire.front().date), "2026-05-17T00:16:41Z");
  total += c.fire.size();
  EXPECT_EQ(total, 2000u);
  // Near the end, the last batch is short and `more` is false.
  c = CatchUpSchedule(every_second, utc_, now - std::chrono::seconds{10}, now, {.max_dates = 1000});
  EXPECT_EQ(c.fire.size(), 10u);
  EXPECT_FALSE(c.more);
  EXPECT_EQ(Iso(c.next_date), "2027-05-17T00:00:01Z");
}

TEST_F(CatchUpTest, ThreeMissedPeriodsAcrossDst) {
  // Daily at 02:30 Paris, down from 2027-03-26 to 2027-03-30 08:00: the
  // 28th has no 02:30 (spring forward), so three dates are missed, not four.
  CronExpression daily = *CronExpression::Parse("30 2 * * *", false);
  const date::time_zone* paris = date::locate_zone("Europe/Paris");
  CatchUp c = CatchUpSchedule(daily, paris, Utc(2027, 3, 26, 1, 30), Utc(2027, 3, 30, 8), {});
  EXPECT_THAT(Dates(c), ElementsAre("2027-03-27T01:30:00Z", "2027-03-29T00:30:00Z", "2027-03-30T00:30:00Z"));
  EXPECT_EQ(Iso(c.fire[1].previous), "2027-03-27T01:30:00Z");
}

TEST(CatchUpDates, ListFiresEachDateOnce) {
  std::vector<Timestamp> dates = {Utc(2027, 1, 3), Utc(2027, 1, 1), Utc(2027, 1, 2), Utc(2027, 1, 2), Utc(2027, 2, 1)};
  CatchUp first = CatchUpDates(dates, std::nullopt, Utc(2027, 1, 1, 12), {});
  EXPECT_TRUE(first.fire.empty());
  EXPECT_EQ(Iso(first.next_date), "2027-01-02T00:00:00Z");

  CatchUp all = CatchUpDates(dates, Utc(2027, 1, 1), Utc(2027, 1, 10), {});
  EXPECT_THAT(Dates(all), ElementsAre("2027-01-02T00:00:00Z", "2027-01-03T00:00:00Z"));
  EXPECT_EQ(Iso(all.fire[0].previous), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Iso(all.next_date), "2027-02-01T00:00:00Z");

  CatchUp last = CatchUpDates(dates, Utc(2027, 1, 1), Utc(2027, 1, 10), {.recover = RecoverMissedSchedules::kLast});
  EXPECT_THAT(Dates(last), ElementsAre("2027-01-03T00:00:00Z"));

  CatchUp none = CatchUpDates(dates, Utc(2027, 1, 1), Utc(2027, 1, 10), {.recover = RecoverMissedSchedules::kNone});
  EXPECT_TRUE(none.fire.empty());
  EXPECT_EQ(Iso(none.next_date), "2027-02-01T00:00:00Z");

  CatchUp done = CatchUpDates(dates, Utc(2027, 2, 1), Utc(2027, 3, 1), {});
  EXPECT_TRUE(done.fire.empty());
  EXPECT_EQ(Iso(done.next_date), "none");
}

TEST(RecoverMissedSchedulesParse, Names) {
  EXPECT_EQ(*ParseRecoverMissedSchedules("ALL"), RecoverMissedSchedules::kAll);
  EXPECT_EQ(*ParseRecoverMissedSchedules("last"), RecoverMissedSchedules::kLast);
  EXPECT_EQ(*ParseRecoverMissedSchedules("NONE"), RecoverMissedSchedules::kNone);
  EXPECT_THAT(ParseRecoverMissedSchedules("SOME").status().ToString(), HasSubstr("'SOME' is not ALL, LAST or NONE"));
}

}  // namespace
}  // namespace floe::triggers
