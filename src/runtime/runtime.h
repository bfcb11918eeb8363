// Runtime: a floe home opened and wired once — state store, execution
// storage, object stores, task registry, event bus and executor — for every
// entry point (the CLI's commands, `floe server`, benchmarks).
//
//   ASSIGN_OR_RETURN(auto rt, runtime::Runtime::Open(home));
//   auto sub = rt->events().Subscribe(...);
//   ASSIGN_OR_RETURN(std::string id, rt->executor().Run(flow, inputs));
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "core/status.h"
#include "exec/events.h"
#include "exec/executor.h"
#include "runtime/home.h"
#include "state/store.h"
#include "storage/internal_storage.h"
#include "storage/object_stores.h"

namespace floe::runtime {

struct RuntimeOptions {
  // Folders searched for subflows besides the home's flows folder (the
  // running flow's own folder).
  std::vector<std::filesystem::path> extra_flow_dirs;
  int workers = 0;               // runnable tasks at once; 0: the executor's default
  int max_running = 0;           // executions at once (Submit); 0: the executor's default
  const Clock* clock = nullptr;  // unset: the system clock
};

class Runtime {
 public:
  static Result<std::unique_ptr<Runtime>> Open(const Home& home, RuntimeOptions options = {});
  ~Runtime();

  const Home& home() const { return home_; }
  state::Store& store() { return *store_; }
  const storage::InternalStorage& storage() const { return *storage_; }
  exec::EventBus& events() { return events_; }
  exec::Executor& executor() { return *executor_; }
  const flow::TaskRegistry& registry() const;

 private:
  Runtime() = default;
  Home home_;
  std::unique_ptr<state::Store> store_;
  storage::ObjectStores stores_;
  std::unique_ptr<storage::InternalStorage> storage_;
  exec::EventBus events_;
  std::unique_ptr<exec::Executor> executor_;  // destroyed first: it uses all of the above
};

// Opens (creating) the home's SQLite store.
Result<std::unique_ptr<state::Store>> OpenStore(const Home& home);

}  // namespace floe::runtime
