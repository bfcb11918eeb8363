#include "triggers/cron.h"

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace floe::triggers {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// How far Next and Previous look before giving up.
constexpr auto kSearchSpan = date::days{8 * 366};
// A second occurrence in a fall-back overlap fires only when the schedule
// matches again within this (cron-utils: "not less frequent than hourly").
constexpr auto kRepeatWindow = std::chrono::hours{2};

enum class Field { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek };

struct FieldSpec {
  Field field;
  const char* name;
  int min;
  int max;
};

constexpr std::array<FieldSpec, 6> kFields = {{
    {Field::kSecond, "second", 0, 59},
    {Field::kMinute, "minute", 0, 59},
    {Field::kHour, "hour", 0, 23},
    {Field::kDayOfMonth, "day-of-month", 1, 31},
    {Field::kMonth, "month", 1, 12},
    {Field::kDayOfWeek, "day-of-week", 0, 7},
}};

constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
constexpr std::array<const char*, 12> kMonthLongNames = {"January",   "February", "March",    "April",
                                                         "May",       "June",     "July",     "August",
                                                         "September", "October",  "November", "December"};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<int> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Parses one field into a bit mask (bit i = value i; day-of-week 7 is bit 0).
class FieldParser {
 public:
  FieldParser(std::string_view expression, const FieldSpec& spec) : expression_(expression), spec_(spec) {}

  Result<uint64_t> Parse(std::string_view token) {
    if (token == "?") {
      return Error("'?' is not supported: Kestra's cron has no '?'; use '*'");
    }
    uint64_t mask = 0;
    for (std::string_view item : Split(token, ',')) {
      if (item.empty()) return Error("'" + std::string(token) + "' has an empty list item");
      ASSIGN_OR_RETURN(uint64_t m, ParseItem(item));
      mask |= m;
    }
    return mask;
  }

 private:
  Status Error(std::string why) const {
    return InvalidArgument("cron '" + std::string(expression_) + "': " + spec_.name + " " + std::move(why));
  }

  Result<int> Value(std::string_view s, std::string_view item) const {
    if (s.empty()) return Error("'" + std::string(item) + "' is not a value, a range a-b or a step");
    if (auto n = ParseNumber(s)) {
      if (*n < spec_.min || *n > spec_.max) {
        return Error(std::string(s) + " is out of range " + std::to_string(spec_.min) + "-" +
                     std::to_string(spec_.max));
      }
      return *n;
    }
    std::string upper = Upper(s);
    if (spec_.field == Field::kMonth) {
      for (size_t i = 0; i < kMonthNames.size(); ++i) {
        if (upper == kMonthNames[i]) return static_cast<int>(i) + 1;
      }
    }
    if (spec_.field == Field::kDayOfWeek) {
      for (size_t i = 0; i < kDayNames.size(); ++i) {
        if (upper == kDayNames[i]) return static_cast<int>(i);
      }
    }
    bool day_field = spec_.field == Field::kDayOfMonth || spec_.field == Field::kDayOfWeek;
    if (day_field && (upper.find('#') != std::string::npos || upper.back() == 'L' || upper.back() == 'W')) {
      return Error("'" + std::string(s) +
                   "' is not supported: Kestra's cron has no 'L', 'W' or '#'; use a schedule condition such as "
                   "DayWeekInMonth");
    }
    std::string expected = spec_.field == Field::kMonth ? "a number 1-12 or JAN-DEC"
                           : spec_.field == Field::kDayOfWeek
                               ? "a number 0-7 or SUN-SAT"
                               : "a number " + std::to_string(spec_.min) + "-" + std::to_string(spec_.max);
    return Error("'" + std::string(s) + "' is not " + expected);
  }

  Result<uint64_t> ParseItem(std::string_view item) {
    std::string_view base = item;
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      base = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      auto n = ParseNumber(step_text);
      if (!n || *n == 0)
        return Error("step '" + std::string(step_text) + "' in '" + std::string(item) + "' is not a positive number");
      if (*n > spec_.max - spec_.min + 1) {
        return Error("step " + std::to_string(*n) + " in '" + std::string(item) + "' is larger than the range " +
                     std::to_string(spec_.min) + "-" + std::to_string(spec_.max));
      }
      step = *n;
      has_step = true;
    }
    int low = spec_.min;
    int high = spec_.max;
    if (base == "*") {
      // whole range
    } else if (size_t dash = base.find('-'); dash != std::string_view::npos) {
      ASSIGN_OR_RETURN(low, Value(base.substr(0, dash), item));
      ASSIGN_OR_RETURN(high, Value(base.substr(dash + 1), item));
      if (low > high) {
        return Error("range '" + std::string(base) + "' is backwards (write the smaller value first)");
      }
    } else {
      ASSIGN_OR_RETURN(low, Value(base, item));
      high = has_step ? spec_.max : low;  // `5/10` runs from 5 to the maximum
    }
    uint64_t mask = 0;
    for (int v = low; v <= high; v += step) {
      int value = (spec_.field == Field::kDayOfWeek && v == 7) ? 0 : v;
      mask |= uint64_t{1} << value;
    }
    return mask;
  }

  std::string_view expression_;
  const FieldSpec& spec_;
};

