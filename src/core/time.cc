#include "core/time.h"

#include <ctime>

namespace floe {

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
