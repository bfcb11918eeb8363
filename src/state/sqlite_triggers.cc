// Triggers, leases and backfills in the SQLite store.
//
// Exclusivity between servers rests on SQLite's write lock: each method that
// decides on a row it read (lease, backfill status) reads and writes in one
// BEGIN IMMEDIATE transaction, so no other connection writes in between. A
// lease changes owner only in AcquireTriggerLease, UnlockTrigger and
// ReleaseTriggerLeases, so "owner is still lease_owner" at commit time means
// nobody else acquired the trigger since owner did.
#include "state/internal/sqlite_triggers.h"

namespace floe::state::internal {
namespace {

constexpr const char* kSelectTrigger =
    "SELECT namespace, flow_id, trigger_id, type, enabled, next_ms, last_ms, last_execution_id, evaluated_ms, state, "
    "lease_owner, lease_until_ms, updated_ms FROM triggers";
constexpr const char* kWhereKey = " WHERE namespace = ?1 AND flow_id = ?2 AND trigger_id = ?3";
constexpr const char* kWhereFilter = " WHERE (?1 = '' OR namespace = ?1) AND (?2 = '' OR flow_id = ?2)";
constexpr const char* kOrder = " ORDER BY namespace, flow_id, trigger_id";
constexpr const char* kSelectBackfill =
    "SELECT namespace, flow_id, trigger_id, start_ms, end_ms, current_ms, status, inputs, labels, concurrency, "
    "created_ms FROM backfills";

std::string Name(const TriggerKey& key) {
  return "trigger '" + key.trigger_id + "' of flow '" + key.namespace_ + "/" + key.flow_id + "'";
}

void BindKey(Stmt& s, const TriggerKey& key) { s.Bind(1, key.namespace_).Bind(2, key.flow_id).Bind(3, key.trigger_id); }

std::optional<Timestamp> OptionalTime(Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return FromMs(s.Int(col));
}

Trigger ReadTriggerRow(Stmt& s) {
  Trigger t;
  t.key = {.namespace_ = s.Text(0), .flow_id = s.Text(1), .trigger_id = s.Text(2)};
  t.type = s.Text(3);
  t.enabled = s.Int(4) != 0;
  t.next_date = OptionalTime(s, 5);
  t.last_date = OptionalTime(s, 6);
  t.last_execution_id = s.Text(7);
  t.evaluated_at = OptionalTime(s, 8);
  if (!s.IsNull(9)) t.state_json = s.Text(9);
  t.lease_owner = s.Text(10);
  t.lease_until = FromMs(s.Int(11));
  t.updated = FromMs(s.Int(12));
  return t;
}

Backfill ReadBackfillRow(Stmt& s) {
  Backfill b;
  b.key = {.namespace_ = s.Text(0), .flow_id = s.Text(1), .trigger_id = s.Text(2)};
  b.start = FromMs(s.Int(3));
  b.end = FromMs(s.Int(4));
  b.current = FromMs(s.Int(5));
  b.status = ParseBackfillStatus(s.Text(6)).value_or(BackfillStatus::kPaused);
  b.inputs_json = s.Text(7);
  b.labels_json = s.Text(8);
  b.concurrency = static_cast<int>(s.Int(9));
  b.created = FromMs(s.Int(10));
  return b;
}

}  // namespace

Result<std::optional<Trigger>> SqliteTriggers::ReadTrigger(const TriggerKey& key) {
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string(kSelectTrigger) + kWhereKey));
  BindKey(s, key);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<Trigger>();
  if (rc != SQLITE_ROW) return c_.Fail("read " + Name(key));
  return std::optional<Trigger>(ReadTriggerRow(s));
}

Result<std::optional<Backfill>> SqliteTriggers::ReadBackfill(const TriggerKey& key) {
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string(kSelectBackfill) + kWhereKey));
  BindKey(s, key);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<Backfill>();
  if (rc != SQLITE_ROW) return c_.Fail("read the backfill of " + Name(key));
  return std::optional<Backfill>(ReadBackfillRow(s));
}

Status SqliteTriggers::CheckLease(const TriggerKey& key, std::string_view owner) {
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string("SELECT lease_owner FROM triggers") + kWhereKey));
  BindKey(s, key);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return NotFound("no " + Name(key) + " in the store");
  if (rc != SQLITE_ROW) return c_.Fail("read the lease of " + Name(key));
  std::string holder = s.Text(0);
  if (holder == owner) return Status::Ok();
  return FailedPrecondition(
      "the lease on " + Name(key) + " is no longer held by '" + std::string(owner) + "' (" +
      (holder.empty() ? std::string("it was released or unlocked") : "server '" + holder + "' took it over") +
      "); nothing was recorded");
}

