#include "core/time.h"

#include <ctime>

namespace floe {

Result<Timestamp> ParseTimestamp(std::string_view s) {
  auto bad = [&] { return InvalidArgument("'" + std::string(s) + "' is not an ISO-8601 date or date-time"); };
  auto digits = [&](size_t at, size_t n) -> int {
    if (at + n > s.size()) return -1;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  if (y < 0 || mo < 0 || d < 0 || s[4] != '-' || s[7] != '-') return bad();
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad();
  Timestamp t = std::chrono::sys_days{ymd};
  size_t i = 10;
  if (i == s.size()) return t;
  if (s[i] != 'T' && s[i] != ' ') return bad();
  int h = digits(i + 1, 2), mi = digits(i + 4, 2);
  if (h < 0 || mi < 0 || s[i + 3] != ':' || h > 23 || mi > 59) return bad();
  t += std::chrono::hours(h) + std::chrono::minutes(mi);
  i += 6;
  if (i < s.size() && s[i] == ':') {
    int sec = digits(i + 1, 2);
    if (sec < 0 || sec > 60) return bad();
    t += std::chrono::seconds(sec);
    i += 3;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      size_t start = ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == start) return bad();
      std::string frac(s.substr(start, std::min<size_t>(i - start, 6)));
      while (frac.size() < 6) frac += '0';
      t += std::chrono::microseconds(std::stoll(frac));
    }
  }
  if (i == s.size() || (s[i] == 'Z' && i + 1 == s.size())) return t;
  if ((s[i] == '+' || s[i] == '-') && s.size() == i + 6 && s[i + 3] == ':') {
    int oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (oh < 0 || om < 0) return bad();
    auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    return s[i] == '+' ? t - offset : t + offset;
  }
  return bad();
}

std::string FormatTimestamp(Timestamp t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

void Clock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Timestamp deadline) const {
  Timestamp now = Now();
  if (now < deadline) cv.wait_for(lock, deadline - now);
}

void ManualClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Timestamp deadline) const {
  if (Now() < deadline) cv.wait_for(lock, std::chrono::milliseconds(1));
}

namespace {
class RealClock final : public Clock {
 public:
  Timestamp Now() const override { return std::chrono::system_clock::now(); }
};
}  // namespace

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

}  // namespace floe
