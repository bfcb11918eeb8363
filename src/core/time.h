// Wall-clock time as floe stores and shows it: ISO-8601 UTC with milliseconds,
// "2026-11-27T14:35:02.123Z". A Clock interface lets tests fix time.
//
// Everything that waits for a moment in flow time (retry delays, Pause
// delays, Sleep, timeouts, schedules) waits through its Clock, so a test on a
// ManualClock runs a year of schedules in milliseconds:
//
//   std::unique_lock lock(mu_);
//   while (!stop_ && clock.Now() < due) clock.WaitUntil(lock, cv_, due);
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace floe {

using Timestamp = std::chrono::system_clock::time_point;

std::string FormatTimestamp(Timestamp t);
// Reads ISO-8601: 2026-11-27, 2026-11-27T14:35:02, with a fraction and an
// offset (Z, +01:00) or none (UTC).
Result<Timestamp> ParseTimestamp(std::string_view text);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  // Blocks on `cv` (`lock` held, released while blocked) until it is
  // notified or `deadline` has passed on this clock. May return early
  // (spuriously, or before a ManualClock reaches the deadline): callers loop
  // on their own condition and on Now() < deadline.
  virtual void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Timestamp deadline) const;
};

// The system clock; a process-wide instance.
const Clock& SystemClock();

// A clock that moves only when told to (tests). Waiters re-check it every
// millisecond of real time, so Advance() needs no handle on them.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start.time_since_epoch().count()) {}
  Timestamp Now() const override { return Timestamp(Timestamp::duration(now_.load())); }
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Timestamp deadline) const override;
  void Set(Timestamp t) { now_.store(t.time_since_epoch().count()); }
  void Advance(std::chrono::nanoseconds d) {
    now_.fetch_add(std::chrono::duration_cast<Timestamp::duration>(d).count());
  }

 private:
  std::atomic<Timestamp::duration::rep> now_;
};

}  // namespace floe
