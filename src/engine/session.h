// DuckDB, embedded: a database opened once (a Session) and the connections
// that run SQL on it, with results handed back as floe Values. This module is
// the only one that includes DuckDB's headers (they are slow to compile).
//
//   ASSIGN_OR_RETURN(auto session, Session::Open({.database = "warehouse.duckdb"}));
//   ASSIGN_OR_RETURN(auto con, session->Connect());
//   ASSIGN_OR_RETURN(QueryResult r, con->Run({.sql = "SELECT 42 AS answer", .fetch = FetchType::kFetchOne}));
//   r.row.Get("answer")->AsInt();   // 42
//
// Every database floe opens reads and writes s3:// through floe's S3 client,
// and its COPY ... TO writes are staged so readers never see half a file
// (staged_write.h).
//
// Thread safety: a Session may be shared; Connect() and InterruptAll() may be
// called from any thread. A Connection is used by one thread at a time, but
// Interrupt() may come from any thread. Several connections of one session
// run concurrently (DuckDB's MVCC: each statement outside BEGIN ... COMMIT is
// its own transaction).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace duckdb {
class DatabaseInstance;
}

namespace floe::engine {

// Registers functions in a database as it opens (the iceberg module's
// iceberg_scan). Only modules that include DuckDB's headers write one.
using FunctionRegistrar = std::function<Status(duckdb::DatabaseInstance&)>;

struct SessionOptions {
  // Empty or ":memory:": a fresh in-memory database; otherwise a DuckDB file,
  // created when absent.
  std::string database;
  // Relative paths in reads (read_csv('x.csv')) are looked up here.
  std::optional<std::filesystem::path> working_directory;
  // An IANA time zone for TIMESTAMPTZ values ("Europe/Paris"); DuckDB's
  // default (the machine's) when empty.
  std::string time_zone;
  // Extensions to LOAD on open (already installed, or built in: no network).
  std::vector<std::string> extensions;
  // `SET name = value` for the database, applied on open.
  std::vector<std::pair<std::string, std::string>> settings;
  // Statements run once on open, after the settings (ATTACH ..., CREATE SECRET ...).
  std::vector<std::string> init_sql;
  // Run on open, before the extensions, settings and statements.
  std::vector<FunctionRegistrar> functions;
};

enum class FetchType {
  kNone,      // run; return nothing
  kFetchOne,  // the first row of the last statement, as a map
  kFetch,     // every row of the last statement, as a list of maps
  kStore,     // write the last statement's rows to `store_path` as Parquet
};

struct QueryRequest {
  // One or more statements separated by ';'.
  std::string sql;
  FetchType fetch = FetchType::kNone;
  // Named parameters ($name in SQL) for statements that declare them.
  std::vector<std::pair<std::string, tmpl::Value>> named_parameters;
  // Positional parameters (? or $1 in SQL).
  std::vector<tmpl::Value> positional_parameters;
  std::filesystem::path store_path;  // for kStore
  // Called with a function that interrupts the running query (from any
  // thread), and with nullptr when the query is over.
  std::function<void(std::function<void()>)> set_interrupt;
  // Checked before each statement: an interrupt that arrives between two
  // statements still stops the rest.
  std::function<bool()> cancelled;
};

struct QueryResult {
  tmpl::Value row;   // kFetchOne: a map, or null when there were no rows
  tmpl::Value rows;  // kFetch: a list of maps
  int64_t size = 0;  // rows fetched or stored
};

// A result with its columns' names and DuckDB types, for callers that need
// the shape as well as the values (dbt's run_query, get_columns_in_relation).
struct Column {
  std::string name;
  std::string type;  // DuckDB's name: "INTEGER", "VARCHAR", "DECIMAL(10,2)"
};
struct Table {
  std::vector<Column> columns;
  std::vector<tmpl::ValueList> rows;  // each row in column order
};

class Connection;

class Session {
 public:
  // Opens (or creates) the database and applies the options. Errors name the
  // file, the extension or the setting that failed.
  static Result<std::unique_ptr<Session>> Open(const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // A new connection with the session's working directory and time zone.
  // The session must outlive it.
  Result<std::unique_ptr<Connection>> Connect();
  // Interrupts the running statement of every open connection.
  void InterruptAll();
  // The catalog name DuckDB gives the database: the file's stem, or "memory".
  std::string DatabaseName() const;

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs the statements in order, stopping at the first error. Errors name
  // the statement (its number and first line) and carry DuckDB's message.
  Result<QueryResult> Run(const QueryRequest& request);
  // Runs statements for their effect.
  Status Execute(std::string_view sql);
  // Runs statements; the last one's rows with its columns' names and types.
  Result<Table> Query(std::string_view sql);
  // Stops the running statement (from any thread); a no-op when idle.
  void Interrupt();

  struct Impl;

 private:
  friend class Session;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One-off: opens a session on `database` (empty: in memory), connects and
// runs the request. For tests and tools; long-lived callers keep a Session.
Result<QueryResult> RunQuery(const QueryRequest& request, const std::string& database = "");

// DuckDB's version string, e.g. "v1.4.4".
std::string DuckDbVersion();

}  // namespace floe::engine
