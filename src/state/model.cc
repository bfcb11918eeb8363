#include "state/model.h"

namespace floe::state {
namespace {
constexpr std::string_view kNames[] = {"CREATED",   "QUEUED",  "RUNNING", "PAUSED",   "RETRYING",
                                       "SUCCESS",   "WARNING", "FAILED",  "KILLING",  "KILLED",
                                       "CANCELLED", "SKIPPED", "RETRIED", "RESTARTED"};
}

std::string_view StateName(State s) { return kNames[static_cast<int>(s)]; }

std::optional<State> ParseState(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return static_cast<State>(i);
  return std::nullopt;
}

bool IsTerminal(State s) {
  switch (s) {
    case State::kSuccess:
    case State::kWarning:
    case State::kFailed:
    case State::kKilled:
    case State::kCancelled:
    case State::kSkipped:
    case State::kRetried:
      return true;
    default:
      return false;
  }
}

std::optional<Timestamp> Execution::ended() const {
  if (history.empty() || !IsTerminal(history.back().state)) return std::nullopt;
  return history.back().at;
}

namespace {
constexpr std::string_view kBackfillNames[] = {"RUNNING", "PAUSED", "DONE"};
}

std::string_view BackfillStatusName(BackfillStatus s) { return kBackfillNames[static_cast<int>(s)]; }

std::optional<BackfillStatus> ParseBackfillStatus(std::string_view name) {
  for (size_t i = 0; i < std::size(kBackfillNames); ++i)
    if (kBackfillNames[i] == name) return static_cast<BackfillStatus>(i);
  return std::nullopt;
}

}  // namespace floe::state