std::optional<std::string> Nickname(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
  if (lower == "@monthly") return "0 0 1 * *";
  if (lower == "@weekly") return "0 0 * * 0";
  if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
  if (lower == "@hourly") return "0 * * * *";
  return std::nullopt;
}

template <size_t N>
std::bitset<N> ToBits(uint64_t mask) {
  return std::bitset<N>(mask & ((N >= 64) ? ~uint64_t{0} : ((uint64_t{1} << N) - 1)));
}

// The smallest set bit >= from, or -1.
template <size_t N>
int NextSet(const std::bitset<N>& bits, int from) {
  for (int i = from; i < static_cast<int>(N); ++i) {
    if (bits[i]) return i;
  }
  return -1;
}

// The largest set bit <= from, or -1.
template <size_t N>
int PreviousSet(const std::bitset<N>& bits, int from) {
  for (int i = from; i >= 0; --i) {
    if (bits[i]) return i;
  }
  return -1;
}

constexpr unsigned MaxDaysIn(unsigned month) {
  constexpr std::array<unsigned, 13> kDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month];
}

}  // namespace

Result<CronExpression> CronExpression::Parse(std::string_view text, bool with_seconds) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string quoted = "cron '" + std::string(text) + "'";
  std::string fields_text(text);
  if (!text.empty() && text.front() == '@') {
    auto expanded = Nickname(text);
    if (!expanded) {
      Status error = InvalidArgument(quoted + ": unknown nickname '" + std::string(text) + "'");
      if (Upper(text) == "@REBOOT") {
        error = InvalidArgument(quoted + ": @reboot is not supported: a schedule fires at times, not at a boot");
      }
      return std::move(error).WithHint("use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly");
    }
    fields_text = with_seconds ? "0 " + *expanded : *expanded;
  }

  std::vector<std::string_view> tokens;
  std::string_view rest = fields_text;
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find_first_of(" \t");
    tokens.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  size_t expected = with_seconds ? 6 : 5;
  if (tokens.size() != expected) {
    Status error = InvalidArgument(quoted + ": expected " + std::to_string(expected) + " fields (" +
                                   (with_seconds ? "second " : "") +
                                   "minute hour day-of-month month day-of-week), got " + std::to_string(tokens.size()));
    if (!with_seconds && tokens.size() == 6)
      return std::move(error).WithHint("set withSeconds: true for a seconds field");
    if (with_seconds && tokens.size() == 5)
      return std::move(error).WithHint("withSeconds: true needs a leading seconds field");
    return error;
  }

  CronExpression cron;
  cron.text_ = std::string(text);
  cron.with_seconds_ = with_seconds;
  std::array<uint64_t, 6> masks{};
  masks[0] = 1;  // second 0 when the expression has no seconds field
  for (size_t i = 0; i < tokens.size(); ++i) {
    const FieldSpec& spec = kFields[i + (with_seconds ? 0 : 1)];
    ASSIGN_OR_RETURN(masks[static_cast<size_t>(spec.field)], FieldParser(text, spec).Parse(tokens[i]));
  }
  cron.seconds_ = ToBits<60>(masks[0]);
  cron.minutes_ = ToBits<60>(masks[1]);
  cron.hours_ = ToBits<24>(masks[2]);
  cron.days_of_month_ = ToBits<32>(masks[3]);
  cron.months_ = ToBits<13>(masks[4]);
  cron.days_of_week_ = ToBits<7>(masks[5]);
  size_t offset = with_seconds ? 1 : 0;
  cron.day_of_month_restricted_ = tokens[2 + offset] != "*";
  cron.day_of_week_restricted_ = tokens[4 + offset] != "*";

  // With only day-of-month restricting the day, some chosen month must have
  // one of the chosen days (29 February counts: it comes every four years).
  if (!cron.day_of_week_restricted_) {
    bool possible = false;
    for (unsigned m = 1; m <= 12 && !possible; ++m) {
      if (!cron.months_[m]) continue;
      for (unsigned d = 1; d <= MaxDaysIn(m); ++d) possible = possible || cron.days_of_month_[d];
    }
    if (!possible) {
      std::string months;
      for (unsigned m = 1; m <= 12; ++m) {
        if (!cron.months_[m]) continue;
        months += (months.empty() ? "" : ", ") + std::string(kMonthLongNames[m - 1]);
      }
      return InvalidArgument(quoted + ": day-of-month '" + std::string(tokens[2 + offset]) + "' never occurs in " +
                             months + ", so the schedule would never fire");
    }
  }
  return cron;
}

