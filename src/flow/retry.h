// RetryPolicy: Kestra's task `retry` (constant, exponential or random delays,
// bounded by maxAttempts and/or maxDuration).
//
//   retry:
//     type: exponential
//     interval: PT1S
//     maxInterval: PT1M
//     maxAttempts: 5        # all attempts, the first included
//     maxDuration: PT10M    # from the start of the first attempt
//     warningOnRetry: true  # a success after a retry ends in WARNING
#pragma once

#include <optional>
#include <random>

#include "core/duration.h"
#include "core/status.h"

namespace floe::flow {

struct YamlNode;

struct RetryPolicy {
  enum class Type { kConstant, kExponential, kRandom };
  Type type = Type::kConstant;
  Duration interval{0};       // constant, exponential (the first delay)
  Duration min_interval{0};   // random
  Duration max_interval{0};   // exponential (cap), random
  double delay_factor = 2.0;  // exponential
  std::optional<int> max_attempts;
  std::optional<Duration> max_duration;
  bool warning_on_retry = false;
  // A flow's retry: run a new execution, instead of the failed tasks again.
  bool new_execution = false;

  // The wait before the next attempt, after `attempts_made` attempts (>= 1)
  // that took `elapsed` in all; nullopt when no attempt is left.
  std::optional<Duration> NextDelay(int attempts_made, Duration elapsed, std::mt19937_64& rng) const;
};

// Parses a task's `retry` map; errors carry the YAML positions.
Result<RetryPolicy> ParseRetry(const YamlNode& node);

}  // namespace floe::flow