Result<Trigger> SqliteTriggers::UpsertTrigger(const TriggerKey& key, std::string_view type, Timestamp now) {
  std::lock_guard lock(c_.mu_);
  std::optional<Trigger> row;
  RETURN_IF_ERROR(c_.InTransaction([&]() -> Status {
    {
      ASSIGN_OR_RETURN(Stmt s, c_.Prepare("INSERT INTO triggers(namespace, flow_id, trigger_id, type, updated_ms) "
                                          "VALUES (?1,?2,?3,?4,?5) ON CONFLICT(namespace, flow_id, trigger_id) DO "
                                          "UPDATE SET type = excluded.type, updated_ms = excluded.updated_ms"));
      BindKey(s, key);
      s.Bind(4, type).Bind(5, ToMs(now));
      if (s.Step() != SQLITE_DONE) return c_.Fail("record " + Name(key));
    }
    ASSIGN_OR_RETURN(row, ReadTrigger(key));
    return row ? Status::Ok() : Internal(Name(key) + " vanished after it was recorded");
  }));
  return std::move(*row);
}

Result<std::optional<Trigger>> SqliteTriggers::GetTrigger(const TriggerKey& key) {
  std::lock_guard lock(c_.mu_);
  return ReadTrigger(key);
}

Result<std::vector<Trigger>> SqliteTriggers::ListTriggers(const TriggerFilter& filter) {
  std::lock_guard lock(c_.mu_);
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string(kSelectTrigger) + kWhereFilter + kOrder));
  s.Bind(1, filter.namespace_).Bind(2, filter.flow_id);
  std::vector<Trigger> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadTriggerRow(s));
  if (rc != SQLITE_DONE) return c_.Fail("list triggers");
  return out;
}

Result<bool> SqliteTriggers::DeleteTrigger(const TriggerKey& key) {
  std::lock_guard lock(c_.mu_);
  // The backfill goes with it (ON DELETE CASCADE).
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string("DELETE FROM triggers") + kWhereKey));
  BindKey(s, key);
  if (s.Step() != SQLITE_DONE) return c_.Fail("delete " + Name(key));
  return c_.Changes() > 0;
}

Status SqliteTriggers::SetTriggerEnabled(const TriggerKey& key, bool enabled, Timestamp now) {
  std::lock_guard lock(c_.mu_);
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string("UPDATE triggers SET enabled = ?4, updated_ms = ?5") + kWhereKey));
  BindKey(s, key);
  s.Bind(4, int64_t{enabled ? 1 : 0}).Bind(5, ToMs(now));
  if (s.Step() != SQLITE_DONE) return c_.Fail(std::string(enabled ? "enable " : "disable ") + Name(key));
  if (c_.Changes() == 0)
    return NotFound("no " + Name(key) + " in the store").WithHint("list them with 'floe triggers list'");
  return Status::Ok();
}

Result<bool> SqliteTriggers::UnlockTrigger(const TriggerKey& key) {
  std::lock_guard lock(c_.mu_);
  bool held = false;
  RETURN_IF_ERROR(c_.InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(std::optional<Trigger> row, ReadTrigger(key));
    if (!row) return NotFound("no " + Name(key) + " in the store").WithHint("list them with 'floe triggers list'");
    held = !row->lease_owner.empty();
    ASSIGN_OR_RETURN(Stmt s,
                     c_.Prepare(std::string("UPDATE triggers SET lease_owner = '', lease_until_ms = 0") + kWhereKey));
    BindKey(s, key);
    if (s.Step() != SQLITE_DONE) return c_.Fail("unlock " + Name(key));
    return Status::Ok();
  }));
  return held;
}

Result<std::optional<Trigger>> SqliteTriggers::AcquireTriggerLease(const TriggerKey& key, std::string_view owner,
                                                                   Timestamp now, Timestamp until) {
  if (owner.empty()) return InvalidArgument("a lease on " + Name(key) + " needs an owner");
  std::lock_guard lock(c_.mu_);
  std::optional<Trigger> row;
  RETURN_IF_ERROR(c_.InTransaction([&]() -> Status {
    {
      ASSIGN_OR_RETURN(Stmt s,
                       c_.Prepare(std::string("UPDATE triggers SET lease_owner = ?4, lease_until_ms = ?5") + kWhereKey +
                                  " AND (lease_owner = '' OR lease_owner = ?4 OR lease_until_ms <= ?6)"));
      BindKey(s, key);
      s.Bind(4, owner).Bind(5, ToMs(until)).Bind(6, ToMs(now));
      if (s.Step() != SQLITE_DONE) return c_.Fail("lease " + Name(key));
    }
    bool taken = c_.Changes() > 0;
    ASSIGN_OR_RETURN(row, ReadTrigger(key));
    if (!row) return NotFound("no " + Name(key) + " in the store");
    if (!taken) row.reset();
    return Status::Ok();
  }));
  return row;
}

