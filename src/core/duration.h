// ISO-8601 durations, as flows write them: PT30S, PT1H30M, P1DT2H, PT0.5S, P2W.
//
//   ASSIGN_OR_RETURN(Duration d, ParseDuration("PT1M30S"));   // 90 s
//   FormatDuration(std::chrono::milliseconds(90000));          // "PT1M30S"
//
// Years and months have no fixed length, so they are rejected with a hint
// rather than guessed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace floe {

using Duration = std::chrono::milliseconds;

Result<Duration> ParseDuration(std::string_view text);
std::string FormatDuration(Duration d);

}  // namespace floe
