// Kestra's flow `sla` (flow::Sla): MAX_DURATION checked by the kill watcher
// as the execution runs, EXECUTION_ASSERTION after every task run ends (its
// outputs recorded). The first break of each SLA counts: its labels are
// added, and FAIL or CANCEL stop the execution the way a kill does, ending
// it FAILED or CANCELLED.
#include "exec/running_execution.h"

namespace floe::exec {

using state::State;

void RunningExecution::CheckSlas(bool assertions) {
  if (ended_) return;  // an ended execution breaks no SLA (its afterExecution tasks run after)
  for (const auto& sla : flow_.slas) {
    {
      std::lock_guard lock(sla_mu_);
      if (slas_broken_.count(sla.id)) continue;
    }
    if (sla.type == flow::Sla::Type::kMaxDuration) {
      if (Now() - start_ > sla.duration)
        BreakSla(sla, "the execution ran longer than its maximum duration of " + FormatDuration(sla.duration));
      continue;
    }
    if (!assertions || !sla.assertion) continue;
    auto holds = Render(*sla.assertion, context_);
    if (!holds.ok()) {
      Log("", "", LogLevel::kError,
          "ignoring SLA '" + sla.id + "' this time: its assertion cannot be evaluated: " + holds.status().ToString());
      continue;
    }
    if (!flow::ConditionHolds(*holds)) BreakSla(sla, "assertion is false: " + sla.assertion->scalar);
  }
}

void RunningExecution::BreakSla(const flow::Sla& sla, const std::string& reason) {
  {
    std::lock_guard lock(sla_mu_);
    if (!slas_broken_.insert(sla.id).second) return;
  }
  std::string what = "SLA '" + sla.id + "' violated: " + reason;
  Log("", "", LogLevel::kWarn, what);
  if (!sla.labels.empty()) {
    Status s = SetLabels(sla.labels);
    if (!s.ok()) Log("", "", LogLevel::kError, "SLA '" + sla.id + "': its labels: " + s.ToString());
  }
  if (sla.behavior == flow::Sla::Behavior::kNone) return;
  {
    std::lock_guard lock(sla_mu_);
    if (sla_end_) return;  // another SLA stopped it first
    bool fail = sla.behavior == flow::Sla::Behavior::kFail;
    sla_end_ = SlaEnd{fail ? State::kFailed : State::kCancelled,
                      std::string(fail ? "execution failed" : "execution cancelled") + " due to SLA '" + sla.id +
                          "' violated: " + reason};
  }
  // Stopped as a kill stops it: running tasks are cancelled.
  killed_ = true;
  {
    std::lock_guard active_lock(mu_);
    for (RunTaskContext* ctx : active_) ctx->Cancel();
  }
  watch_cv_.notify_all();
}

std::optional<RunningExecution::SlaEnd> RunningExecution::SlaStop() {
  std::lock_guard lock(sla_mu_);
  return sla_end_;
}

}  // namespace floe::exec
