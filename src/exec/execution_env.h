// ExecutionEnv: all a RunningExecution sees of the executor that runs it.
// Internal to exec: the executor builds one and hands it to each execution,
// so an execution never reaches into the executor itself.
#pragma once

#include <functional>
#include <map>
#include <semaphore>
#include <string>
#include <vector>

#include "exec/events.h"
#include "exec/executor.h"
#include "exec/secret_cipher.h"
#include "flow/flow.h"
#include "flow/registry.h"
#include "state/store.h"
#include "storage/internal_storage.h"
#include "storage/object_stores.h"

namespace floe::exec {

// Bounds how many runnable tasks work at once in a process.
class WorkerSlots {
 public:
  explicit WorkerSlots(int count) : slots_(std::clamp(count, 1, 4096)) {}

  // Held while a runnable task works.
  class Slot {
   public:
    explicit Slot(WorkerSlots& s) : s_(s) { s_.slots_.acquire(); }
    ~Slot() { s_.slots_.release(); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    WorkerSlots& s_;
  };

 private:
  std::counting_semaphore<4096> slots_;
};

struct ExecutionEnv {
  state::Store& store;
  const flow::TaskRegistry& registry;
  const storage::InternalStorage& storage;
  storage::ObjectStores& object_stores;
  const ExecutorSettings& settings;
  const SecretCipher& cipher;
  EventBus& events;
  WorkerSlots& slots;
  // Starts an execution without waiting for it (a Subflow without `wait`).
  std::function<Result<std::string>(std::shared_ptr<const flow::Flow>, const std::map<std::string, tmpl::Value>&,
                                    SubmitOptions)>
      submit;
  // Runs a started execution to its end, with the retries that start new
  // executions (a task's or the flow's CREATE_NEW_EXECUTION); returns the id
  // of the last one. A waiting Subflow runs its child through it.
  std::function<Result<std::string>(RunningExecution&, const flow::Flow&, const std::map<std::string, tmpl::Value>&,
                                    const SubmitOptions&)>
      run_to_end;
  // Resumes a PAUSED execution in the background (execution.Resume); an
  // error when it cannot be (not paused, another flow's, bad inputs).
  std::function<Status(const std::string& id, const std::string& ns, const std::string& flow_id,
                       const std::map<std::string, tmpl::Value>& inputs)>
      resume;

  const Clock& clock() const { return *settings.clock; }
  // Records an execution's new state in the store, then publishes it.
  Status TransitionExecution(const state::Execution& e, state::State to, state::TransitionDetails details = {});
  // Publishes a state the store recorded at `at` (TransitionExecution's second half).
  void PublishState(const state::Execution& e, state::State to, Timestamp at,
                    const std::optional<std::string>& error = std::nullopt);
  // Its files (FILE inputs, earlier outputs) are in this storage;
  // FailedPrecondition naming where they are otherwise.
  Status SameStorage(const state::Execution& e) const;
};

}  // namespace floe::exec
