// The SQLite Store: one file, WAL journal, one transaction per transition.
//
// synchronous=NORMAL in WAL mode: a committed transaction survives the process
// dying (SIGKILL, crash); only an OS crash or power loss can drop the last
// few commits, never corrupt the file. That trade keeps a transition well
// under a millisecond.
#include <sqlite3.h>

#include <thread>
#include <unordered_map>

#include "core/strings.h"
#include "state/internal/sqlite_connection.h"
#include "state/internal/sqlite_triggers.h"
#include "state/store.h"

namespace floe::state {
namespace internal {

Status InsertExecution(SqliteConnection& c, const Execution& e) {
  Timestamp at = e.history.empty() ? SystemClock().Now() : e.history.front().at;
  {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO executions(id, namespace, flow_id, state, inputs, outputs, labels, "
                                       "flow_source, flow_path, error, trigger, storage, pins, created_ms) "
                                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    s.Bind(1, e.id).Bind(2, e.namespace_).Bind(3, e.flow_id).Bind(4, StateName(e.state)).Bind(5, e.inputs_json);
    s.Bind(6, e.outputs_json).Bind(7, e.labels_json).Bind(8, e.flow_source).Bind(9, e.flow_path).Bind(10, e.error);
    s.Bind(11, e.trigger_json).Bind(12, e.storage).Bind(13, e.pins_json);
    s.Bind(14, ToMs(at));
    int rc = s.Step();
    if (rc == SQLITE_CONSTRAINT) return Status(StatusCode::kAlreadyExists, "execution '" + e.id + "' already exists");
    if (rc != SQLITE_DONE) return c.Fail("insert execution");
  }
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO execution_states(execution_id, state, at_ms) VALUES (?,?,?)"));
  s.Bind(1, e.id).Bind(2, StateName(e.state)).Bind(3, ToMs(at));
  if (s.Step() != SQLITE_DONE) return c.Fail("record state change");
  return Status::Ok();
}

}  // namespace internal

namespace {

using internal::FromMs;
using internal::Stmt;
using internal::ToMs;

constexpr int kSchemaVersion = 9;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS executions (
  id TEXT PRIMARY KEY,
  namespace TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  state TEXT NOT NULL,
  inputs TEXT NOT NULL,
  outputs TEXT NOT NULL,
  labels TEXT NOT NULL,
  flow_source TEXT NOT NULL,
  flow_path TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  trigger TEXT NOT NULL DEFAULT '',
  storage TEXT NOT NULL DEFAULT '',
  pins TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS executions_by_flow ON executions(namespace, flow_id, id);
CREATE INDEX IF NOT EXISTS executions_by_created ON executions(created_ms, id);
-- Covering for counts by state with a namespace or flow (the API's searches).
CREATE INDEX IF NOT EXISTS executions_by_state ON executions(state, created_ms, id, namespace, flow_id);
CREATE TABLE IF NOT EXISTS execution_states (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  state TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS execution_states_by_execution ON execution_states(execution_id);
CREATE TABLE IF NOT EXISTS task_runs (
  id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL REFERENCES executions(id),
  task_id TEXT NOT NULL,
  task_type TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  state TEXT NOT NULL,
  outputs TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  parent_id TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL DEFAULT '',
  loop_values TEXT NOT NULL DEFAULT '[]',
  log_file TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS task_runs_by_execution ON task_runs(execution_id);
CREATE TABLE IF NOT EXISTS task_run_states (
  task_run_id TEXT NOT NULL REFERENCES task_runs(id),
  state TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS task_run_states_by_run ON task_run_states(task_run_id);
CREATE TABLE IF NOT EXISTS logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  execution_id TEXT NOT NULL,
  task_run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_execution ON logs(execution_id, seq);
CREATE TABLE IF NOT EXISTS model_fingerprints (
  scope TEXT NOT NULL,
  unique_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  built_ms INTEGER NOT NULL,
  PRIMARY KEY (scope, unique_id)
);
CREATE TABLE IF NOT EXISTS kv (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  expires_ms INTEGER,
  PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS triggers (
  namespace TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  next_ms INTEGER,
  last_ms INTEGER,
  last_execution_id TEXT NOT NULL DEFAULT '',
  evaluated_ms INTEGER,
  state TEXT,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until_ms INTEGER NOT NULL DEFAULT 0,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (namespace, flow_id, trigger_id)
);
CREATE INDEX IF NOT EXISTS triggers_by_lease_owner ON triggers(lease_owner);
CREATE TABLE IF NOT EXISTS backfills (
  namespace TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  current_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  inputs TEXT NOT NULL,
  labels TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (namespace, flow_id, trigger_id),
  FOREIGN KEY (namespace, flow_id, trigger_id) REFERENCES triggers(namespace, flow_id, trigger_id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS flow_revisions (
  namespace TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  source TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (namespace, flow_id, revision)
);
CREATE INDEX IF NOT EXISTS logs_by_time ON logs(at_ms);
CREATE TABLE IF NOT EXISTS task_run_processes (
  task_run_id TEXT NOT NULL REFERENCES task_runs(id),
  pgid INTEGER NOT NULL,
  start_ticks INTEGER NOT NULL,
  boot_id TEXT NOT NULL,
  PRIMARY KEY (task_run_id, pgid)
);
)sql";

// Upgrades from older schema versions, in order; each runs once, in the same
// transaction as the schema.
constexpr const char* kMigrationToV2 = R"sql(
ALTER TABLE task_runs ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE task_runs ADD COLUMN scope TEXT NOT NULL DEFAULT '';
ALTER TABLE task_runs ADD COLUMN loop_values TEXT NOT NULL DEFAULT '[]';
)sql";
constexpr const char* kMigrationToV3 = R"sql(
ALTER TABLE executions ADD COLUMN trigger TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN storage TEXT NOT NULL DEFAULT '';
)sql";
constexpr const char* kMigrationToV8 = R"sql(
ALTER TABLE executions ADD COLUMN pins TEXT NOT NULL DEFAULT '';
)sql";
// Version 9: when an execution was created, kept on its row for searches
// (newest first, by time range) without reading its history.
constexpr const char* kMigrationToV9 = R"sql(
ALTER TABLE executions ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
)sql";
// After kSchema (which creates execution_states in a store too old to have it).
constexpr const char* kBackfillV9 = R"sql(
UPDATE executions SET created_ms = coalesce((SELECT min(at_ms) FROM execution_states
                                             WHERE execution_id = executions.id), 0)
WHERE created_ms = 0;
)sql";
constexpr const char* kMigrationToV7 = R"sql(
ALTER TABLE task_runs ADD COLUMN log_file TEXT NOT NULL DEFAULT '';
)sql";
// Version 4 adds the task_run_processes table only, which kSchema creates
// (IF NOT EXISTS) in a store of any earlier version.
// Version 6 adds model_fingerprints only (kSchema creates it); version 9
// flow_revisions and an index of logs by time.
// Version 5 replaces trigger_states (polling triggers' JSON, from version 3;
// created empty here for older stores) by triggers, keeping each row's
// state; kSchema has created triggers and backfills before this runs.
constexpr const char* kMigrationToV5 = R"sql(
CREATE TABLE IF NOT EXISTS trigger_states (
  namespace TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (namespace, flow_id, trigger_id)
);
INSERT INTO triggers(namespace, flow_id, trigger_id, state, evaluated_ms, updated_ms)
  SELECT namespace, flow_id, trigger_id, state, updated_ms, updated_ms FROM trigger_states;
DROP TABLE trigger_states;
)sql";

// Private inheritance: the store is implemented in terms of one connection,
// which its trigger part (SqliteTriggers, sqlite_triggers.cc) shares.
class SqliteStore final : public Store, private internal::SqliteConnection {
 public:
  Status Open(const std::filesystem::path& path) {
    path_ = path.string();
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return IoError("cannot create folder for the store '" + path.parent_path().string() + "': " + ec.message());
    int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) return Fail("open");
    sqlite3_busy_timeout(db_, 10000);
    // Switching a new database to WAL needs an exclusive lock, for which
    // SQLite does not wait: two processes opening a fresh home at once (a
    // detached run and its parent) retry here rather than fail.
    Status wal = Exec("PRAGMA journal_mode=WAL");
    for (int i = 0; !wal.ok() && wal.message().find("locked") != std::string::npos && i < 100; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      wal = Exec("PRAGMA journal_mode=WAL");
    }
    RETURN_IF_ERROR(wal);
    RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    int version = 0;
    {
      ASSIGN_OR_RETURN(Stmt s, Prepare("PRAGMA user_version"));
      if (s.Step() == SQLITE_ROW) version = static_cast<int>(s.Int(0));
    }
    if (version > kSchemaVersion) {
      return FailedPrecondition("the store '" + path_ + "' was written by a newer floe (schema " +
                                std::to_string(version) + ", this floe knows " + std::to_string(kSchemaVersion) + ")");
    }
    RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    // Version 0 is a new store: kSchema creates it whole.
    Status s = version == 1 ? Exec(kMigrationToV2) : Status::Ok();
    if (s.ok() && version >= 1 && version < 3) s = Exec(kMigrationToV3);
    if (s.ok() && version >= 1) {
      // Before kSchema, whose index needs the column. (Checked at every
      // version: early builds of schema 9 lacked it.)
      auto has = HasColumn("executions", "created_ms");
      s = !has.ok() ? has.status() : *has ? Status::Ok() : Exec(kMigrationToV9);
    }
    if (s.ok()) s = Exec(kSchema);
    if (s.ok() && version >= 1) s = Exec(kBackfillV9);
    if (s.ok() && version >= 1 && version < 5) s = Exec(kMigrationToV5);
    if (s.ok() && version >= 1 && version < 7) {
      // kSchema created task_runs with log_file only if it was missing.
      auto has = HasColumn("task_runs", "log_file");
      s = !has.ok() ? has.status() : *has ? Status::Ok() : Exec(kMigrationToV7);
    }
    if (s.ok() && version >= 1 && version < 8) {
      auto has = HasColumn("executions", "pins");
      s = !has.ok() ? has.status() : *has ? Status::Ok() : Exec(kMigrationToV8);
    }
    if (s.ok()) s = Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
    if (!s.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return s;
    }
    return Exec("COMMIT");
  }

