// The DuckDB objects behind Session and Connection, shared by session.cc
// (opening, connecting) and query.cc (running statements). Includes DuckDB.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "duckdb.hpp"
#include "engine/s3_file_system.h"
#include "engine/session.h"

namespace floe::engine {

struct Session::Impl {
  std::unique_ptr<duckdb::DuckDB> db;
  S3FileSystem* s3 = nullptr;  // owned by the database's file system
  std::string database_name;
  std::vector<std::string> connection_setup;  // SET statements each new connection runs

  std::mutex mu;
  std::set<Connection::Impl*> open;  // for InterruptAll
};

struct Connection::Impl {
  Session::Impl* session = nullptr;
  std::unique_ptr<duckdb::Connection> con;
};

// DuckDB's message of an exception it threw.
std::string DuckDbErrorText(const std::exception& e);

// 'text' as a SQL string literal.
std::string QuoteSqlLiteral(std::string_view text);

}  // namespace floe::engine