bool CronExpression::DayMatches(unsigned month, unsigned day, unsigned weekday) const {
  if (!months_[month]) return false;
  if (day_of_month_restricted_ && day_of_week_restricted_) return days_of_month_[day] || days_of_week_[weekday];
  return days_of_month_[day] && days_of_week_[weekday];
}

bool CronExpression::MatchesWallTime(sys_seconds wall) const {
  date::sys_days day = date::floor<date::days>(wall);
  date::year_month_day ymd{day};
  date::hh_mm_ss<seconds> tod{wall - day};
  return DayMatches(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    date::weekday{day}.c_encoding()) &&
         hours_[tod.hours().count()] && minutes_[tod.minutes().count()] && seconds_[tod.seconds().count()];
}

std::optional<sys_seconds> CronExpression::NextWall(sys_seconds after, sys_seconds limit) const {
  using std::chrono::hours;
  using std::chrono::minutes;
  sys_seconds t = after + seconds{1};
  while (t <= limit) {
    date::sys_days day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    if (!months_[static_cast<unsigned>(ymd.month())]) {
      t = date::sys_days{(ymd.year() / ymd.month() + date::months{1}) / 1};
      continue;
    }
    if (!DayMatches(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    date::weekday{day}.c_encoding())) {
      t = day + date::days{1};
      continue;
    }
    date::hh_mm_ss<seconds> tod{t - day};
    int h = static_cast<int>(tod.hours().count());
    int m = static_cast<int>(tod.minutes().count());
    int s = static_cast<int>(tod.seconds().count());
    if (!hours_[h]) {
      int next = NextSet(hours_, h + 1);
      t = next < 0 ? sys_seconds{day + date::days{1}} : sys_seconds{day + hours{next}};
      continue;
    }
    if (!minutes_[m]) {
      int next = NextSet(minutes_, m + 1);
      t = next < 0 ? day + hours{h + 1} : day + hours{h} + minutes{next};
      continue;
    }
    if (!seconds_[s]) {
      int next = NextSet(seconds_, s + 1);
      t = next < 0 ? day + hours{h} + minutes{m + 1} : day + hours{h} + minutes{m} + seconds{next};
      continue;
    }
    return t;
  }
  return std::nullopt;
}

