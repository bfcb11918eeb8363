#include "triggers/calendar_conditions.h"

#include <date/tz.h>

#include <array>
#include <cctype>
#include <string>

namespace floe::triggers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A small cursor over ISO-8601 text.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly n digits.
  std::optional<int> Digits(size_t n) {
    if (i_ + n > s_.size()) return std::nullopt;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s_[i_ + k];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i_ += n;
    return v;
  }
  std::string_view rest() const { return s_.substr(i_); }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// HH:MM[:SS[.fff]]; nullopt when malformed.
std::optional<milliseconds> ParseTimeOfDay(Scanner& in) {
  auto h = in.Digits(2);
  if (!h || !in.Eat(':')) return std::nullopt;
  auto m = in.Digits(2);
  if (!m) return std::nullopt;
  int s = 0;
  int64_t ms = 0;
  if (in.Eat(':')) {
    auto sec = in.Digits(2);
    if (!sec) return std::nullopt;
    s = *sec;
    if (in.Eat('.')) {
      int digits = 0;
      while (std::isdigit(static_cast<unsigned char>(in.peek()))) {
        int d = *in.Digits(1);
        if (digits < 3) ms = ms * 10 + d;
        ++digits;
      }
      if (digits == 0) return std::nullopt;
      for (; digits < 3; ++digits) ms *= 10;
    }
  }
  if (*h > 23 || *m > 59 || s > 59) return std::nullopt;
  return std::chrono::hours{*h} + std::chrono::minutes{*m} + seconds{s} + milliseconds{ms};
}

// Z, +HH:MM, -HH:MM, +HHMM or +HH.
std::optional<seconds> ParseOffset(Scanner& in) {
  if (in.Eat('Z') || in.Eat('z')) return seconds{0};
  int sign = 1;
  if (in.Eat('-')) {
    sign = -1;
  } else if (!in.Eat('+')) {
    return std::nullopt;
  }
  auto h = in.Digits(2);
  if (!h) return std::nullopt;
  int m = 0;
  if (in.Eat(':')) {
    auto mm = in.Digits(2);
    if (!mm) return std::nullopt;
    m = *mm;
  } else if (auto mm = in.Digits(2)) {
    m = *mm;
  }
  if (*h > 18 || m > 59) return std::nullopt;
  return seconds{sign * (*h * 3600 + m * 60)};
}

date::year_month_day LocalDate(Timestamp t, const date::time_zone* tz) {
  auto local = tz->to_local(t);
  return date::year_month_day{date::sys_days{date::floor<date::days>(local).time_since_epoch()}};
}

date::weekday LocalWeekday(Timestamp t, const date::time_zone* tz) {
  return date::weekday{date::sys_days{LocalDate(t, tz)}};
}

}  // namespace

Result<date::weekday> ParseDayOfWeek(std::string_view text) {
  static constexpr std::array<const char*, 7> kNames = {"SUNDAY",   "MONDAY", "TUESDAY", "WEDNESDAY",
                                                        "THURSDAY", "FRIDAY", "SATURDAY"};
  std::string upper = Upper(text);
  for (unsigned i = 0; i < kNames.size(); ++i) {
    if (upper == kNames[i]) return date::weekday{i};
  }
  return InvalidArgument("dayOfWeek '" + std::string(text) + "' is not a day of the week")
      .WithHint("use MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY or SUNDAY");
}

Result<DayInMonth> ParseDayInMonth(std::string_view text) {
  std::string upper = Upper(text);
  if (upper == "FIRST") return DayInMonth::kFirst;
  if (upper == "SECOND") return DayInMonth::kSecond;
  if (upper == "THIRD") return DayInMonth::kThird;
  if (upper == "FOURTH") return DayInMonth::kFourth;
  if (upper == "LAST") return DayInMonth::kLast;
  return InvalidArgument("dayInMonth '" + std::string(text) + "' is not one of FIRST, SECOND, THIRD, FOURTH, LAST");
}

