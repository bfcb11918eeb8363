// Which schedule dates fire now: the catch-up rule of Kestra's Schedule and
// ScheduleOnDates triggers, as pure functions of the last fired date and now.
//
//   ASSIGN_OR_RETURN(CronExpression cron, CronExpression::Parse("0 * * * *", false));
//   CatchUp due = CatchUpSchedule(cron, tz, trigger_state.last_date, clock.Now(),
//                                 {.recover = RecoverMissedSchedules::kAll});
//   for (const ScheduleDate& d : due.fire) StartExecution(d);   // trigger.date = d.date
//   trigger_state.last_date = due.fire.empty() ? last : due.fire.back().date;
//   SleepUntil(due.next_date);
//
// How Kestra applies recoverMissedSchedules (read from its AbstractScheduler
// and Schedule.java): when the scheduler starts, or a disabled trigger is
// enabled again, the dates that came while nothing ran are
//   ALL  - all fired, oldest first (Kestra's default);
//   LAST - only the most recent one fired;
//   NONE - none fired: the schedule continues with the first date after now.
// A trigger with no state yet (first start, or a renamed trigger id) fires
// nothing in the past under every mode: it waits for the first date after
// now. In steady state the scheduler fires every date that has come since the
// last one, i.e. kAll on every tick; the mode matters only when it starts.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "triggers/cron.h"

namespace date {
class time_zone;
}

namespace floe::triggers {

enum class RecoverMissedSchedules { kAll, kLast, kNone };

// "ALL", "LAST" or "NONE" (Kestra spells them upper-case; accepted in any case).
Result<RecoverMissedSchedules> ParseRecoverMissedSchedules(std::string_view text);

// One date to fire, with the values Kestra gives the execution as
// `trigger.date`, `trigger.next` and `trigger.previous` (Schedule.Output):
// `next` is the schedule's first date after `date`, `previous` its last date
// before `date`, whether or not those fired. Kestra's ScheduleOnDates sets
// only `trigger.date`; next/previous are filled from the list all the same
// and the caller may leave them out.
struct ScheduleDate {
  Timestamp date;
  std::optional<Timestamp> next;
  std::optional<Timestamp> previous;

  bool operator==(const ScheduleDate&) const = default;
};

struct CatchUpOptions {
  RecoverMissedSchedules recover = RecoverMissedSchedules::kAll;
  // At most this many dates per call. A server down for a year under a
  // every-second schedule does not build millions of executions at once:
  // fire these, record the last as fired, and call again.
  size_t max_dates = 1000;
};

struct CatchUp {
  // Dates to fire now, oldest first; every one is <= now and > last_fired.
  std::vector<ScheduleDate> fire;
  // The next date to wait for: the first date after the last one in `fire`
  // (or after now when nothing is missed). When `more` is true it is <= now:
  // call again at once with last_fired = fire.back().date. nullopt: the
  // schedule never fires again (a ScheduleOnDates list that is used up, or a
  // cron date beyond the search span).
  std::optional<Timestamp> next_date;
  bool more = false;
};

// The cron Schedule. `last_fired` is the date of the last execution the
// trigger started (its `trigger.date`), nullopt when the trigger has no state.
// Dates are those of CronExpression::Next in `tz` (DST rule in cron.h).
CatchUp CatchUpSchedule(const CronExpression& cron, const date::time_zone* tz, std::optional<Timestamp> last_fired,
                        Timestamp now, const CatchUpOptions& options);

// ScheduleOnDates: each date of `dates` fires once. The list need not be
// sorted; duplicates fire once. Same contract as CatchUpSchedule.
CatchUp CatchUpDates(std::span<const Timestamp> dates, std::optional<Timestamp> last_fired, Timestamp now,
                     const CatchUpOptions& options);

}  // namespace floe::triggers
