// Cron expressions as Kestra's Schedule trigger reads them, and when they fire
// in a time zone.
//
//   ASSIGN_OR_RETURN(CronExpression cron, CronExpression::Parse("0 9 * * MON-FRI", false));
//   std::optional<Timestamp> next = cron.Next(now, date::locate_zone("Europe/Paris"));
//
// Syntax (Kestra builds cron-utils with its own definition; this matches it):
//   - 5 fields `minute hour day-of-month month day-of-week`, or 6 with a
//     leading `second` when `withSeconds: true`;
//   - per field: `*`, a value, a range `a-b`, steps `*/n`, `a-b/n` and `a/n`
//     (from a to the field's maximum), comma-separated lists of those;
//   - months JAN-DEC and days SUN-SAT (case-insensitive); day-of-week 0-7,
//     with 0 and 7 both Sunday;
//   - the nicknames @yearly @annually @monthly @weekly @daily @midnight
//     @hourly (not @reboot: a schedule has no boot to run at).
//   Kestra's definition does not enable cron-utils' `?`, `L`, `W` or `#`, so
//   they are rejected with an error that says so.
//   When both day-of-month and day-of-week are restricted (neither is a bare
//   `*`), a day matches when EITHER matches: classic cron's OR rule, which is
//   what cron-utils does for a definition without matchDayOfWeekAndDayOfMonth()
//   (Kestra's). `*/1` counts as restricted there, as in cron-utils.
//
// Time zones and daylight saving time. Fields match the wall-clock time of the
// zone. Kestra documents no DST rule of its own; it inherits cron-utils'
// ExecutionTime (9.2), whose behaviour, as read from its field walk and its
// DST-overlap fix (cron-utils PR #490, issue #446), is:
//   - spring forward (a gap): a wall time that does not exist that day does
//     not fire; `30 2 * * *` in Europe/Paris skips 2027-03-28 and fires again
//     the next day. An hourly `0 * * * *` fires at 01:00 and 03:00 there.
//   - fall back (an overlap): a wall time that occurs twice fires at its first
//     occurrence. It fires again at its second occurrence only when the
//     schedule runs at least hourly there: when the schedule's next matching
//     instant after the second occurrence is less than two hours later
//     (cron-utils: Duration.toHours() > 1 means "less frequent than hourly").
//     So `30 2 * * *` fires once on the fall-back day, while `0 * * * *` and
//     `*/15 * * * *` fire on every real hour / quarter hour, the repeated
//     wall-clock hour included.
// Next and Previous are exact inverses over that one set of firing instants.
// tests/schedule_reference.py computes the same rule by brute force with
// Python's zoneinfo; tests/schedule_zoneinfo_test.cc compares the two.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace date {
class time_zone;
}

namespace floe::triggers {

class CronExpression {
 public:
  // Parses `text`: 5 fields, or 6 (seconds first) when `with_seconds`. Errors
  // name the expression, the field, the bad token and why, e.g.
  // "cron '0 25 * * *': hour 25 is out of range 0-23". An expression that can
  // never fire ("0 0 30 2 *") is an error too.
  static Result<CronExpression> Parse(std::string_view text, bool with_seconds);

  // The first firing strictly after `after`, in whole seconds, evaluated in
  // `tz` (not null) with the DST rule above; nullopt when none comes within
  // eight years. Parse rejects expressions that never fire, and the longest
  // real wait (29 February from 2096 to 2104) is within that, so in practice
  // nullopt means a Timestamp near the end of its range.
  // Timestamps hold nanoseconds, so dates must stay within 1678-2261.
  std::optional<Timestamp> Next(Timestamp after, const date::time_zone* tz) const;
  // The last firing strictly before `before`; nullopt when none in the eight
  // years before it.
  std::optional<Timestamp> Previous(Timestamp before, const date::time_zone* tz) const;

  // Whether a wall-clock time (seconds since 1970-01-01T00:00 local) matches
  // every field. Says nothing about DST: see Next for what fires.
  bool MatchesWallTime(std::chrono::sys_seconds wall) const;

  const std::string& text() const { return text_; }
  bool with_seconds() const { return with_seconds_; }

 private:
  CronExpression() = default;

  bool DayMatches(unsigned month, unsigned day, unsigned weekday) const;
  // The next wall time strictly after `after` that matches the fields, or
  // nullopt past `limit`. Walks field by field (months, days, hours, ...),
  // never second by second.
  std::optional<std::chrono::sys_seconds> NextWall(std::chrono::sys_seconds after,
                                                   std::chrono::sys_seconds limit) const;
  std::optional<std::chrono::sys_seconds> PreviousWall(std::chrono::sys_seconds before,
                                                       std::chrono::sys_seconds limit) const;
  // Whether a matching wall time fires: always, unless it comes before
  // `repeated_until` (a second occurrence in a fall-back overlap) and the
  // schedule does not match again within two hours.
  bool FiresAt(std::chrono::sys_seconds wall, std::chrono::sys_seconds repeated_until) const;

  std::string text_;
  bool with_seconds_ = false;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1-31
  std::bitset<13> months_;         // 1-12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool day_of_month_restricted_ = false;
  bool day_of_week_restricted_ = false;
};

}  // namespace floe::triggers