Result<Timestamp> ParseDateTime(std::string_view text) {
  auto bad = [&](std::string why) {
    return InvalidArgument("'" + std::string(text) + "' is not an ISO-8601 date-time with an offset: " + why)
        .WithHint("write it like 2025-01-01T00:00:00Z or 2025-06-01T08:30:00+02:00");
  };
  Scanner in(text);
  auto y = in.Digits(4);
  if (!y || !in.Eat('-')) return bad("expected a date YYYY-MM-DD");
  auto mo = in.Digits(2);
  if (!mo || !in.Eat('-')) return bad("expected a date YYYY-MM-DD");
  auto d = in.Digits(2);
  if (!d) return bad("expected a date YYYY-MM-DD");
  date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*mo)},
                           date::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return bad("there is no such day");
  if (!in.Eat('T') && !in.Eat('t')) return bad("expected 'T' and a time after the date");
  auto tod = ParseTimeOfDay(in);
  if (!tod) return bad("expected a time HH:MM[:SS[.fff]] after 'T'");
  auto offset = ParseOffset(in);
  if (!offset) return bad("expected an offset ('Z' or +HH:MM) after the time");
  if (in.Eat('[')) {
    std::string_view rest = in.rest();
    if (rest.empty() || rest.back() != ']') return bad("a zone id in brackets must end with ']'");
    std::string zone(rest.substr(0, rest.size() - 1));
    try {
      (void)date::locate_zone(zone);
    } catch (const std::exception&) {
      return bad("unknown time zone '" + zone + "'");
    }
  } else if (!in.done()) {
    return bad("unexpected '" + std::string(in.rest()) + "' at the end");
  }
  return Timestamp{date::sys_days{ymd} + *tod - *offset};
}

Result<OffsetTime> ParseOffsetTime(std::string_view text) {
  Scanner in(text);
  auto tod = ParseTimeOfDay(in);
  auto offset = tod ? ParseOffset(in) : std::nullopt;
  if (!tod || !offset || !in.done()) {
    return InvalidArgument("'" + std::string(text) + "' is not an ISO-8601 time with an offset")
        .WithHint("write it like 16:00:00+02:00 or 08:30:00Z");
  }
  return OffsetTime{*tod, *offset};
}

bool IsDayWeek(Timestamp t, const date::time_zone* tz, date::weekday day) { return LocalWeekday(t, tz) == day; }

bool IsDayWeekInMonth(Timestamp t, const date::time_zone* tz, date::weekday day, DayInMonth which) {
  date::year_month_day ymd = LocalDate(t, tz);
  date::sys_days local{ymd};
  if (date::weekday{local} != day) return false;
  unsigned d = static_cast<unsigned>(ymd.day());
  switch (which) {
    case DayInMonth::kFirst:
      return d <= 7;
    case DayInMonth::kSecond:
      return d > 7 && d <= 14;
    case DayInMonth::kThird:
      return d > 14 && d <= 21;
    case DayInMonth::kFourth:
      return d > 21 && d <= 28;
    case DayInMonth::kLast:
      return static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day()) - d < 7;
  }
  return false;
}

bool IsWeekend(Timestamp t, const date::time_zone* tz) {
  date::weekday wd = LocalWeekday(t, tz);
  return wd == date::Saturday || wd == date::Sunday;
}

Result<bool> IsDateTimeBetween(Timestamp t, std::optional<Timestamp> after, std::optional<Timestamp> before) {
  if (!after && !before) return InvalidArgument("DateTimeBetween needs 'after', 'before' or both");
  if (after && t < *after) return false;
  if (before && t > *before) return false;
  return true;
}

Result<bool> IsTimeBetween(Timestamp t, const date::time_zone* tz, std::optional<OffsetTime> after,
                           std::optional<OffsetTime> before) {
  if (!after && !before) return InvalidArgument("TimeBetween needs 'after', 'before' or both");
  date::sys_info info = tz->get_info(t);
  auto local = date::floor<milliseconds>(t) + info.offset;
  milliseconds time_of_day = local - date::floor<date::days>(local);
  // Java's OffsetTime.isAfter/isBefore compare time-of-day minus offset.
  auto utc_line = [](milliseconds tod, seconds offset) { return tod - offset; };
  milliseconds now = utc_line(time_of_day, info.offset);
  if (after && !(now > utc_line(after->time_of_day, after->offset))) return false;
  if (before && !(now < utc_line(before->time_of_day, before->offset))) return false;
  return true;
}

}  // namespace floe::triggers