std::optional<sys_seconds> CronExpression::PreviousWall(sys_seconds before, sys_seconds limit) const {
  using std::chrono::hours;
  using std::chrono::minutes;
  sys_seconds t = before - seconds{1};
  while (t >= limit) {
    date::sys_days day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    if (!months_[static_cast<unsigned>(ymd.month())]) {
      t = date::sys_days{ymd.year() / ymd.month() / 1} - seconds{1};
      continue;
    }
    if (!DayMatches(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    date::weekday{day}.c_encoding())) {
      t = day - seconds{1};
      continue;
    }
    date::hh_mm_ss<seconds> tod{t - day};
    int h = static_cast<int>(tod.hours().count());
    int m = static_cast<int>(tod.minutes().count());
    int s = static_cast<int>(tod.seconds().count());
    if (!hours_[h]) {
      int prev = PreviousSet(hours_, h - 1);
      t = prev < 0 ? day - seconds{1} : day + hours{prev} + minutes{59} + seconds{59};
      continue;
    }
    if (!minutes_[m]) {
      int prev = PreviousSet(minutes_, m - 1);
      t = prev < 0 ? day + hours{h} - seconds{1} : day + hours{h} + minutes{prev} + seconds{59};
      continue;
    }
    if (!seconds_[s]) {
      int prev = PreviousSet(seconds_, s - 1);
      t = prev < 0 ? day + hours{h} + minutes{m} - seconds{1} : day + hours{h} + minutes{m} + seconds{prev};
      continue;
    }
    return t;
  }
  return std::nullopt;
}

namespace {

// One span of constant UTC offset in a zone, as the cron walk needs it.
struct Period {
  sys_seconds begin;
  sys_seconds end;
  seconds offset;
  // Wall times before this one (and from begin + offset) occurred already in
  // the previous period: the second occurrences of a fall-back overlap. Equal
  // to begin + offset when the previous period did not end later in wall time.
  sys_seconds repeated_until;
};

Period PeriodAt(const date::time_zone* tz, sys_seconds t) {
  date::sys_info info = tz->get_info(t);
  Period p{info.begin, info.end, info.offset, info.begin + info.offset};
  // Zones start with a period reaching back to the beginning of time.
  if (info.begin > date::sys_days{date::year{1800} / 1 / 1}) {
    date::sys_info before = tz->get_info(info.begin - seconds{1});
    if (before.offset > info.offset) p.repeated_until = info.begin + before.offset;
  }
  return p;
}

}  // namespace

bool CronExpression::FiresAt(sys_seconds wall, sys_seconds repeated_until) const {
  if (wall >= repeated_until) return true;
  return NextWall(wall, wall + kRepeatWindow - seconds{1}).has_value();
}

std::optional<Timestamp> CronExpression::Next(Timestamp after, const date::time_zone* tz) const {
  sys_seconds t = std::chrono::floor<seconds>(after);
  const sys_seconds limit = t + kSearchSpan;
  Period p = PeriodAt(tz, t);
  while (true) {
    sys_seconds end = std::min(p.end, limit + seconds{1});
    sys_seconds wall_limit = end - seconds{1} + p.offset;
    for (auto wall = NextWall(t + p.offset, wall_limit); wall; wall = NextWall(*wall, wall_limit)) {
      if (FiresAt(*wall, p.repeated_until)) return Timestamp{*wall - p.offset};
    }
    if (p.end > limit) return std::nullopt;
    t = p.end - seconds{1};
    p = PeriodAt(tz, p.end);
  }
}

std::optional<Timestamp> CronExpression::Previous(Timestamp before, const date::time_zone* tz) const {
  sys_seconds t = std::chrono::ceil<seconds>(before);  // firings are < t
  const sys_seconds limit = t - kSearchSpan;
  Period p = PeriodAt(tz, t - seconds{1});
  while (true) {
    sys_seconds begin = std::max(p.begin, limit);
    sys_seconds wall_limit = begin + p.offset;
    for (auto wall = PreviousWall(t + p.offset, wall_limit); wall; wall = PreviousWall(*wall, wall_limit)) {
      if (FiresAt(*wall, p.repeated_until)) return Timestamp{*wall - p.offset};
    }
    if (p.begin <= limit) return std::nullopt;
    t = p.begin;
    p = PeriodAt(tz, p.begin - seconds{1});
  }
}

}  // namespace floe::triggers
