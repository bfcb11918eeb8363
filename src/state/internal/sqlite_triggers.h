// The SQLite store's triggers, leases and backfills (tables `triggers` and
// `backfills`, schema 5). SqliteStore forwards the trigger part of Store here;
// each method has the contract of the Store method of the same name and
// takes the connection's lock itself.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "state/internal/sqlite_connection.h"

namespace floe::state::internal {

class SqliteTriggers {
 public:
  explicit SqliteTriggers(SqliteConnection& c) : c_(c) {}

  Result<Trigger> UpsertTrigger(const TriggerKey& key, std::string_view type, Timestamp now);
  Result<std::optional<Trigger>> GetTrigger(const TriggerKey& key);
  Result<std::vector<Trigger>> ListTriggers(const TriggerFilter& filter);
  Result<bool> DeleteTrigger(const TriggerKey& key);
  Status SetTriggerEnabled(const TriggerKey& key, bool enabled, Timestamp now);
  Result<bool> UnlockTrigger(const TriggerKey& key);
  Result<std::optional<Trigger>> AcquireTriggerLease(const TriggerKey& key, std::string_view owner, Timestamp now,
                                                     Timestamp until);
  Status RecordTriggerFiring(const TriggerKey& key, std::string_view owner, const TriggerFiring& firing);
  Result<int> ReleaseTriggerLeases(std::string_view owner);
  Result<std::optional<std::string>> GetTriggerState(const TriggerKey& key);
  Status PutTriggerState(const TriggerKey& key, const std::string& state_json, Timestamp at);

  Status CreateBackfill(const Backfill& backfill);
  Result<std::optional<Backfill>> GetBackfill(const TriggerKey& key);
  Result<std::vector<Backfill>> ListBackfills(const TriggerFilter& filter);
  Status AdvanceBackfill(const TriggerKey& key, std::string_view owner, Timestamp current,
                         std::span<const Execution> executions);
  Status SetBackfillPaused(const TriggerKey& key, bool paused);
  Result<bool> DeleteBackfill(const TriggerKey& key);

 private:
  // Without locking: the caller holds c_.mu_.
  Result<std::optional<Trigger>> ReadTrigger(const TriggerKey& key);
  Result<std::optional<Backfill>> ReadBackfill(const TriggerKey& key);
  // FailedPrecondition unless `owner` is the trigger's lease owner (NotFound
  // without a row).
  Status CheckLease(const TriggerKey& key, std::string_view owner);

  SqliteConnection& c_;
};

}  // namespace floe::state::internal
