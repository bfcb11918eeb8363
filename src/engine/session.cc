#include "engine/session.h"

#include "engine/internal/session_impl.h"

namespace floe::engine {

std::string DuckDbErrorText(const std::exception& e) {
  duckdb::ErrorData error(e);
  return error.Message();
}

std::string QuoteSqlLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::Open(const SessionOptions& options) {
  std::string path = options.database.empty() ? ":memory:" : options.database;
  auto impl = std::make_unique<Impl>();
  try {
    // s3:// through floe's S3 client; globs skip the staging of writes.
    duckdb::DBConfig config;
    auto fs = duckdb::make_uniq<LakeFileSystem>();
    impl->s3 = &fs->s3();
    config.file_system = std::move(fs);
    impl->db = std::make_unique<duckdb::DuckDB>(path == ":memory:" ? nullptr : path.c_str(), &config);
  } catch (const std::exception& e) {
    return IoError("cannot open DuckDB database '" + path + "': " + DuckDbErrorText(e));
  }
  impl->database_name = path == ":memory:" ? "memory" : std::filesystem::path(path).stem().string();
  for (const auto& registrar : options.functions) {
    Status s;
    try {
      s = registrar(*impl->db->instance);
    } catch (const std::exception& e) {
      s = Internal(DuckDbErrorText(e));
    }
    if (!s.ok()) return std::move(s).WithContext("registering functions in DuckDB database '" + path + "'");
  }
  // Per-connection settings: DuckDB keeps these in each connection's client
  // context, so every connection the session makes repeats them.
  if (options.working_directory)
    impl->connection_setup.push_back("SET file_search_path = " + QuoteSqlLiteral(options.working_directory->string()));
  if (!options.time_zone.empty())
    impl->connection_setup.push_back("SET TimeZone = " + QuoteSqlLiteral(options.time_zone));

  std::unique_ptr<Session> session(new Session(std::move(impl)));
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> con, session->Connect());
  for (const auto& extension : options.extensions) {
    Status s = con->Execute("LOAD " + extension);
    if (!s.ok()) return std::move(s).WithContext("extension '" + extension + "'");
  }
  for (const auto& [name, value] : options.settings) {
    Status s = con->Execute("SET GLOBAL " + name + " = " + QuoteSqlLiteral(value));
    if (!s.ok()) return std::move(s).WithContext("setting '" + name + "'");
  }
  for (const auto& sql : options.init_sql) RETURN_IF_ERROR(con->Execute(sql));
  return session;
}

Result<std::unique_ptr<Connection>> Session::Connect() {
  auto impl = std::make_unique<Connection::Impl>();
  impl->session = impl_.get();
  try {
    impl->con = std::make_unique<duckdb::Connection>(*impl_->db);
  } catch (const std::exception& e) {
    return Internal("cannot connect to DuckDB: " + DuckDbErrorText(e));
  }
  for (const auto& sql : impl_->connection_setup) {
    auto r = impl->con->Query(sql);
    if (r->HasError()) return InvalidArgument(sql + ": " + r->GetError());
  }
  Connection::Impl* raw = impl.get();
  {
    std::lock_guard lock(impl_->mu);
    impl_->open.insert(raw);
  }
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

void Session::InterruptAll() {
  std::lock_guard lock(impl_->mu);
  for (Connection::Impl* c : impl_->open) c->con->Interrupt();
}

std::string Session::DatabaseName() const { return impl_->database_name; }

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Connection::~Connection() {
  std::lock_guard lock(impl_->session->mu);
  impl_->session->open.erase(impl_.get());
}

void Connection::Interrupt() { impl_->con->Interrupt(); }

Result<QueryResult> RunQuery(const QueryRequest& request, const std::string& database) {
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Open({.database = database}));
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> con, session->Connect());
  return con->Run(request);
}

std::string DuckDbVersion() { return duckdb::DuckDB::LibraryVersion(); }

}  // namespace floe::engine
