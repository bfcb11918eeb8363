// Triggers, leases and backfills in the SQLite store: what `floe server`'s
// scheduler relies on so that two servers on one home never fire a schedule
// twice and a restart resumes where the store says.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <thread>

#include "core/id.h"
#include "state/store.h"

namespace floe::state {
namespace {

using std::chrono::seconds;

Timestamp At(int64_t s) { return Timestamp(seconds(1'800'000'000 + s)); }

class TriggerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_trigger_test_" + NewId());
    path_ = dir_ / "floe.db";
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Another connection to the same file: what a second server would have.
  std::unique_ptr<Store> Open() {
    auto s = OpenSqliteStore(path_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  static Execution NewExecution(const TriggerKey& key) {
    Execution e;
    e.id = NewId();
    e.namespace_ = key.namespace_;
    e.flow_id = key.flow_id;
    e.history = {{State::kCreated, At(0)}};
    return e;
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::unique_ptr<Store> store_;
  const TriggerKey key_{.namespace_ = "dev", .flow_id = "hello", .trigger_id = "daily"};
};

TEST_F(TriggerStoreTest, UpsertKeepsRuntimeFieldsAndListIsOrdered) {
  auto created = store_->UpsertTrigger(key_, "Schedule", At(0));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->enabled);
  EXPECT_FALSE(created->next_date);
  EXPECT_FALSE(created->state_json);
  EXPECT_EQ(created->lease_owner, "");

  ASSERT_TRUE(store_->SetTriggerEnabled(key_, false, At(1)).ok());
  ASSERT_TRUE(store_->AcquireTriggerLease(key_, "a", At(1), At(31)).ok());
  ASSERT_TRUE(store_
                  ->RecordTriggerFiring(key_, "a",
                                        {.next_date = At(86400),
                                         .last_date = At(0),
                                         .last_execution_id = std::string("01EXEC"),
                                         .state_json = std::string(R"({"k":1})"),
                                         .evaluated_at = At(2)})
                  .ok());
  // The server reloads the flow: the type may change, nothing else does.
  auto reloaded = store_->UpsertTrigger(key_, "io.kestra.plugin.core.trigger.Schedule", At(3));
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ(reloaded->type, "io.kestra.plugin.core.trigger.Schedule");
  EXPECT_FALSE(reloaded->enabled);
  EXPECT_EQ(reloaded->next_date, At(86400));
  EXPECT_EQ(reloaded->last_date, At(0));
  EXPECT_EQ(reloaded->last_execution_id, "01EXEC");
  EXPECT_EQ(reloaded->evaluated_at, At(2));
  EXPECT_EQ(reloaded->state_json, R"({"k":1})");
  EXPECT_EQ(reloaded->lease_owner, "a");
  EXPECT_EQ(reloaded->lease_until, At(31));

  for (const char* flow : {"zeta", "alpha"})
    ASSERT_TRUE(store_->UpsertTrigger({"dev", flow, "t"}, "Webhook", At(0)).ok());
  ASSERT_TRUE(store_->UpsertTrigger({"company", "x", "t"}, "Webhook", At(0)).ok());
  ASSERT_TRUE(store_->UpsertTrigger({"dev", "hello", "another"}, "Schedule", At(0)).ok());
  auto all = store_->ListTriggers({});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const auto& t : *all) names.push_back(t.key.namespace_ + "/" + t.key.flow_id + "/" + t.key.trigger_id);
  EXPECT_EQ(names, (std::vector<std::string>{"company/x/t", "dev/alpha/t", "dev/hello/another", "dev/hello/daily",
                                             "dev/zeta/t"}));
  EXPECT_EQ(store_->ListTriggers({.namespace_ = "dev"})->size(), 4u);
  EXPECT_EQ(store_->ListTriggers({.namespace_ = "dev", .flow_id = "hello"})->size(), 2u);

  EXPECT_TRUE(*store_->DeleteTrigger({"dev", "zeta", "t"}));
  EXPECT_FALSE(*store_->DeleteTrigger({"dev", "zeta", "t"}));
  EXPECT_FALSE(store_->GetTrigger({"dev", "zeta", "t"})->has_value());
}

TEST_F(TriggerStoreTest, EnableDisableAndUnlock) {
  ASSERT_TRUE(store_->UpsertTrigger(key_, "Schedule", At(0)).ok());
  ASSERT_TRUE(store_->SetTriggerEnabled(key_, false, At(1)).ok());
  EXPECT_FALSE((*store_->GetTrigger(key_))->enabled);
  ASSERT_TRUE(store_->SetTriggerEnabled(key_, true, At(2)).ok());
  EXPECT_TRUE((*store_->GetTrigger(key_))->enabled);
  TriggerKey missing{"dev", "hello", "nope"};
  Status s = store_->SetTriggerEnabled(missing, false, At(1));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("trigger 'nope' of flow 'dev/hello'"), std::string::npos) << s.message();
  EXPECT_EQ(store_->UnlockTrigger(missing).status().code(), StatusCode::kNotFound);

  EXPECT_FALSE(*store_->UnlockTrigger(key_));  // nothing held
  ASSERT_TRUE(store_->AcquireTriggerLease(key_, "a", At(0), At(30))->has_value());
  EXPECT_TRUE(*store_->UnlockTrigger(key_));
  auto t = *store_->GetTrigger(key_);
  EXPECT_EQ(t->lease_owner, "");
  // The holder's firing after an unlock is refused: it may be stuck.
  s = store_->RecordTriggerFiring(key_, "a", {.last_date = At(0), .evaluated_at = At(1)});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("released or unlocked"), std::string::npos) << s.message();
  // And the lease is free for anyone.
  EXPECT_TRUE(store_->AcquireTriggerLease(key_, "b", At(1), At(31))->has_value());
}

TEST_F(TriggerStoreTest, LeaseIsExclusiveBetweenStoresUntilItExpires) {
  std::unique_ptr<Store> other = Open();
  ASSERT_TRUE(store_->UpsertTrigger(key_, "Schedule", At(0)).ok());
  EXPECT_EQ(other->AcquireTriggerLease({"dev", "hello", "nope"}, "b", At(0), At(30)).status().code(),
            StatusCode::kNotFound);

  auto a = store_->AcquireTriggerLease(key_, "a", At(0), At(30));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->lease_owner, "a");
  EXPECT_EQ((*a)->lease_until, At(30));
  // Held by a: b is refused until it expires, on either connection.
  EXPECT_FALSE(other->AcquireTriggerLease(key_, "b", At(10), At(40))->has_value());
  EXPECT_FALSE(other->AcquireTriggerLease(key_, "b", At(29), At(59))->has_value());
  EXPECT_FALSE(store_->AcquireTriggerLease(key_, "b", At(29), At(59))->has_value());
  // a renews (already its own).
  auto renewed = store_->AcquireTriggerLease(key_, "a", At(20), At(50));
  ASSERT_TRUE(renewed.ok() && renewed->has_value());
  EXPECT_FALSE(other->AcquireTriggerLease(key_, "b", At(30), At(60))->has_value());
  // Expired at 50 (lease_until <= now): b takes it over.
  auto b = other->AcquireTriggerLease(key_, "b", At(50), At(80));
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->lease_owner, "b");
  EXPECT_FALSE(store_->AcquireTriggerLease(key_, "a", At(51), At(81))->has_value());
  EXPECT_EQ((*store_->GetTrigger(key_))->lease_owner, "b");
}

TEST_F(TriggerStoreTest, FiringIsRefusedOnceTheLeaseIsTakenOver) {
  std::unique_ptr<Store> other = Open();
  ASSERT_TRUE(store_->UpsertTrigger(key_, "Schedule", At(0)).ok());
  ASSERT_TRUE(store_->AcquireTriggerLease(key_, "a", At(0), At(30))->has_value());
  // a stalls past its lease; b takes over and fires the date.
  ASSERT_TRUE(other->AcquireTriggerLease(key_, "b", At(40), At(70))->has_value());
  Execution by_b = NewExecution(key_);
  ASSERT_TRUE(other
                  ->RecordTriggerFiring(key_, "b",
                                        {.next_date = At(86400 * 2),
                                         .last_date = At(86400),
                                         .last_execution_id = by_b.id,
                                         .evaluated_at = At(41),
                                         .executions = {by_b}})
                  .ok());
  // a wakes up and records the same date: refused, and its execution is not
  // created.
  Execution by_a = NewExecution(key_);
  Status s = store_->RecordTriggerFiring(key_, "a",
                                         {.next_date = At(86400 * 2),
                                          .last_date = At(86400),
                                          .last_execution_id = by_a.id,
                                          .evaluated_at = At(42),
                                          .executions = {by_a}});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("server 'b' took it over"), std::string::npos) << s.message();
  EXPECT_EQ(store_->GetExecution(by_a.id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->GetExecution(by_b.id).ok());
  auto t = *store_->GetTrigger(key_);
  EXPECT_EQ(t->last_execution_id, by_b.id);
  EXPECT_EQ(t->evaluated_at, At(41));
  EXPECT_EQ(store_->ListExecutions({})->size(), 1u);
}

TEST_F(TriggerStoreTest, FiringIsAtomicAndCanReleaseTheLease) {
  ASSERT_TRUE(store_->UpsertTrigger(key_, "Schedule", At(0)).ok());
  ASSERT_TRUE(store_->AcquireTriggerLease(key_, "a", At(0), At(30))->has_value());
  Execution taken = NewExecution(key_);
  ASSERT_TRUE(store_->CreateExecution(taken).ok());
  // recoverMissedSchedules: ALL fires two dates at once; the second id is
  // taken, so neither execution nor the dates are recorded.
  Execution fresh = NewExecution(key_);
  Status s = store_->RecordTriggerFiring(
      key_, "a", {.next_date = At(300), .last_date = At(200), .evaluated_at = At(1), .executions = {fresh, taken}});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_EQ(store_->GetExecution(fresh.id).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE((*store_->GetTrigger(key_))->last_date);

  // A firing without a date changes only what it sets; this one lets go.
  ASSERT_TRUE(store_->RecordTriggerFiring(key_, "a", {.next_date = At(100), .evaluated_at = At(2)}).ok());
  ASSERT_TRUE(store_
                  ->RecordTriggerFiring(key_, "a",
                                        {.state_json = std::string("{}"), .evaluated_at = At(3), .release_lease = true})
                  .ok());
  auto t = *store_->GetTrigger(key_);
  EXPECT_EQ(t->next_date, At(100));
  EXPECT_FALSE(t->last_date);
  EXPECT_EQ(t->state_json, "{}");
  EXPECT_EQ(t->lease_owner, "");
  EXPECT_EQ(store_->RecordTriggerFiring(key_, "a", {.evaluated_at = At(4)}).code(), StatusCode::kFailedPrecondition);
}

TEST_F(TriggerStoreTest, ReleaseLeasesFreesOnlyTheOwners) {
  TriggerKey k1{"dev", "f", "one"}, k2{"dev", "f", "two"}, k3{"dev", "f", "three"};
  for (const auto& k : {k1, k2, k3}) ASSERT_TRUE(store_->UpsertTrigger(k, "Schedule", At(0)).ok());
  ASSERT_TRUE(store_->AcquireTriggerLease(k1, "a", At(0), At(30))->has_value());
  ASSERT_TRUE(store_->AcquireTriggerLease(k2, "a", At(0), At(30))->has_value());
  ASSERT_TRUE(store_->AcquireTriggerLease(k3, "b", At(0), At(30))->has_value());
  EXPECT_EQ(*store_->ReleaseTriggerLeases("a"), 2);
  EXPECT_EQ(*store_->ReleaseTriggerLeases("a"), 0);
  EXPECT_EQ((*store_->GetTrigger(k1))->lease_owner, "");
  EXPECT_EQ((*store_->GetTrigger(k3))->lease_owner, "b");
  // A restarted server takes its triggers back at once, without waiting.
  EXPECT_TRUE(store_->AcquireTriggerLease(k1, "a2", At(1), At(31))->has_value());
}

// Two servers (two connections, two threads) evaluate the same trigger at
// the same instant, 200 times: each time exactly one acquires the lease, and
// exactly one firing per date is recorded.
TEST_F(TriggerStoreTest, ConcurrentAcquisitionHasExactlyOneWinnerEachRound) {
  constexpr int kRounds = 200;
  ASSERT_TRUE(store_->UpsertTrigger(key_, "Schedule", At(0)).ok());
  std::unique_ptr<Store> stores[2] = {Open(), Open()};
  std::atomic<int> winners[kRounds] = {};
  std::atomic<int> firings[kRounds] = {};
  std::atomic<int> errors{0};
  std::barrier sync(2);
  auto server = [&](int me) {
    std::string owner = "server-" + std::to_string(me);
    for (int round = 0; round < kRounds; ++round) {
      sync.arrive_and_wait();
      // Each round starts after the previous lease expired.
      Timestamp now = At(round * 100);
      auto lease = stores[me]->AcquireTriggerLease(key_, owner, now, now + seconds(60));
      if (!lease.ok()) {
        ++errors;
      } else if (lease->has_value()) {
        ++winners[round];
        Status s = stores[me]->RecordTriggerFiring(
            key_, owner, {.next_date = At((round + 1) * 100), .last_date = now, .evaluated_at = now});
        if (s.ok()) ++firings[round];
      }
      sync.arrive_and_wait();
    }
  };
  std::thread t0(server, 0), t1(server, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(errors.load(), 0);
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(winners[round].load(), 1) << "round " << round;
    EXPECT_EQ(firings[round].load(), 1) << "round " << round;
  }
  EXPECT_EQ((*store_->GetTrigger(key_))->last_date, At((kRounds - 1) * 100));
}

TEST_F(TriggerStoreTest, BackfillLifecycleAndResumeAfterRestart) {
  Backfill request{.key = key_,
                   .start = At(0),
                   .end = At(86400 * 2),
                   .inputs_json = R"({"n":1})",
                   .labels_json = R"({"backfill":"true"})",
                   .concurrency = 2,
                   .created = At(5)};
  EXPECT_EQ(store_->CreateBackfill(request).code(), StatusCode::kNotFound);  // no trigger yet
  ASSERT_TRUE(store_->UpsertTrigger(key_, "Schedule", At(0)).ok());
  Backfill backwards = request;
  backwards.end = At(-1);
  EXPECT_EQ(store_->CreateBackfill(backwards).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->CreateBackfill(request).ok());
  EXPECT_EQ(store_->CreateBackfill(request).code(), StatusCode::kAlreadyExists);

  auto b = *store_->GetBackfill(key_);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, BackfillStatus::kRunning);
  EXPECT_EQ(b->current, At(0));
  EXPECT_EQ(b->end, At(86400 * 2));
  EXPECT_EQ(b->inputs_json, R"({"n":1})");
  EXPECT_EQ(b->labels_json, R"({"backfill":"true"})");
  EXPECT_EQ(b->concurrency, 2);
  EXPECT_EQ(b->created, At(5));

  // Advancing needs the trigger's lease.
  Execution day0 = NewExecution(key_);
  EXPECT_EQ(store_->AdvanceBackfill(key_, "a", At(86400), {&day0, 1}).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->AcquireTriggerLease(key_, "a", At(10), At(40))->has_value());
  ASSERT_TRUE(store_->AdvanceBackfill(key_, "a", At(86400), {&day0, 1}).ok());
  ASSERT_TRUE(store_->GetExecution(day0.id).ok());
  EXPECT_EQ(store_->AdvanceBackfill(key_, "a", At(0), {}).code(), StatusCode::kInvalidArgument);

  // Paused: no progress, and a paused backfill still blocks a new one.
  ASSERT_TRUE(store_->SetBackfillPaused(key_, true).ok());
  EXPECT_TRUE((*store_->GetBackfill(key_))->paused());
  Execution refused = NewExecution(key_);
  Status s = store_->AdvanceBackfill(key_, "a", At(86400 * 2), {&refused, 1});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("PAUSED"), std::string::npos) << s.message();
  EXPECT_EQ(store_->GetExecution(refused.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CreateBackfill(request).code(), StatusCode::kAlreadyExists);

  // The server restarts: another connection, another owner, picks it up
  // from the stored current date once resumed.
  store_->ReleaseTriggerLeases("a").status().IgnoreError();
  store_.reset();
  std::unique_ptr<Store> restarted = Open();
  ASSERT_TRUE(restarted->SetBackfillPaused(key_, false).ok());
  auto resumed = *restarted->GetBackfill(key_);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->status, BackfillStatus::kRunning);
  EXPECT_EQ(resumed->current, At(86400));
  ASSERT_TRUE(restarted->AcquireTriggerLease(key_, "a2", At(20), At(50))->has_value());
  Execution day1 = NewExecution(key_), day2 = NewExecution(key_);
  ASSERT_TRUE(restarted->AdvanceBackfill(key_, "a2", At(86400 * 2), {&day1, 1}).ok());
  EXPECT_EQ((*restarted->GetBackfill(key_))->status, BackfillStatus::kRunning);  // the end date is still due
  ASSERT_TRUE(restarted->AdvanceBackfill(key_, "a2", At(86400 * 3), {&day2, 1}).ok());
  EXPECT_EQ((*restarted->GetBackfill(key_))->status, BackfillStatus::kDone);
  EXPECT_EQ(restarted->SetBackfillPaused(key_, true).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(restarted->AdvanceBackfill(key_, "a2", At(86400 * 4), {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(restarted->ListExecutions({})->size(), 3u);

  // A DONE backfill is replaced by the next one; deleting the trigger takes
  // its backfill along.
  Backfill next = request;
  next.start = At(86400 * 10);
  next.end = At(86400 * 11);
  ASSERT_TRUE(restarted->CreateBackfill(next).ok());
  EXPECT_EQ((*restarted->GetBackfill(key_))->current, At(86400 * 10));
  ASSERT_TRUE(restarted->UpsertTrigger({"dev", "other", "t"}, "Schedule", At(0)).ok());
  ASSERT_TRUE(restarted->CreateBackfill({.key = {"dev", "other", "t"}, .start = At(0), .end = At(0)}).ok());
  EXPECT_EQ(restarted->ListBackfills({})->size(), 2u);
  EXPECT_EQ(restarted->ListBackfills({.flow_id = "other"})->size(), 1u);
  EXPECT_TRUE(*restarted->DeleteBackfill({"dev", "other", "t"}));
  EXPECT_FALSE(*restarted->DeleteBackfill({"dev", "other", "t"}));
  ASSERT_TRUE(*restarted->DeleteTrigger(key_));
  EXPECT_FALSE(restarted->GetBackfill(key_)->has_value());
  EXPECT_TRUE(restarted->ListBackfills({})->empty());
}

// A store of schema 4 keeps its polling triggers' state in trigger_states:
// opening it moves that into triggers, and the polling API still reads it.
TEST(TriggerStoreMigrationTest, MovesSchemaFourTriggerStates) {
  auto dir = std::filesystem::temp_directory_path() / ("floe_migrate_" + NewId());
  std::filesystem::create_directories(dir);
  auto path = dir / "floe.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* v4 = R"sql(
CREATE TABLE executions (id TEXT PRIMARY KEY, namespace TEXT NOT NULL, flow_id TEXT NOT NULL, state TEXT NOT NULL,
  inputs TEXT NOT NULL, outputs TEXT NOT NULL, labels TEXT NOT NULL, flow_source TEXT NOT NULL,
  flow_path TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', trigger TEXT NOT NULL DEFAULT '',
  storage TEXT NOT NULL DEFAULT '');
CREATE TABLE trigger_states (namespace TEXT NOT NULL, flow_id TEXT NOT NULL, trigger_id TEXT NOT NULL,
  state TEXT NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (namespace, flow_id, trigger_id));
CREATE TABLE task_run_processes (task_run_id TEXT NOT NULL, pgid INTEGER NOT NULL, start_ticks INTEGER NOT NULL,
  boot_id TEXT NOT NULL, PRIMARY KEY (task_run_id, pgid));
INSERT INTO executions VALUES ('01OLD', 'dev', 'watch', 'SUCCESS', '{}', '{}', '{}', 'id: watch', '', '',
  '{"objects":[]}', '');
INSERT INTO trigger_states VALUES ('dev', 'watch', 'files', '{"seen":["a.csv"]}', 1700000000123);
INSERT INTO trigger_states VALUES ('prod', 'ingest', 'poll', '{"taken":2}', 1700000000456);
PRAGMA user_version=4;
)sql";
  ASSERT_EQ(sqlite3_exec(db, v4, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(**(*store)->GetTriggerState("dev", "watch", "files"), R"({"seen":["a.csv"]})");
    auto t = (*store)->GetTrigger({"prod", "ingest", "poll"});
    ASSERT_TRUE(t.ok() && t->has_value());
    EXPECT_EQ((*t)->state_json, R"({"taken":2})");
    EXPECT_EQ((*t)->evaluated_at, Timestamp(std::chrono::milliseconds(1700000000456)));
    EXPECT_TRUE((*t)->enabled);
    EXPECT_EQ((*t)->lease_owner, "");
    EXPECT_EQ((*store)->ListTriggers({})->size(), 2u);
    EXPECT_EQ((*store)->GetExecution("01OLD")->trigger_json, R"({"objects":[]})");
    // The server's first load keeps the state.
    auto loaded = (*store)->UpsertTrigger({"dev", "watch", "files"}, "s3.Trigger", Timestamp{});
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->state_json, R"({"seen":["a.csv"]})");
  }
  sqlite3* check = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &check), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(check,
                               "SELECT (SELECT user_version FROM pragma_user_version), "
                               "(SELECT count(*) FROM sqlite_master WHERE name = 'trigger_states'), "
                               "(SELECT count(*) FROM pragma_table_info('executions') WHERE name = 'pins')",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 9);  // migrated to the current schema
  EXPECT_EQ(sqlite3_column_int(stmt, 1), 0);
  EXPECT_EQ(sqlite3_column_int(stmt, 2), 1) << "executions gained the replay pins (schema 8)";
  sqlite3_finalize(stmt);
  sqlite3_close(check);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace floe::state
