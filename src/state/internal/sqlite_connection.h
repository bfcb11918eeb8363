// The SQLite store's private parts shared by its files: a connection with its
// statement cache and lock, and a prepared statement wrapper. Not part of the
// state module's API: code outside src/state uses store.h.
//
//   std::lock_guard lock(connection.mu_);
//   RETURN_IF_ERROR(connection.InTransaction([&]() -> Status {
//     ASSIGN_OR_RETURN(Stmt s, connection.Prepare("UPDATE ... WHERE id = ?"));
//     s.Bind(1, id);
//     if (s.Step() != SQLITE_DONE) return connection.Fail("update ...");
//     return Status::Ok();
//   }));
#pragma once

#include <sqlite3.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "state/model.h"

namespace floe::state::internal {

// Times are stored as integer milliseconds since the Unix epoch (`*_ms`).
inline int64_t ToMs(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline Timestamp FromMs(int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

// A prepared statement, reset on destruction so it can be reused.
class Stmt {
 public:
  Stmt(sqlite3_stmt* s) : s_(s) {}  // NOLINT
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  std::string Text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  int64_t Int(int col) { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_;
};

// One SQLite connection. Callers hold mu_ around every use (statements are
// shared and a transaction spans several calls).
class SqliteConnection {
 public:
  SqliteConnection() = default;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    if (db_) sqlite3_close(db_);
  }

  // An IoError naming the store, `what` was being done and SQLite's message.
  Status Fail(std::string_view what) const {
    return IoError("store '" + path_ + "': " + std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "cannot open"));
  }

  Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      return IoError("store '" + path_ + "': " + message);
    }
    return Status::Ok();
  }

  // A cached statement for `sql`, prepared on first use.
  Result<Stmt> Prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return Stmt(it->second);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return Fail("prepare");
    statements_.emplace(sql, stmt);
    return Stmt(stmt);
  }

  // Runs `body` in a BEGIN IMMEDIATE transaction (the write lock taken at
  // once, so reads in `body` see what the commit is based on); rolls back
  // if it fails.
  template <typename F>
  Status InTransaction(F&& body) {
    RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status s = body();
    if (!s.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return s;
    }
    return Exec("COMMIT");
  }

  // Rows changed by the last statement.
  int Changes() const { return sqlite3_changes(db_); }

  std::mutex mu_;
  sqlite3* db_ = nullptr;
  std::string path_;

 private:
  std::map<std::string, sqlite3_stmt*> statements_;
};

// Inserts an execution and its first history row; AlreadyExists if the id is
// taken. The caller holds mu_ and is in a transaction.
Status InsertExecution(SqliteConnection& c, const Execution& e);

}  // namespace floe::state::internal
