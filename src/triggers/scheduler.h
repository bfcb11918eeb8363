// Scheduler: runs flows by their triggers — schedules (cron, dates), polling
// triggers (s3.Trigger, http.Trigger), Flow triggers (other executions
// ending), webhooks and backfills — through the executor's Submit.
//
//   Scheduler scheduler(store, executor, clock, {.owner = "server-" + NewId()});
//   RETURN_IF_ERROR(scheduler.SetFlows(flows));   // again whenever the flows folder changes
//   scheduler.Start();                           // a thread ticking once a second (on `clock`)
//   ...
//   scheduler.Stop();                            // releases its leases
//
// Exactly once: each firing's execution id is derived from the trigger and
// the date it fires for (or the upstream execution, for a Flow trigger), and
// the execution is created before the trigger's row advances. A crash between
// the two re-evaluates the same date at the next start, finds the execution
// and only advances the row: nothing is missed, nothing fires twice. Two
// servers on one store evaluate a trigger only while holding its lease.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "exec/events.h"
#include "exec/executor.h"
#include "flow/flow.h"
#include "state/store.h"
#include "tmpl/value.h"

namespace floe::triggers {

struct SchedulerOptions {
  std::string owner;  // this process's id in trigger leases
  Duration lease = std::chrono::seconds(30);
  Duration tick = std::chrono::seconds(1);  // how often due triggers are looked at
  size_t max_catch_up = 1000;               // dates fired per trigger per tick (ALL after a long stop)
};

// A webhook call as the trigger sees it: Kestra's trigger.body, .headers,
// .parameters.
struct WebhookCall {
  std::string method;
  tmpl::Value body;        // parsed JSON when it is JSON, else the text
  tmpl::Value headers;     // name -> list of values
  tmpl::Value parameters;  // query parameter -> list of values
};

// What a webhook started, and how the caller wants the answer.
struct WebhookStarted {
  std::string execution_id;
  bool wait = false;            // answer when the execution ended
  bool return_outputs = false;  // with its outputs
};

struct SchedulerStats {
  int64_t fired = 0;     // executions started by triggers since Start
  Duration last_lag{0};  // how late the last schedule firing was, past its date
  size_t flows = 0;      // flows loaded
  size_t triggers = 0;   // enabled triggers of those flows
};

class Scheduler {
 public:
  Scheduler(state::Store& store, exec::Executor& executor, const Clock& clock, SchedulerOptions options);
  ~Scheduler();

  // The flows whose triggers run (replacing the previous set). Trigger rows
  // are created for new triggers; a schedule seen for the first time starts
  // from now (no backfill); a removed trigger's row is deleted.
  Status SetFlows(std::vector<std::shared_ptr<const flow::Flow>> flows);
  // The loaded flow, or nullptr.
  std::shared_ptr<const flow::Flow> FindFlow(const std::string& ns, const std::string& id) const;

  // Evaluates on a thread of its own every `tick`, and Flow triggers as
  // executions end (through the executor's events).
  void Start();
  // Stops the thread and releases this owner's leases.
  void Stop();
  // One evaluation of everything due now (schedules, dates, polling
  // triggers, backfills, ended executions). Start() calls it every tick;
  // tests call it on a ManualClock. Returns the first error met; the other
  // triggers are still evaluated.
  Status Tick();

  // A call to /api/v1/executions/webhook/{namespace}/{flowId}/{key}. NotFound
  // when no loaded flow has an enabled Webhook trigger with that key.
  Result<WebhookStarted> FireWebhook(const std::string& ns, const std::string& flow_id, const std::string& key,
                                     const WebhookCall& call);

  // Starts a backfill of a Schedule trigger: one execution per schedule
  // date in [start, end], `concurrency` at a time, with `trigger.date` set.
  // Progress is in the store; it goes on after a restart.
  Status StartBackfill(const state::TriggerKey& key, Timestamp start, Timestamp end,
                       const std::map<std::string, tmpl::Value>& inputs,
                       const std::vector<std::pair<std::string, std::string>>& labels, int concurrency);

  SchedulerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace floe::triggers
