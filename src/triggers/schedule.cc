#include "triggers/schedule.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace floe::triggers {
namespace {

// The schedule as a sequence of dates: Next/Previous over a cron expression
// or over a sorted list. Both catch-up functions share one walk.
class DateSequence {
 public:
  virtual ~DateSequence() = default;
  virtual std::optional<Timestamp> Next(Timestamp after) const = 0;
  virtual std::optional<Timestamp> Previous(Timestamp before) const = 0;
};

class CronDates : public DateSequence {
 public:
  CronDates(const CronExpression& cron, const date::time_zone* tz) : cron_(cron), tz_(tz) {}
  std::optional<Timestamp> Next(Timestamp after) const override { return cron_.Next(after, tz_); }
  std::optional<Timestamp> Previous(Timestamp before) const override { return cron_.Previous(before, tz_); }

 private:
  const CronExpression& cron_;
  const date::time_zone* tz_;
};

class ListDates : public DateSequence {
 public:
  explicit ListDates(std::span<const Timestamp> dates) : dates_(dates.begin(), dates.end()) {
    std::sort(dates_.begin(), dates_.end());
    dates_.erase(std::unique(dates_.begin(), dates_.end()), dates_.end());
  }
  std::optional<Timestamp> Next(Timestamp after) const override {
    auto it = std::upper_bound(dates_.begin(), dates_.end(), after);
    if (it == dates_.end()) return std::nullopt;
    return *it;
  }
  std::optional<Timestamp> Previous(Timestamp before) const override {
    auto it = std::lower_bound(dates_.begin(), dates_.end(), before);
    if (it == dates_.begin()) return std::nullopt;
    return *std::prev(it);
  }

 private:
  std::vector<Timestamp> dates_;
};

ScheduleDate Describe(const DateSequence& dates, Timestamp date) {
  return ScheduleDate{date, dates.Next(date), dates.Previous(date)};
}

CatchUp Walk(const DateSequence& dates, std::optional<Timestamp> last_fired, Timestamp now,
             const CatchUpOptions& options) {
  CatchUp out;
  if (!last_fired) {
    out.next_date = dates.Next(now);
    return out;
  }
  std::optional<Timestamp> first_missed = dates.Next(*last_fired);
  if (!first_missed || *first_missed > now) {
    out.next_date = first_missed;
    return out;
  }
  switch (options.recover) {
    case RecoverMissedSchedules::kNone:
      out.next_date = dates.Next(now);
      return out;
    case RecoverMissedSchedules::kLast: {
      // The most recent date <= now; it is >= first_missed > last_fired.
      Timestamp last = dates.Previous(now + std::chrono::nanoseconds{1}).value_or(*first_missed);
      out.fire.push_back(Describe(dates, last));
      out.next_date = out.fire.back().next;
      return out;
    }
    case RecoverMissedSchedules::kAll:
      break;
  }
  size_t cap = std::max<size_t>(options.max_dates, 1);
  std::optional<Timestamp> date = first_missed;
  while (date && *date <= now && out.fire.size() < cap) {
    out.fire.push_back(Describe(dates, *date));
    date = out.fire.back().next;
  }
  out.next_date = date;
  out.more = date && *date <= now;
  return out;
}

}  // namespace

Result<RecoverMissedSchedules> ParseRecoverMissedSchedules(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "ALL") return RecoverMissedSchedules::kAll;
  if (upper == "LAST") return RecoverMissedSchedules::kLast;
  if (upper == "NONE") return RecoverMissedSchedules::kNone;
  return InvalidArgument("recoverMissedSchedules '" + std::string(text) + "' is not ALL, LAST or NONE");
}

CatchUp CatchUpSchedule(const CronExpression& cron, const date::time_zone* tz, std::optional<Timestamp> last_fired,
                        Timestamp now, const CatchUpOptions& options) {
  return Walk(CronDates(cron, tz), last_fired, now, options);
}

CatchUp CatchUpDates(std::span<const Timestamp> dates, std::optional<Timestamp> last_fired, Timestamp now,
                     const CatchUpOptions& options) {
  return Walk(ListDates(dates), last_fired, now, options);
}

}  // namespace floe::triggers