  Result<bool> HasColumn(const std::string& table, const std::string& column) {
    ASSIGN_OR_RETURN(Stmt q, Prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?"));
    q.Bind(1, table).Bind(2, column);
    if (q.Step() != SQLITE_ROW) return Fail("read the columns of " + table);
    return q.Int(0) > 0;
  }

  Status CreateExecution(const Execution& e) override {
    std::lock_guard lock(mu_);
    return InTransaction([&] { return internal::InsertExecution(*this, e); });
  }

  Status TransitionExecution(const std::string& id, State state, Timestamp at, const TransitionDetails& d) override {
    return Transition("executions", "execution_states", id, state, at, d);
  }

  Result<bool> StartIfBelowLimit(const std::string& id, int limit, Timestamp at) override {
    std::lock_guard lock(mu_);
    bool started = false;
    RETURN_IF_ERROR(InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT count(*) FROM executions r JOIN executions e ON e.id = ?1 WHERE "
                                       "r.namespace = e.namespace AND r.flow_id = e.flow_id AND r.state = 'RUNNING' "
                                       "AND r.id != e.id"));
      s.Bind(1, id);
      if (s.Step() != SQLITE_ROW) return Fail("count running executions");
      if (s.Int(0) >= limit) return Status::Ok();
      RETURN_IF_ERROR(Update("executions", id, State::kRunning, {}));
      started = true;
      return AddHistory("execution_states", id, State::kRunning, at);
    }));
    return started;
  }

  Result<bool> RequestKill(const std::string& id, Timestamp at) override {
    return TransitionWhere(id, State::kKilling, at,
                           "state NOT IN ('SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED', 'SKIPPED')");
  }

  Result<bool> RequestPause(const std::string& id, Timestamp at) override {
    return TransitionWhere(id, State::kPaused, at, "state = 'RUNNING'");
  }

  Status SetExecutionLabels(const std::string& id, const std::string& labels_json) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("UPDATE executions SET labels = ? WHERE id = ?"));
    s.Bind(1, labels_json).Bind(2, id);
    if (s.Step() != SQLITE_DONE) return Fail("update labels");
    if (sqlite3_changes(db_) == 0) return NotFound("no execution '" + id + "'");
    return Status::Ok();
  }

  Status CreateTaskRun(const TaskRun& t) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      {
        ASSIGN_OR_RETURN(Stmt s,
                         Prepare("INSERT INTO task_runs(id, execution_id, task_id, task_type, attempt, state, "
                                 "outputs, error, parent_id, scope, loop_values) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
        s.Bind(1, t.id).Bind(2, t.execution_id).Bind(3, t.task_id).Bind(4, t.task_type).Bind(5, int64_t{t.attempt});
        s.Bind(6, StateName(t.state)).Bind(7, t.outputs_json).Bind(8, t.error);
        s.Bind(9, t.parent_id).Bind(10, t.scope).Bind(11, t.loop_values_json);
        int rc = s.Step();
        if (rc == SQLITE_CONSTRAINT) {
          return Status(StatusCode::kAlreadyExists,
                        "task run '" + t.id + "' already exists or its execution '" + t.execution_id + "' does not");
        }
        if (rc != SQLITE_DONE) return Fail("insert task run");
      }
      Timestamp at = t.history.empty() ? SystemClock().Now() : t.history.front().at;
      return AddHistory("task_run_states", t.id, t.state, at);
    });
  }

  Status TransitionTaskRun(const std::string& id, State state, Timestamp at, const TransitionDetails& d) override {
    return Transition("task_runs", "task_run_states", id, state, at, d);
  }

  Status SetTaskRunLogFile(const std::string& id, const std::string& uri) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("UPDATE task_runs SET log_file = ? WHERE id = ?"));
    s.Bind(1, uri).Bind(2, id);
    if (s.Step() != SQLITE_DONE) return Fail("record a task run's log file");
    if (sqlite3_changes(db_) == 0) return NotFound("no task run '" + id + "'");
    return Status::Ok();
  }

  Status AddProcessGroup(const std::string& task_run_id, const ProcessGroup& g) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT INTO task_run_processes(task_run_id, pgid, start_ticks, boot_id) "
                                     "VALUES (?,?,?,?)"));
    s.Bind(1, task_run_id).Bind(2, int64_t{g.pgid}).Bind(3, static_cast<int64_t>(g.start_ticks)).Bind(4, g.boot_id);
    int rc = s.Step();
    if (rc == SQLITE_CONSTRAINT) {
      return Status(StatusCode::kAlreadyExists, "process group " + std::to_string(g.pgid) +
                                                    " already recorded for task run '" + task_run_id +
                                                    "', or no such task run");
    }
    if (rc != SQLITE_DONE) return Fail("record process group");
    return Status::Ok();
  }

  Status RemoveProcessGroup(const std::string& task_run_id, int pgid) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("DELETE FROM task_run_processes WHERE task_run_id = ? AND pgid = ?"));
    s.Bind(1, task_run_id).Bind(2, int64_t{pgid});
    if (s.Step() != SQLITE_DONE) return Fail("forget process group");
    return Status::Ok();
  }

  Status AppendLogs(std::span<LogEntry> entries) override {
    if (entries.empty()) return Status::Ok();
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      for (auto& e : entries) {
        ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT INTO logs(execution_id, task_run_id, task_id, at_ms, level, message) "
                                         "VALUES (?,?,?,?,?,?)"));
        s.Bind(1, e.execution_id).Bind(2, e.task_run_id).Bind(3, e.task_id).Bind(4, ToMs(e.at));
        s.Bind(5, LogLevelName(e.level)).Bind(6, e.message);
        if (s.Step() != SQLITE_DONE) return Fail("insert log");
        e.seq = sqlite3_last_insert_rowid(db_);
      }
      return Status::Ok();
    });
  }

  Result<Execution> GetExecution(const std::string& id) override {
    std::lock_guard lock(mu_);
    Execution e;
    {
      ASSIGN_OR_RETURN(Stmt s, Prepare(std::string(kSelectExecution) + " WHERE id = ?"));
      s.Bind(1, id);
      int rc = s.Step();
      if (rc == SQLITE_DONE) return NotFound("no execution '" + id + "'");
      if (rc != SQLITE_ROW) return Fail("read execution");
      e = ReadExecution(s);
    }
    ASSIGN_OR_RETURN(e.history, History("execution_states", "execution_id", id));
    ASSIGN_OR_RETURN(Stmt s,
                     Prepare("SELECT id, task_id, task_type, attempt, state, outputs, error, parent_id, "
                             "scope, loop_values, log_file FROM task_runs WHERE execution_id = ? ORDER BY rowid"));
    s.Bind(1, id);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      TaskRun t;
      t.id = s.Text(0);
      t.execution_id = id;
      t.task_id = s.Text(1);
      t.task_type = s.Text(2);
      t.attempt = static_cast<int>(s.Int(3));
      t.state = ParseState(s.Text(4)).value_or(State::kFailed);
      t.outputs_json = s.Text(5);
      t.error = s.Text(6);
      t.parent_id = s.Text(7);
      t.scope = s.Text(8);
      t.loop_values_json = s.Text(9);
      t.log_file = s.Text(10);
      e.task_runs.push_back(std::move(t));
    }
    if (rc != SQLITE_DONE) return Fail("read task runs");
    // All task runs' histories in one query, not one per run: executions
    // with a ForEach over many values have many runs.
    std::unordered_map<std::string, TaskRun*> by_id;
    for (auto& t : e.task_runs) by_id[t.id] = &t;
    ASSIGN_OR_RETURN(Stmt h, Prepare("SELECT s.task_run_id, s.state, s.at_ms FROM task_run_states s JOIN task_runs t "
                                     "ON t.id = s.task_run_id WHERE t.execution_id = ? ORDER BY s.rowid"));
    h.Bind(1, id);
    while ((rc = h.Step()) == SQLITE_ROW) {
      auto it = by_id.find(h.Text(0));
      if (it != by_id.end())
        it->second->history.push_back({ParseState(h.Text(1)).value_or(State::kFailed), FromMs(h.Int(2))});
    }
    if (rc != SQLITE_DONE) return Fail("read task run histories");
    ASSIGN_OR_RETURN(Stmt p, Prepare("SELECT p.task_run_id, p.pgid, p.start_ticks, p.boot_id FROM task_run_processes p "
                                     "JOIN task_runs t ON t.id = p.task_run_id WHERE t.execution_id = ? "
                                     "ORDER BY p.rowid"));
    p.Bind(1, id);
    while ((rc = p.Step()) == SQLITE_ROW) {
      auto it = by_id.find(p.Text(0));
      if (it == by_id.end()) continue;
      it->second->process_groups.push_back(
          {.pgid = static_cast<int>(p.Int(1)), .start_ticks = static_cast<uint64_t>(p.Int(2)), .boot_id = p.Text(3)});
    }
    if (rc != SQLITE_DONE) return Fail("read process groups");
    return e;
  }

  Result<State> GetExecutionState(const std::string& id) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT state FROM executions WHERE id = ?"));
    s.Bind(1, id);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return NotFound("no execution '" + id + "'");
    if (rc != SQLITE_ROW) return Fail("read execution state");
    return ParseState(s.Text(0)).value_or(State::kFailed);
  }

  Result<Trigger> UpsertTrigger(const TriggerKey& key, std::string_view type, Timestamp now) override {
    return triggers_.UpsertTrigger(key, type, now);
  }
  Result<std::optional<Trigger>> GetTrigger(const TriggerKey& key) override { return triggers_.GetTrigger(key); }
  Result<std::vector<Trigger>> ListTriggers(const TriggerFilter& filter) override {
    return triggers_.ListTriggers(filter);
  }
  Result<bool> DeleteTrigger(const TriggerKey& key) override { return triggers_.DeleteTrigger(key); }
  Status SetTriggerEnabled(const TriggerKey& key, bool enabled, Timestamp now) override {
    return triggers_.SetTriggerEnabled(key, enabled, now);
  }
  Result<bool> UnlockTrigger(const TriggerKey& key) override { return triggers_.UnlockTrigger(key); }
  Result<std::optional<Trigger>> AcquireTriggerLease(const TriggerKey& key, std::string_view owner, Timestamp now,
                                                     Timestamp until) override {
    return triggers_.AcquireTriggerLease(key, owner, now, until);
  }
  Status RecordTriggerFiring(const TriggerKey& key, std::string_view owner, const TriggerFiring& firing) override {
    return triggers_.RecordTriggerFiring(key, owner, firing);
  }
  Result<int> ReleaseTriggerLeases(std::string_view owner) override { return triggers_.ReleaseTriggerLeases(owner); }
  Result<std::optional<std::string>> GetTriggerState(const std::string& ns, const std::string& flow_id,
                                                     const std::string& trigger_id) override {
    return triggers_.GetTriggerState({ns, flow_id, trigger_id});
  }
  Status PutTriggerState(const std::string& ns, const std::string& flow_id, const std::string& trigger_id,
                         const std::string& state_json, Timestamp at) override {
    return triggers_.PutTriggerState({ns, flow_id, trigger_id}, state_json, at);
  }
  Status CreateBackfill(const Backfill& backfill) override { return triggers_.CreateBackfill(backfill); }
  Result<std::optional<Backfill>> GetBackfill(const TriggerKey& key) override { return triggers_.GetBackfill(key); }
  Result<std::vector<Backfill>> ListBackfills(const TriggerFilter& filter) override {
    return triggers_.ListBackfills(filter);
  }
  Status AdvanceBackfill(const TriggerKey& key, std::string_view owner, Timestamp current,
                         std::span<const Execution> executions) override {
    return triggers_.AdvanceBackfill(key, owner, current, executions);
  }
  Status SetBackfillPaused(const TriggerKey& key, bool paused) override {
    return triggers_.SetBackfillPaused(key, paused);
  }
  Result<bool> DeleteBackfill(const TriggerKey& key) override { return triggers_.DeleteBackfill(key); }

  Status KvPut(const KvEntry& e) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT INTO kv(namespace, key, value, updated_ms, expires_ms) VALUES (?,?,?,?,?) "
                                     "ON CONFLICT(namespace, key) DO UPDATE SET value = excluded.value, "
                                     "updated_ms = excluded.updated_ms, expires_ms = excluded.expires_ms"));
    s.Bind(1, e.namespace_).Bind(2, e.key).Bind(3, e.value_json).Bind(4, ToMs(e.updated));
    if (e.expires) s.Bind(5, ToMs(*e.expires));
    if (s.Step() != SQLITE_DONE) return Fail("write KV '" + e.namespace_ + "/" + e.key + "'");
    return Status::Ok();
  }

  Result<std::optional<KvEntry>> KvGet(const std::string& ns, const std::string& key, Timestamp now) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT namespace, key, value, updated_ms, expires_ms FROM kv "
                                     "WHERE namespace = ? AND key = ? AND (expires_ms IS NULL OR expires_ms > ?)"));
    s.Bind(1, ns).Bind(2, key).Bind(3, ToMs(now));
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<KvEntry>();
    if (rc != SQLITE_ROW) return Fail("read KV '" + ns + "/" + key + "'");
    return std::optional<KvEntry>(ReadKv(s));
  }

  Result<bool> KvDelete(const std::string& ns, const std::string& key) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("DELETE FROM kv WHERE namespace = ? AND key = ?"));
    s.Bind(1, ns).Bind(2, key);
    if (s.Step() != SQLITE_DONE) return Fail("delete KV '" + ns + "/" + key + "'");
    return sqlite3_changes(db_) > 0;
  }

  Result<std::vector<KvEntry>> KvList(const std::string& ns, const std::string& prefix, Timestamp now) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT namespace, key, value, updated_ms, expires_ms FROM kv WHERE namespace = ? "
                                     "AND substr(key, 1, length(?2)) = ?2 AND (expires_ms IS NULL OR expires_ms > ?3) "
                                     "ORDER BY key"));
    s.Bind(1, ns).Bind(2, prefix).Bind(3, ToMs(now));
    std::vector<KvEntry> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadKv(s));
    if (rc != SQLITE_DONE) return Fail("list KV of namespace '" + ns + "'");
    return out;
  }

  Result<std::map<std::string, std::string>> GetModelFingerprints(const std::string& scope) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT unique_id, fingerprint FROM model_fingerprints WHERE scope = ?"));
    s.Bind(1, scope);
    std::map<std::string, std::string> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.emplace(s.Text(0), s.Text(1));
    if (rc != SQLITE_DONE) return Fail("read model fingerprints");
    return out;
  }

  Status PutModelFingerprints(const std::string& scope,
                              std::span<const std::pair<std::string, std::string>> fingerprints,
                              Timestamp at) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      for (const auto& [id, fingerprint] : fingerprints) {
        ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT INTO model_fingerprints(scope, unique_id, fingerprint, built_ms) "
                                         "VALUES (?,?,?,?) ON CONFLICT(scope, unique_id) DO UPDATE SET "
                                         "fingerprint = excluded.fingerprint, built_ms = excluded.built_ms"));
        s.Bind(1, scope).Bind(2, id).Bind(3, fingerprint).Bind(4, ToMs(at));
        if (s.Step() != SQLITE_DONE) return Fail("write model fingerprints");
      }
      return Status::Ok();
    });
  }

  Result<std::string> ResolveExecutionId(const std::string& prefix) override {
    std::lock_guard lock(mu_);
    if (prefix.empty()) return InvalidArgument("empty execution id");
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT id FROM executions WHERE id >= ? AND id < ? ORDER BY id LIMIT 2"));
    std::string upper = prefix;
    upper.back() = static_cast<char>(upper.back() + 1);
    s.Bind(1, prefix).Bind(2, upper);
    std::vector<std::string> ids;
    while (s.Step() == SQLITE_ROW) ids.push_back(s.Text(0));
    if (ids.empty())
      return NotFound("no execution with id '" + prefix + "'").WithHint("list them with 'floe executions list'");
    if (ids.size() > 1)
      return InvalidArgument("execution id prefix '" + prefix + "' is ambiguous").WithHint("give more characters");
    return ids[0];
  }

  // The WHERE clause of an ExecutionFilter and its parameters, bound in order.
  struct Where {
    std::string sql;
    std::vector<std::string> params;
    std::vector<int64_t> times;  // bound after params
  };
  static Where ExecutionWhere(const ExecutionFilter& f) {
    Where w;
    auto cond = [&w](std::string c) { w.sql += (w.sql.empty() ? " WHERE " : " AND ") + c; };
    if (!f.namespace_.empty()) {
      w.params.push_back(f.namespace_);
      cond(f.include_child_namespaces ? "(namespace = ? OR substr(namespace, 1, length(?1) + 1) = ?1 || '.')"
                                      : "namespace = ?");
    }
    if (!f.flow_id.empty()) {
      w.params.push_back(f.flow_id);
      cond("flow_id = ?");
    }
    std::vector<State> states = f.states;
    if (f.state) states.push_back(*f.state);
    if (!states.empty()) {
      std::string in;
      for (State st : states) {
        in += in.empty() ? "?" : ",?";
        w.params.push_back(std::string(StateName(st)));
      }
      cond("state IN (" + in + ")");
    }
    for (const auto& [k, v] : f.labels) {
      w.params.push_back(k);
      w.params.push_back(v);
      cond("EXISTS (SELECT 1 FROM json_each(labels) WHERE json_each.key = ? AND json_each.value = ?)");
    }
    if (!f.query.empty()) {
      w.params.push_back(f.query);
      std::string n = std::to_string(w.params.size());
      cond("(instr(id, ?" + n + ") > 0 OR instr(namespace, ?" + n + ") > 0 OR instr(flow_id, ?" + n + ") > 0)");
    }
    if (f.start || f.end) {
      w.times = {f.start ? ToMs(*f.start) : INT64_MIN, f.end ? ToMs(*f.end) - 1 : INT64_MAX};
      cond("created_ms BETWEEN ? AND ?");
    }
    return w;
  }
  static void BindWhere(Stmt& s, const Where& w) {
    int i = 1;
    for (const auto& p : w.params) s.Bind(i++, p);
    for (int64_t t : w.times) s.Bind(i++, t);
  }

  Result<std::vector<DailyCount>> CountDaily(const DailyCountQuery& q) override {
    std::lock_guard lock(mu_);
    // Each execution (or task run) with its first and last state change.
    std::string spans =
        q.task_runs ? "SELECT r.id AS id, r.state AS state, e.namespace AS namespace, e.flow_id AS flow_id, "
                      "min(s.at_ms) AS first_ms, max(s.at_ms) AS last_ms FROM task_runs r JOIN executions e ON "
                      "e.id = r.execution_id JOIN task_run_states s ON s.task_run_id = r.id WHERE " +
                          std::string(
                              "(?1 = '' OR e.namespace = ?1 OR substr(e.namespace, 1, length(?1) + 1) = ?1 || "
                              "'.') AND (?2 = '' OR e.flow_id = ?2) GROUP BY r.id")
                    : "SELECT e.id AS id, e.state AS state, e.namespace AS namespace, e.flow_id AS flow_id, "
                      "min(s.at_ms) AS first_ms, max(s.at_ms) AS last_ms FROM executions e JOIN execution_states s "
                      "ON s.execution_id = e.id WHERE (?1 = '' OR e.namespace = ?1 OR substr(e.namespace, 1, "
                      "length(?1) + 1) = ?1 || '.') AND (?2 = '' OR e.flow_id = ?2) GROUP BY e.id";
    ASSIGN_OR_RETURN(Stmt s,
                     Prepare("SELECT date(first_ms / 1000, 'unixepoch'), namespace, flow_id, state, count(*), "
                             "min(last_ms - first_ms), max(last_ms - first_ms), sum(last_ms - first_ms) FROM (" +
                             spans +
                             ") WHERE first_ms >= ?3 AND first_ms < ?4 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, "
                             "4"));
    s.Bind(1, q.namespace_).Bind(2, q.flow_id).Bind(3, ToMs(q.start)).Bind(4, ToMs(q.end));
    std::vector<DailyCount> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({.day = s.Text(0),
                     .namespace_ = s.Text(1),
                     .flow_id = s.Text(2),
                     .state = ParseState(s.Text(3)).value_or(State::kCreated),
                     .count = s.Int(4),
                     .duration_min_ms = s.Int(5),
                     .duration_max_ms = s.Int(6),
                     .duration_sum_ms = s.Int(7)});
    }
    if (rc != SQLITE_DONE) return Fail("count executions per day");
    return out;
  }

  Result<int64_t> CountExecutions(const ExecutionFilter& f) override {
    std::lock_guard lock(mu_);
    Where w = ExecutionWhere(f);
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT count(*) FROM executions" + w.sql));
    BindWhere(s, w);
    if (s.Step() != SQLITE_ROW) return Fail("count executions");
    return s.Int(0);
  }

  Result<std::vector<Execution>> ListExecutions(const ExecutionFilter& f) override {
    std::lock_guard lock(mu_);
    Where w = ExecutionWhere(f);
    std::string sql = std::string(kSelectExecution) + w.sql + " ORDER BY created_ms DESC, id DESC LIMIT " +
                      std::to_string(std::max(0, f.limit)) + " OFFSET " + std::to_string(std::max(0, f.offset));
    ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    BindWhere(s, w);
    std::vector<Execution> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadExecution(s));
    if (rc != SQLITE_DONE) return Fail("list executions");
    for (auto& e : out) {
      ASSIGN_OR_RETURN(e.history, History("execution_states", "execution_id", e.id));
    }
    return out;
  }

  Result<std::vector<LogEntry>> GetLogs(const std::string& execution_id, int64_t after_seq, int limit,
                                        std::optional<LogLevel> level) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT seq, task_run_id, task_id, at_ms, level, message FROM logs "
                                     "WHERE execution_id = ?1 AND seq > ?2 AND (?4 IS NULL OR level = ?4) "
                                     "ORDER BY seq LIMIT ?3"));
    s.Bind(1, execution_id).Bind(2, after_seq).Bind(3, int64_t{limit});
    if (level) s.Bind(4, LogLevelName(*level));
    std::vector<LogEntry> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      LogEntry e;
      e.seq = s.Int(0);
      e.execution_id = execution_id;
      e.task_run_id = s.Text(1);
      e.task_id = s.Text(2);
      e.at = FromMs(s.Int(3));
      e.level = ParseLogLevel(s.Text(4)).value_or(LogLevel::kInfo);
      e.message = s.Text(5);
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return Fail("read logs");
    return out;
  }

  Result<std::vector<LogEntry>> QueryLogs(const LogQuery& q, int64_t* total) override {
    std::lock_guard lock(mu_);
    Where w;
    auto cond = [&w](std::string c) { w.sql += (w.sql.empty() ? " WHERE " : " AND ") + c; };
    auto equal = [&](const std::string& column, const std::string& value) {
      if (value.empty()) return;
      w.params.push_back(value);
      cond(column + " = ?");
    };
    equal("l.execution_id", q.execution_id);
    equal("l.task_id", q.task_id);
    equal("l.task_run_id", q.task_run_id);
    if (!q.namespace_.empty() || !q.flow_id.empty()) {
      std::string in = "l.execution_id IN (SELECT id FROM executions WHERE 1";
      if (!q.namespace_.empty()) {
        w.params.push_back(q.namespace_);
        std::string n = std::to_string(w.params.size());
        in += " AND (namespace = ?" + n + " OR substr(namespace, 1, length(?" + n + ") + 1) = ?" + n + " || '.')";
      }
      if (!q.flow_id.empty()) {
        w.params.push_back(q.flow_id);
        in += " AND flow_id = ?" + std::to_string(w.params.size());
      }
      cond(in + ")");
    }
    if (q.min_level) {
      std::string in;
      for (int l = static_cast<int>(*q.min_level); l <= static_cast<int>(LogLevel::kError); ++l) {
        in += in.empty() ? "?" : ",?";
        w.params.push_back(std::string(LogLevelName(static_cast<LogLevel>(l))));
      }
      cond("l.level IN (" + in + ")");
    }
    if (!q.query.empty()) {
      w.params.push_back(q.query);
      cond("instr(l.message, ?) > 0");
    }
    w.times = {q.after_seq, q.start ? ToMs(*q.start) : INT64_MIN, q.end ? ToMs(*q.end) - 1 : INT64_MAX};
    cond("l.seq > ? AND l.at_ms BETWEEN ? AND ?");
    if (total) {
      ASSIGN_OR_RETURN(Stmt c, Prepare("SELECT count(*) FROM logs l" + w.sql));
      BindWhere(c, w);
      if (c.Step() != SQLITE_ROW) return Fail("count logs");
      *total = c.Int(0);
    }
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT l.seq, l.task_run_id, l.task_id, l.at_ms, l.level, l.message, "
                                     "l.execution_id FROM logs l" +
                                     w.sql + " ORDER BY l.seq LIMIT " + std::to_string(std::max(0, q.limit)) +
                                     " OFFSET " + std::to_string(std::max(0, q.offset))));
    BindWhere(s, w);
    std::vector<LogEntry> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      LogEntry e;
      e.seq = s.Int(0);
      e.task_run_id = s.Text(1);
      e.task_id = s.Text(2);
      e.at = FromMs(s.Int(3));
      e.level = ParseLogLevel(s.Text(4)).value_or(LogLevel::kInfo);
      e.message = s.Text(5);
      e.execution_id = s.Text(6);
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return Fail("read logs");
    return out;
  }

  Result<int> RecordFlowRevision(const std::string& ns, const std::string& flow_id, const std::string& source,
                                 Timestamp at) override {
    std::lock_guard lock(mu_);
    int revision = 0;
    RETURN_IF_ERROR(InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(Stmt q, Prepare("SELECT revision, source, deleted FROM flow_revisions WHERE namespace = ? AND "
                                       "flow_id = ? ORDER BY revision DESC LIMIT 1"));
      q.Bind(1, ns).Bind(2, flow_id);
      int rc = q.Step();
      if (rc == SQLITE_ROW) {
        revision = static_cast<int>(q.Int(0));
        if (q.Text(1) == source && q.Int(2) == 0) return Status::Ok();
      } else if (rc != SQLITE_DONE) {
        return Fail("read flow revisions");
      }
      ++revision;
      ASSIGN_OR_RETURN(Stmt ins, Prepare("INSERT INTO flow_revisions(namespace, flow_id, revision, source, created_ms) "
                                         "VALUES (?,?,?,?,?)"));
      ins.Bind(1, ns).Bind(2, flow_id).Bind(3, int64_t{revision}).Bind(4, source).Bind(5, ToMs(at));
      if (ins.Step() != SQLITE_DONE) return Fail("record flow revision");
      return Status::Ok();
    }));
    return revision;
  }

  Status RecordFlowDeleted(const std::string& ns, const std::string& flow_id, Timestamp at) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(Stmt ins, Prepare("INSERT INTO flow_revisions(namespace, flow_id, revision, source, created_ms, "
                                         "deleted) SELECT namespace, flow_id, revision + 1, source, ?3, 1 FROM "
                                         "flow_revisions WHERE namespace = ?1 AND flow_id = ?2 AND deleted = 0 AND "
                                         "revision = (SELECT max(revision) FROM flow_revisions WHERE namespace = ?1 "
                                         "AND flow_id = ?2)"));
      ins.Bind(1, ns).Bind(2, flow_id).Bind(3, ToMs(at));
      if (ins.Step() != SQLITE_DONE) return Fail("record flow deletion");
      return Status::Ok();
    });
  }

  Result<std::vector<FlowRevision>> ListFlowRevisions(const std::string& ns, const std::string& flow_id) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Stmt q, Prepare("SELECT revision, source, created_ms, deleted FROM flow_revisions WHERE "
                                     "namespace = ? AND flow_id = ? ORDER BY revision"));
    q.Bind(1, ns).Bind(2, flow_id);
    std::vector<FlowRevision> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      out.push_back({.namespace_ = ns,
                     .flow_id = flow_id,
                     .revision = static_cast<int>(q.Int(0)),
                     .source = q.Text(1),
                     .created = FromMs(q.Int(2)),
                     .deleted = q.Int(3) != 0});
    }
    if (rc != SQLITE_DONE) return Fail("read flow revisions");
    return out;
  }

  Result<int64_t> PurgeLogs(const LogPurge& f) override {
    std::lock_guard lock(mu_);
    std::string levels;
    for (LogLevel l : f.levels)
      levels += std::string(levels.empty() ? "" : ",") + "'" + std::string(LogLevelName(l)) + "'";
    std::string sql =
        "DELETE FROM logs WHERE execution_id IN (SELECT id FROM executions WHERE (?1 = '' OR namespace = ?1 OR "
        "substr(namespace, 1, length(?1) + 1) = ?1 || '.') AND (?2 = '' OR flow_id = ?2) AND (?5 = '' OR id = ?5)) "
        "AND at_ms >= ?3 AND at_ms < ?4";
    if (!levels.empty()) sql += " AND level IN (" + levels + ")";
    ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    s.Bind(1, f.namespace_)
        .Bind(2, f.flow_id)
        .Bind(3, f.start ? ToMs(*f.start) : INT64_MIN)
        .Bind(4, f.end ? ToMs(*f.end) : INT64_MAX)
        .Bind(5, f.execution_id);
    if (s.Step() != SQLITE_DONE) return Fail("purge logs");
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<PurgedExecutions> PurgeExecutions(const ExecutionPurge& f) override {
    std::lock_guard lock(mu_);
    std::vector<State> states = f.states;
    if (states.empty())
      for (State st : {State::kSuccess, State::kWarning, State::kFailed, State::kKilled, State::kCancelled,
                       State::kSkipped, State::kRetried})
        states.push_back(st);
    std::string in;
    for (State st : states) {
      if (!IsTerminal(st)) continue;  // a running execution is never purged
      in += std::string(in.empty() ? "" : ",") + "'" + std::string(StateName(st)) + "'";
    }
    PurgedExecutions out;
    if (in.empty()) return out;
    Status s = InTransaction([&]() -> Status {
      {
        ASSIGN_OR_RETURN(
            Stmt q, Prepare("SELECT e.id, e.namespace, e.flow_id FROM executions e WHERE (?1 = '' OR e.namespace = ?1 "
                            "OR (?2 = '' AND substr(e.namespace, 1, length(?1) + 1) = ?1 || '.')) AND (?2 = '' OR "
                            "e.flow_id = ?2) AND "
                            "e.state IN (" +
                            in +
                            ") AND coalesce((SELECT min(at_ms) FROM execution_states WHERE execution_id = e.id), 0) "
                            "BETWEEN ?3 AND ?4 AND (?5 = '[]' OR e.id IN (SELECT value FROM json_each(?5))) "
                            "ORDER BY e.id"));
        std::string ids = "[";
        for (const auto& id : f.ids) ids += (ids.size() > 1 ? "," : "") + JsonQuote(id);
        ids += "]";
        q.Bind(1, f.namespace_)
            .Bind(2, f.flow_id)
            .Bind(3, f.start ? ToMs(*f.start) : INT64_MIN)
            .Bind(4, f.end ? ToMs(*f.end) - 1 : INT64_MAX)
            .Bind(5, ids);
        int rc;
        while ((rc = q.Step()) == SQLITE_ROW) {
          if (f.in_use && f.in_use(q.Text(0))) continue;
          Execution e;
          e.id = q.Text(0);
          e.namespace_ = q.Text(1);
          e.flow_id = q.Text(2);
          out.executions.push_back(std::move(e));
        }
        if (rc != SQLITE_DONE) return Fail("find executions to purge");
      }
      for (const auto& e : out.executions) {
        if (f.logs) {
          ASSIGN_OR_RETURN(Stmt d, Prepare("DELETE FROM logs WHERE execution_id = ?"));
          d.Bind(1, e.id);
          if (d.Step() != SQLITE_DONE) return Fail("purge logs");
          out.logs += sqlite3_changes(db_);
        }
        if (!f.executions) continue;
        for (const char* sql :
             {"DELETE FROM task_run_processes WHERE task_run_id IN (SELECT id FROM task_runs WHERE execution_id = ?)",
              "DELETE FROM task_run_states WHERE task_run_id IN (SELECT id FROM task_runs WHERE execution_id = ?)",
              "DELETE FROM task_runs WHERE execution_id = ?", "DELETE FROM execution_states WHERE execution_id = ?",
              "DELETE FROM executions WHERE id = ?"}) {
          ASSIGN_OR_RETURN(Stmt d, Prepare(sql));
          d.Bind(1, e.id);
          if (d.Step() != SQLITE_DONE) return Fail("purge execution");
        }
      }
      return Status::Ok();
    });
    RETURN_IF_ERROR(s);
    return out;
  }

 private:
  static constexpr const char* kSelectExecution =
      "SELECT id, namespace, flow_id, state, inputs, outputs, labels, flow_source, flow_path, error, trigger, "
      "storage, pins "
      "FROM executions";

  static KvEntry ReadKv(Stmt& s) {
    KvEntry e{.namespace_ = s.Text(0), .key = s.Text(1), .value_json = s.Text(2), .updated = FromMs(s.Int(3))};
    if (!s.IsNull(4)) e.expires = FromMs(s.Int(4));
    return e;
  }

  static Execution ReadExecution(Stmt& s) {
    Execution e;
    e.id = s.Text(0);
    e.namespace_ = s.Text(1);
    e.flow_id = s.Text(2);
    e.state = ParseState(s.Text(3)).value_or(State::kFailed);
    e.inputs_json = s.Text(4);
    e.outputs_json = s.Text(5);
    e.labels_json = s.Text(6);
    e.flow_source = s.Text(7);
    e.flow_path = s.Text(8);
    e.error = s.Text(9);
    e.trigger_json = s.Text(10);
    e.storage = s.Text(11);
    e.pins_json = s.Text(12);
    return e;
  }

  // The row's new state (and outputs/error when given) and its history row,
  // in one transaction.
  Status Transition(const std::string& table, const std::string& history, const std::string& id, State state,
                    Timestamp at, const TransitionDetails& d) {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      RETURN_IF_ERROR(Update(table, id, state, d));
      return AddHistory(history, id, state, at);
    });
  }

  Status Update(const std::string& table, const std::string& id, State state, const TransitionDetails& d) {
    std::string sql = "UPDATE " + table +
                      " SET state = ?1, outputs = coalesce(?2, outputs), error = coalesce(?3, error) WHERE id = ?4";
    ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
    s.Bind(1, StateName(state));
    if (d.outputs_json) s.Bind(2, *d.outputs_json);
    if (d.error) s.Bind(3, *d.error);
    s.Bind(4, id);
    if (s.Step() != SQLITE_DONE) return Fail("update " + table);
    if (sqlite3_changes(db_) == 0)
      return NotFound("no " + std::string(table == "executions" ? "execution" : "task run") + " '" + id + "'");
    return Status::Ok();
  }

  // Moves an execution to `to` if `condition` (SQL on its row) holds, in one
  // transaction: two callers cannot both pass; returns whether it moved.
  Result<bool> TransitionWhere(const std::string& id, State to, Timestamp at, const std::string& condition) {
    std::lock_guard lock(mu_);
    bool moved = false;
    RETURN_IF_ERROR(InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(Stmt s, Prepare("UPDATE executions SET state = ?1 WHERE id = ?2 AND " + condition));
      s.Bind(1, StateName(to)).Bind(2, id);
      if (s.Step() != SQLITE_DONE) return Fail("move execution to " + std::string(StateName(to)));
      moved = sqlite3_changes(db_) > 0;
      return moved ? AddHistory("execution_states", id, to, at) : Status::Ok();
    }));
    return moved;
  }

  Status AddHistory(const std::string& table, const std::string& id, State state, Timestamp at) {
    std::string key = table == "execution_states" ? "execution_id" : "task_run_id";
    ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT INTO " + table + "(" + key + ", state, at_ms) VALUES (?,?,?)"));
    s.Bind(1, id).Bind(2, StateName(state)).Bind(3, ToMs(at));
    if (s.Step() != SQLITE_DONE) return Fail("record state change");
    return Status::Ok();
  }

  Result<std::vector<StateChange>> History(const std::string& table, const std::string& key, const std::string& id) {
    ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT state, at_ms FROM " + table + " WHERE " + key + " = ? ORDER BY rowid"));
    s.Bind(1, id);
    std::vector<StateChange> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW)
      out.push_back({ParseState(s.Text(0)).value_or(State::kFailed), FromMs(s.Int(1))});
    if (rc != SQLITE_DONE) return Fail("read history");
    return out;
  }

  internal::SqliteTriggers triggers_{*this};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path) {
  auto store = std::make_unique<SqliteStore>();
  RETURN_IF_ERROR(store->Open(path));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace floe::state
