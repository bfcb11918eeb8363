// The calendar conditions of Kestra's triggers (io.kestra.plugin.core.condition
// DayWeek, DayWeekInMonth, DateTimeBetween, TimeBetween, Weekend) as pure
// predicates on an instant seen in a time zone, plus parsers for their
// property strings.
//
//   ASSIGN_OR_RETURN(date::weekday monday, ParseDayOfWeek("MONDAY"));
//   ASSIGN_OR_RETURN(DayInMonth first, ParseDayInMonth("FIRST"));
//   bool fire = IsDayWeekInMonth(trigger_date, tz, monday, first);
//
// Kestra renders the condition's `date` (by default `{{ trigger.date }}`,
// which carries the schedule's zone) and tests its local date or time. Here
// the caller passes the instant and the zone it is read in.
#pragma once

#include <date/date.h>

#include <chrono>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace date {
class time_zone;
}

namespace floe::triggers {

// DayWeekInMonth's `dayInMonth`.
enum class DayInMonth { kFirst, kSecond, kThird, kFourth, kLast };

// "MONDAY".."SUNDAY" (Java's DayOfWeek names; case-insensitive).
Result<date::weekday> ParseDayOfWeek(std::string_view text);
// "FIRST", "SECOND", "THIRD", "FOURTH" or "LAST".
Result<DayInMonth> ParseDayInMonth(std::string_view text);

// An ISO-8601 date-time with an offset or 'Z' ("2025-01-01T00:00:00Z",
// "2025-06-01T08:30:00.250+02:00"), optionally followed by a zone id in
// brackets as Java prints a ZonedDateTime ("...+01:00[Europe/Paris]"), which
// is checked but not needed: the offset fixes the instant.
Result<Timestamp> ParseDateTime(std::string_view text);

// A time of day with an offset, as Java's OffsetTime: "16:00:00+02:00",
// "08:30Z", "23:59:59.5-05:00".
struct OffsetTime {
  std::chrono::milliseconds time_of_day{0};  // local, 0 to 24h
  std::chrono::seconds offset{0};            // from UTC
};
Result<OffsetTime> ParseOffsetTime(std::string_view text);

// DayWeek: the local date of `t` in `tz` falls on `day`.
bool IsDayWeek(Timestamp t, const date::time_zone* tz, date::weekday day);

// DayWeekInMonth: the local date of `t` is the first (second, third, fourth)
// or last `day` of its month. FOURTH is the fourth even in a month with five.
bool IsDayWeekInMonth(Timestamp t, const date::time_zone* tz, date::weekday day, DayInMonth which);

// Weekend: the local date of `t` is a Saturday or a Sunday.
bool IsWeekend(Timestamp t, const date::time_zone* tz);

// DateTimeBetween: after <= t <= before, bounds inclusive as in Kestra; an
// absent bound does not restrict. Kestra rejects a condition with neither at
// evaluation; so does this: InvalidArgument.
Result<bool> IsDateTimeBetween(Timestamp t, std::optional<Timestamp> after, std::optional<Timestamp> before);

// TimeBetween: the time of day of `t` in `tz`, with the offset `tz` has then,
// is strictly after `after` and strictly before `before`, compared as Java's
// OffsetTime does: on the UTC time line of one day, local time minus offset,
// without wrapping past midnight. So "22:00+00:00".."02:00+00:00" matches
// nothing; write two conditions under an Or instead. Neither bound is
// InvalidArgument.
Result<bool> IsTimeBetween(Timestamp t, const date::time_zone* tz, std::optional<OffsetTime> after,
                           std::optional<OffsetTime> before);

}  // namespace floe::triggers
