// DuckDB, embedded: run SQL and hand results back as floe Values. This module
// is the only one that includes DuckDB's headers (they are slow to compile).
//
//   QueryRequest request{.sql = "SELECT 42 AS answer", .fetch = FetchType::kFetchOne};
//   ASSIGN_OR_RETURN(QueryResult r, RunQuery(request));
//   r.row.Get("answer")->AsInt();   // 42
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::engine {

enum class FetchType {
  kNone,      // run; return nothing
  kFetchOne,  // the first row of the last statement, as a map
  kFetch,     // every row of the last statement, as a list of maps
  kStore,     // write the last statement's rows to `store_path` as Parquet
};

struct QueryRequest {
  // Empty or ":memory:": a fresh in-memory database; otherwise a DuckDB file.
  std::string database;
  // One or more statements separated by ';'.
  std::string sql;
  FetchType fetch = FetchType::kNone;
  // Named parameters ($name in SQL) for statements that declare them.
  std::vector<std::pair<std::string, tmpl::Value>> named_parameters;
  // Positional parameters (? or $1 in SQL).
  std::vector<tmpl::Value> positional_parameters;
  // Relative paths in reads (read_csv('x.csv')) are looked up here.
  std::optional<std::filesystem::path> working_directory;
  std::filesystem::path store_path;  // for kStore
  // An IANA time zone for TIMESTAMPTZ values ("Europe/Paris"); DuckDB's
  // default (the machine's) when empty.
  std::string time_zone;
  // Called with a function that interrupts the running query (from any
  // thread), and with nullptr before the query's connection goes away.
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

// Runs the statements in order, stopping at the first error. Errors name the
// statement (its number and first line) and carry DuckDB's message.
Result<QueryResult> RunQuery(const QueryRequest& request);

// DuckDB's version string, e.g. "v1.4.4".
std::string DuckDbVersion();

}  // namespace floe::engine
