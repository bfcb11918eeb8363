// The KV store tasks see (flow::KvStore) over the state store's KV table:
// values keep their JSON type. Internal to exec.
#pragma once

#include "core/time.h"
#include "flow/task.h"
#include "state/store.h"

namespace floe::exec {

class StoreKv final : public flow::KvStore {
 public:
  StoreKv(state::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  Status Put(const std::string& ns, const std::string& key, const tmpl::Value& value,
             std::optional<std::chrono::milliseconds> ttl) override;
  Result<std::optional<tmpl::Value>> Get(const std::string& ns, const std::string& key) override;
  Result<bool> Delete(const std::string& ns, const std::string& key) override;
  Result<std::vector<std::string>> Keys(const std::string& ns, const std::string& prefix) override;

 private:
  state::Store& store_;
  const Clock& clock_;
};

}  // namespace floe::exec
