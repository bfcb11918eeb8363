#include "runtime/runtime.h"

#include "state/store.h"

namespace floe::runtime {

Result<std::unique_ptr<state::Store>> OpenStore(const Home& home) { return state::OpenSqliteStore(home.database()); }

Result<std::unique_ptr<Runtime>> Runtime::Open(const Home& home, RuntimeOptions options) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->home_ = home;
  ASSIGN_OR_RETURN(rt->store_, OpenStore(home));
  auto storage = storage::InternalStorage::Open(home.storage, rt->stores_);
  if (!storage.ok()) return Status(storage.status()).WithContext("execution storage '" + home.storage + "'");
  rt->storage_ = std::move(*storage);
  std::error_code ec;
  std::filesystem::create_directories(home.lake(), ec);
  if (ec) return IoError("cannot create the lake folder '" + home.lake().string() + "': " + ec.message());
  exec::ExecutorSettings settings = home.executor_settings(std::move(options.extra_flow_dirs));
  if (options.workers > 0) settings.workers = options.workers;
  if (options.max_running > 0) settings.max_running = options.max_running;
  if (options.clock) settings.clock = options.clock;
  rt->executor_ = std::make_unique<exec::Executor>(*rt->store_, BuiltinRegistry(), *rt->storage_, std::move(settings),
                                                   &rt->events_);
  return rt;
}

Runtime::~Runtime() { executor_.reset(); }

const flow::TaskRegistry& Runtime::registry() const { return BuiltinRegistry(); }

}  // namespace floe::runtime