Status SqliteTriggers::RecordTriggerFiring(const TriggerKey& key, std::string_view owner, const TriggerFiring& f) {
  std::lock_guard lock(c_.mu_);
  return c_.InTransaction([&]() -> Status {
    RETURN_IF_ERROR(CheckLease(key, owner));
    for (const Execution& e : f.executions) RETURN_IF_ERROR(InsertExecution(c_, e));
    ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string("UPDATE triggers SET next_ms = coalesce(?4, next_ms), "
                                                    "last_ms = coalesce(?5, last_ms), "
                                                    "last_execution_id = coalesce(?6, last_execution_id), "
                                                    "state = coalesce(?7, state), evaluated_ms = ?8, updated_ms = ?8, "
                                                    "lease_owner = CASE WHEN ?9 THEN '' ELSE lease_owner END, "
                                                    "lease_until_ms = CASE WHEN ?9 THEN 0 ELSE lease_until_ms END") +
                                        kWhereKey));
    BindKey(s, key);
    if (f.next_date) s.Bind(4, ToMs(*f.next_date));
    if (f.last_date) s.Bind(5, ToMs(*f.last_date));
    if (f.last_execution_id) s.Bind(6, *f.last_execution_id);
    if (f.state_json) s.Bind(7, *f.state_json);
    s.Bind(8, ToMs(f.evaluated_at)).Bind(9, int64_t{f.release_lease ? 1 : 0});
    if (s.Step() != SQLITE_DONE) return c_.Fail("record a firing of " + Name(key));
    return Status::Ok();
  });
}

Result<int> SqliteTriggers::ReleaseTriggerLeases(std::string_view owner) {
  if (owner.empty()) return 0;
  std::lock_guard lock(c_.mu_);
  ASSIGN_OR_RETURN(Stmt s,
                   c_.Prepare("UPDATE triggers SET lease_owner = '', lease_until_ms = 0 WHERE lease_owner = ?"));
  s.Bind(1, owner);
  if (s.Step() != SQLITE_DONE) return c_.Fail("release the trigger leases of '" + std::string(owner) + "'");
  return c_.Changes();
}

Result<std::optional<std::string>> SqliteTriggers::GetTriggerState(const TriggerKey& key) {
  std::lock_guard lock(c_.mu_);
  ASSIGN_OR_RETURN(std::optional<Trigger> row, ReadTrigger(key));
  if (!row) return std::optional<std::string>();
  return std::move(row->state_json);
}

Status SqliteTriggers::PutTriggerState(const TriggerKey& key, const std::string& state_json, Timestamp at) {
  std::lock_guard lock(c_.mu_);
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare("INSERT INTO triggers(namespace, flow_id, trigger_id, state, evaluated_ms, "
                                      "updated_ms) VALUES (?1,?2,?3,?4,?5,?5) ON CONFLICT(namespace, flow_id, "
                                      "trigger_id) DO UPDATE SET state = excluded.state, "
                                      "evaluated_ms = excluded.evaluated_ms, updated_ms = excluded.updated_ms"));
  BindKey(s, key);
  s.Bind(4, state_json).Bind(5, ToMs(at));
  if (s.Step() != SQLITE_DONE) return c_.Fail("write the state of " + Name(key));
  return Status::Ok();
}

