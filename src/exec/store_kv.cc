#include "exec/store_kv.h"

#include "tmpl/json.h"

namespace floe::exec {

Status StoreKv::Put(const std::string& ns, const std::string& key, const tmpl::Value& value,
                    std::optional<std::chrono::milliseconds> ttl) {
  if (key.empty()) return InvalidArgument("a KV key must not be empty");
  Timestamp now = clock_.Now();
  state::KvEntry entry{.namespace_ = ns, .key = key, .value_json = tmpl::ToJson(value), .updated = now};
  if (ttl) entry.expires = now + *ttl;
  return store_.KvPut(entry);
}

Result<std::optional<tmpl::Value>> StoreKv::Get(const std::string& ns, const std::string& key) {
  ASSIGN_OR_RETURN(std::optional<state::KvEntry> entry, store_.KvGet(ns, key, clock_.Now()));
  if (!entry) return std::optional<tmpl::Value>();
  ASSIGN_OR_RETURN(tmpl::Value value, tmpl::ParseJson(entry->value_json));
  return std::optional<tmpl::Value>(std::move(value));
}

Result<bool> StoreKv::Delete(const std::string& ns, const std::string& key) { return store_.KvDelete(ns, key); }

Result<std::vector<std::string>> StoreKv::Keys(const std::string& ns, const std::string& prefix) {
  ASSIGN_OR_RETURN(std::vector<state::KvEntry> entries, store_.KvList(ns, prefix, clock_.Now()));
  std::vector<std::string> keys;
  for (auto& e : entries) keys.push_back(std::move(e.key));
  return keys;
}

}  // namespace floe::exec
