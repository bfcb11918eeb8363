// EventBus: what executors do, as it happens, for any number of listeners
// (the CLI's live output, the server's trigger evaluation, metrics, API
// streams). Every event is published after the store recorded it.
//
//   EventBus bus;
//   EventBus::Subscription sub = bus.Subscribe([](const ExecutionEvent& e) {
//     if (e.kind == ExecutionEvent::Kind::kExecutionState && state::IsTerminal(e.execution.state)) ...
//   });
//   // `sub` unsubscribes when destroyed.
//
// Handlers run on the publishing thread, one event at a time per bus (so
// their output never interleaves). They must be quick and must not block on
// an executor: a slow consumer copies the event into its own bounded queue.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "state/model.h"

namespace floe::exec {

struct ExecutionEvent {
  enum class Kind {
    kExecutionCreated,  // `execution`: the new record (no task runs)
    kExecutionState,    // `execution`: id, namespace, flow, state and the transition time (history.back())
    kTaskRunState,      // `task_run`: a task run created or moved to a new state
    kLog,               // `log`: one log line
  };
  Kind kind;
  state::Execution execution;
  state::TaskRun task_run;
  state::LogEntry log;
};

class EventBus {
 public:
  using Handler = std::function<void(const ExecutionEvent&)>;

  // Unsubscribes when destroyed (after any delivery in progress ended).
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept : bus_(other.bus_), id_(other.id_) { other.bus_ = nullptr; }
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription() { Reset(); }
    void Reset();

   private:
    friend class EventBus;
    Subscription(EventBus* bus, uint64_t id) : bus_(bus), id_(id) {}
    EventBus* bus_ = nullptr;
    uint64_t id_ = 0;
  };

  [[nodiscard]] Subscription Subscribe(Handler handler);
  void Publish(const ExecutionEvent& event);
  bool has_subscribers() const;

 private:
  mutable std::recursive_mutex mu_;  // held while delivering: a handler may (un)subscribe
  std::map<uint64_t, Handler> handlers_;
  uint64_t next_id_ = 1;
};

}  // namespace floe::exec