Status SqliteTriggers::CreateBackfill(const Backfill& b) {
  if (b.end < b.start) {
    return InvalidArgument("a backfill of " + Name(b.key) + " ends (" + FormatTimestamp(b.end) +
                           ") before it starts (" + FormatTimestamp(b.start) + ")");
  }
  if (b.concurrency < 1) return InvalidArgument("a backfill's concurrency must be at least 1");
  std::lock_guard lock(c_.mu_);
  return c_.InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(std::optional<Trigger> trigger, ReadTrigger(b.key));
    if (!trigger) return NotFound("no " + Name(b.key) + " in the store").WithHint("start the server with its flow");
    ASSIGN_OR_RETURN(std::optional<Backfill> old, ReadBackfill(b.key));
    if (old && old->status != BackfillStatus::kDone) {
      return Status(StatusCode::kAlreadyExists, Name(b.key) + " has a " + std::string(BackfillStatusName(old->status)) +
                                                    " backfill from " + FormatTimestamp(old->start) + " to " +
                                                    FormatTimestamp(old->end))
          .WithHint("wait for it to end, or delete it first");
    }
    {
      ASSIGN_OR_RETURN(Stmt d, c_.Prepare(std::string("DELETE FROM backfills") + kWhereKey));
      BindKey(d, b.key);
      if (d.Step() != SQLITE_DONE) return c_.Fail("replace the backfill of " + Name(b.key));
    }
    ASSIGN_OR_RETURN(Stmt s, c_.Prepare("INSERT INTO backfills(namespace, flow_id, trigger_id, start_ms, end_ms, "
                                        "current_ms, status, inputs, labels, concurrency, created_ms) "
                                        "VALUES (?1,?2,?3,?4,?5,?4,?6,?7,?8,?9,?10)"));
    BindKey(s, b.key);
    s.Bind(4, ToMs(b.start)).Bind(5, ToMs(b.end)).Bind(6, BackfillStatusName(BackfillStatus::kRunning));
    s.Bind(7, b.inputs_json).Bind(8, b.labels_json).Bind(9, int64_t{b.concurrency}).Bind(10, ToMs(b.created));
    if (s.Step() != SQLITE_DONE) return c_.Fail("create a backfill of " + Name(b.key));
    return Status::Ok();
  });
}

Result<std::optional<Backfill>> SqliteTriggers::GetBackfill(const TriggerKey& key) {
  std::lock_guard lock(c_.mu_);
  return ReadBackfill(key);
}

Result<std::vector<Backfill>> SqliteTriggers::ListBackfills(const TriggerFilter& filter) {
  std::lock_guard lock(c_.mu_);
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string(kSelectBackfill) + kWhereFilter + kOrder));
  s.Bind(1, filter.namespace_).Bind(2, filter.flow_id);
  std::vector<Backfill> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadBackfillRow(s));
  if (rc != SQLITE_DONE) return c_.Fail("list backfills");
  return out;
}

Status SqliteTriggers::AdvanceBackfill(const TriggerKey& key, std::string_view owner, Timestamp current,
                                       std::span<const Execution> executions) {
  std::lock_guard lock(c_.mu_);
  return c_.InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(std::optional<Backfill> b, ReadBackfill(key));
    if (!b) return NotFound("no backfill of " + Name(key));
    if (b->status != BackfillStatus::kRunning) {
      return FailedPrecondition("the backfill of " + Name(key) + " is " + std::string(BackfillStatusName(b->status)) +
                                "; nothing was recorded");
    }
    if (current < b->current) {
      return InvalidArgument("the backfill of " + Name(key) + " is at " + FormatTimestamp(b->current) +
                             "; it cannot move back to " + FormatTimestamp(current));
    }
    RETURN_IF_ERROR(CheckLease(key, owner));
    for (const Execution& e : executions) RETURN_IF_ERROR(InsertExecution(c_, e));
    ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string("UPDATE backfills SET current_ms = ?4, status = ?5") + kWhereKey));
    BindKey(s, key);
    s.Bind(4, ToMs(current)).Bind(5, BackfillStatusName(current > b->end ? BackfillStatus::kDone : b->status));
    if (s.Step() != SQLITE_DONE) return c_.Fail("advance the backfill of " + Name(key));
    return Status::Ok();
  });
}

Status SqliteTriggers::SetBackfillPaused(const TriggerKey& key, bool paused) {
  std::lock_guard lock(c_.mu_);
  return c_.InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(std::optional<Backfill> b, ReadBackfill(key));
    if (!b) return NotFound("no backfill of " + Name(key));
    if (b->status == BackfillStatus::kDone)
      return FailedPrecondition("the backfill of " + Name(key) + " is DONE; it cannot be paused or resumed");
    ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string("UPDATE backfills SET status = ?4") + kWhereKey));
    BindKey(s, key);
    s.Bind(4, BackfillStatusName(paused ? BackfillStatus::kPaused : BackfillStatus::kRunning));
    if (s.Step() != SQLITE_DONE) return c_.Fail((paused ? "pause" : "resume") + (" the backfill of " + Name(key)));
    return Status::Ok();
  });
}

Result<bool> SqliteTriggers::DeleteBackfill(const TriggerKey& key) {
  std::lock_guard lock(c_.mu_);
  ASSIGN_OR_RETURN(Stmt s, c_.Prepare(std::string("DELETE FROM backfills") + kWhereKey));
  BindKey(s, key);
  if (s.Step() != SQLITE_DONE) return c_.Fail("delete the backfill of " + Name(key));
  return c_.Changes() > 0;
}

}  // namespace floe::state::internal
