// Wall-clock time as floe stores and shows it: ISO-8601 UTC with milliseconds,
// "2026-11-27T14:35:02.123Z". A Clock interface lets tests fix time.
#pragma once

#include <chrono>
#include <string>

namespace floe {

using Timestamp = std::chrono::system_clock::time_point;

std::string FormatTimestamp(Timestamp t);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The system clock; a process-wide instance.
const Clock& SystemClock();

}  // namespace floe
