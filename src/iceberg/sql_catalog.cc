#include "iceberg/sql_catalog.h"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <thread>

namespace floe::iceberg {
namespace {

// The tables as Iceberg's JdbcCatalog (schema V1) creates them.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS iceberg_tables (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name)
);
CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255),
  property_value VARCHAR(1000),
  PRIMARY KEY (catalog_name, namespace, property_key)
);
)sql";

// One prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  std::string Text(int i) {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  bool IsNull(int i) { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

}  // namespace

struct SqlCatalog::Impl {
  sqlite3* db = nullptr;
  std::string name;
  std::string path;
  std::mutex mu;

  Status Fail(const std::string& what) const {
    return IoError("iceberg catalog '" + path + "': " + what + ": " + sqlite3_errmsg(db));
  }
  Status Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::Ok();
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return IoError("iceberg catalog '" + path + "': " + message);
  }
  Result<bool> NamespaceExists(const std::string& ns) {
    Stmt s(db,
           "SELECT 1 FROM iceberg_namespace_properties WHERE catalog_name = ?1 AND namespace = ?2 UNION ALL "
           "SELECT 1 FROM iceberg_tables WHERE catalog_name = ?1 AND (table_namespace = ?2 OR "
           "table_namespace LIKE ?2 || '.%') LIMIT 1");
    if (!s.ok()) return Fail("prepare");
    s.Bind(1, name).Bind(2, ns);
    int rc = s.Step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail("look up namespace");
    return rc == SQLITE_ROW;
  }
};

std::string TableIdent::ToString() const { return NamespaceToString(ns) + "." + name; }

std::string NamespaceToString(const Namespace& ns) {
  std::string out;
  for (const auto& level : ns) out += (out.empty() ? "" : ".") + level;
  return out;
}

Result<Namespace> ParseNamespace(const std::string& text) {
  Namespace ns;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    std::string level = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (level.empty()) return InvalidArgument("namespace '" + text + "' has an empty level");
    ns.push_back(level);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return ns;
}

SqlCatalog::SqlCatalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqlCatalog::~SqlCatalog() { sqlite3_close(impl_->db); }

Result<std::unique_ptr<SqlCatalog>> SqlCatalog::Open(const std::filesystem::path& db, const std::string& catalog_name) {
  auto impl = std::make_unique<Impl>();
  impl->name = catalog_name;
  impl->path = db.string();
  std::error_code ec;
  if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path(), ec);
  if (sqlite3_open_v2(impl->path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    Status s = impl->Fail("open");
    sqlite3_close(impl->db);
    return s;
  }
  sqlite3_busy_timeout(impl->db, 10000);
  auto catalog = std::unique_ptr<SqlCatalog>(new SqlCatalog(std::move(impl)));
  // WAL needs an exclusive lock SQLite does not wait for: retry when another
  // process is opening the same database.
  Status wal = catalog->impl_->Exec("PRAGMA journal_mode=WAL");
  for (int i = 0; !wal.ok() && wal.message().find("locked") != std::string::npos && i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    wal = catalog->impl_->Exec("PRAGMA journal_mode=WAL");
  }
  RETURN_IF_ERROR(wal);
  RETURN_IF_ERROR(catalog->impl_->Exec(kSchema));
  return catalog;
}

Status SqlCatalog::CreateNamespace(const Namespace& ns, const std::map<std::string, std::string>& properties) {
  if (ns.empty()) return InvalidArgument("a namespace needs a name");
  std::lock_guard lock(impl_->mu);
  std::string name = NamespaceToString(ns);
  RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  auto exists = impl_->NamespaceExists(name);
  Status s = exists.ok() ? Status::Ok() : exists.status();
  if (s.ok() && *exists) s = Status(StatusCode::kAlreadyExists, "namespace " + name + " already exists");
  // pyiceberg and Java mark a namespace with an "exists" property.
  std::map<std::string, std::string> all = properties;
  all.emplace("exists", "true");
  for (const auto& [k, v] : all) {
    if (!s.ok()) break;
    Stmt insert(impl_->db,
                "INSERT INTO iceberg_namespace_properties(catalog_name, namespace, property_key, property_value) "
                "VALUES (?, ?, ?, ?)");
    insert.Bind(1, impl_->name).Bind(2, name).Bind(3, k).Bind(4, v);
    if (insert.Step() != SQLITE_DONE) s = impl_->Fail("create namespace " + name);
  }
  if (!s.ok()) {
    impl_->Exec("ROLLBACK").IgnoreError();
    return s;
  }
  return impl_->Exec("COMMIT");
}

Result<std::vector<Namespace>> SqlCatalog::ListNamespaces(const Namespace& parent) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db,
         "SELECT namespace FROM iceberg_namespace_properties WHERE catalog_name = ?1 UNION "
         "SELECT table_namespace FROM iceberg_tables WHERE catalog_name = ?1");
  if (!s.ok()) return impl_->Fail("prepare");
  s.Bind(1, impl_->name);
  std::vector<Namespace> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    auto ns = ParseNamespace(s.Text(0));
    if (!ns.ok() || ns->size() <= parent.size()) continue;
    if (!std::equal(parent.begin(), parent.end(), ns->begin())) continue;
    Namespace child(ns->begin(), ns->begin() + static_cast<long>(parent.size()) + 1);
    if (std::find(out.begin(), out.end(), child) == out.end()) out.push_back(child);
  }
  if (rc != SQLITE_DONE) return impl_->Fail("list namespaces");
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::map<std::string, std::string>> SqlCatalog::NamespaceProperties(const Namespace& ns) {
  std::lock_guard lock(impl_->mu);
  std::string name = NamespaceToString(ns);
  ASSIGN_OR_RETURN(bool exists, impl_->NamespaceExists(name));
  if (!exists) return NotFound("namespace " + name + " does not exist");
  Stmt s(impl_->db,
         "SELECT property_key, property_value FROM iceberg_namespace_properties WHERE catalog_name = ? AND "
         "namespace = ?");
  s.Bind(1, impl_->name).Bind(2, name);
  std::map<std::string, std::string> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out[s.Text(0)] = s.Text(1);
  if (rc != SQLITE_DONE) return impl_->Fail("read namespace properties");
  return out;
}

Status SqlCatalog::SetNamespaceProperties(const Namespace& ns, const std::map<std::string, std::string>& set,
                                          const std::vector<std::string>& remove) {
  std::lock_guard lock(impl_->mu);
  std::string name = NamespaceToString(ns);
  RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  auto exists = impl_->NamespaceExists(name);
  Status s = !exists.ok() ? exists.status()
             : *exists    ? Status::Ok()
                          : NotFound("namespace " + name + " does not exist");
  for (const auto& key : remove) {
    if (!s.ok()) break;
    Stmt del(impl_->db,
             "DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ? AND property_key = ?");
    del.Bind(1, impl_->name).Bind(2, name).Bind(3, key);
    if (del.Step() != SQLITE_DONE) s = impl_->Fail("remove a namespace property");
  }
  for (const auto& [k, v] : set) {
    if (!s.ok()) break;
    Stmt upsert(impl_->db,
                "INSERT INTO iceberg_namespace_properties(catalog_name, namespace, property_key, property_value) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(catalog_name, namespace, property_key) DO UPDATE SET "
                "property_value = excluded.property_value");
    upsert.Bind(1, impl_->name).Bind(2, name).Bind(3, k).Bind(4, v);
    if (upsert.Step() != SQLITE_DONE) s = impl_->Fail("set a namespace property");
  }
  if (!s.ok()) {
    impl_->Exec("ROLLBACK").IgnoreError();
    return s;
  }
  return impl_->Exec("COMMIT");
}

Status SqlCatalog::DropNamespace(const Namespace& ns) {
  std::lock_guard lock(impl_->mu);
  std::string name = NamespaceToString(ns);
  RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  Stmt tables(impl_->db, "SELECT count(*) FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ?");
  tables.Bind(1, impl_->name).Bind(2, name);
  Status s = tables.Step() == SQLITE_ROW ? Status::Ok() : impl_->Fail("count tables");
  if (s.ok() && tables.Text(0) != "0")
    s = FailedPrecondition("namespace " + name + " still has " + tables.Text(0) + " table(s): drop them first");
  if (s.ok()) {
    auto exists = impl_->NamespaceExists(name);
    if (!exists.ok())
      s = exists.status();
    else if (!*exists)
      s = NotFound("namespace " + name + " does not exist");
  }
  if (s.ok()) {
    Stmt del(impl_->db, "DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?");
    del.Bind(1, impl_->name).Bind(2, name);
    if (del.Step() != SQLITE_DONE) s = impl_->Fail("drop namespace");
  }
  if (!s.ok()) {
    impl_->Exec("ROLLBACK").IgnoreError();
    return s;
  }
  return impl_->Exec("COMMIT");
}

Status SqlCatalog::CreateTable(const TableIdent& table, const std::string& metadata_location) {
  std::lock_guard lock(impl_->mu);
  std::string ns = NamespaceToString(table.ns);
  RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  auto exists = impl_->NamespaceExists(ns);
  Status s = !exists.ok() ? exists.status() : *exists ? Status::Ok() : NotFound("namespace " + ns + " does not exist");
  if (s.ok()) {
    Stmt insert(impl_->db,
                "INSERT INTO iceberg_tables(catalog_name, table_namespace, table_name, metadata_location, "
                "previous_metadata_location, iceberg_type) VALUES (?, ?, ?, ?, NULL, 'TABLE')");
    insert.Bind(1, impl_->name).Bind(2, ns).Bind(3, table.name).Bind(4, metadata_location);
    int rc = insert.Step();
    if (rc == SQLITE_CONSTRAINT)
      s = Status(StatusCode::kAlreadyExists, "table " + table.ToString() + " already exists");
    else if (rc != SQLITE_DONE)
      s = impl_->Fail("create table " + table.ToString());
  }
  if (!s.ok()) {
    impl_->Exec("ROLLBACK").IgnoreError();
    return s;
  }
  return impl_->Exec("COMMIT");
}

Result<std::string> SqlCatalog::LoadTable(const TableIdent& table) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db,
         "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND "
         "table_name = ? AND (iceberg_type IS NULL OR iceberg_type = 'TABLE')");
  s.Bind(1, impl_->name).Bind(2, NamespaceToString(table.ns)).Bind(3, table.name);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return NotFound("table " + table.ToString() + " does not exist");
  if (rc != SQLITE_ROW) return impl_->Fail("load table " + table.ToString());
  if (s.IsNull(0)) return FailedPrecondition("table " + table.ToString() + " has no metadata location");
  return s.Text(0);
}

Result<std::vector<TableIdent>> SqlCatalog::ListTables(const Namespace& ns) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db,
         "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND "
         "(iceberg_type IS NULL OR iceberg_type = 'TABLE') ORDER BY table_name");
  s.Bind(1, impl_->name).Bind(2, NamespaceToString(ns));
  std::vector<TableIdent> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({ns, s.Text(0)});
  if (rc != SQLITE_DONE) return impl_->Fail("list tables");
  return out;
}

Status SqlCatalog::CommitTable(const TableIdent& table, const std::string& expected, const std::string& next) {
  return CommitTables({{table, expected, next}});
}

Status SqlCatalog::CommitTables(const std::vector<TableCommit>& commits) {
  std::lock_guard lock(impl_->mu);
  RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  Status s = Status::Ok();
  for (const auto& c : commits) {
    Stmt u(impl_->db,
           "UPDATE iceberg_tables SET metadata_location = ?1, previous_metadata_location = metadata_location "
           "WHERE catalog_name = ?2 AND table_namespace = ?3 AND table_name = ?4 AND metadata_location = ?5");
    u.Bind(1, c.new_location).Bind(2, impl_->name).Bind(3, NamespaceToString(c.table.ns)).Bind(4, c.table.name);
    u.Bind(5, c.expected_location);
    if (u.Step() != SQLITE_DONE) {
      s = impl_->Fail("commit table " + c.table.ToString());
      break;
    }
    if (sqlite3_changes(impl_->db) == 1) continue;
    Stmt now(impl_->db,
             "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND "
             "table_name = ?");
    now.Bind(1, impl_->name).Bind(2, NamespaceToString(c.table.ns)).Bind(3, c.table.name);
    s = now.Step() != SQLITE_ROW
            ? NotFound("table " + c.table.ToString() + " does not exist")
            : FailedPrecondition("commit conflict on table " + c.table.ToString() + ": it is at " + now.Text(0) +
                                 ", not at " + c.expected_location + " (another writer committed first)");
    break;
  }
  if (!s.ok()) {
    impl_->Exec("ROLLBACK").IgnoreError();  // the error that matters is `s`
    return s;
  }
  return impl_->Exec("COMMIT");
}

Status SqlCatalog::DropTable(const TableIdent& table) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?");
  s.Bind(1, impl_->name).Bind(2, NamespaceToString(table.ns)).Bind(3, table.name);
  if (s.Step() != SQLITE_DONE) return impl_->Fail("drop table " + table.ToString());
  if (sqlite3_changes(impl_->db) == 0) return NotFound("table " + table.ToString() + " does not exist");
  return Status::Ok();
}

Status SqlCatalog::RenameTable(const TableIdent& from, const TableIdent& to) {
  std::lock_guard lock(impl_->mu);
  RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  auto exists = impl_->NamespaceExists(NamespaceToString(to.ns));
  Status s = !exists.ok() ? exists.status()
             : *exists    ? Status::Ok()
                          : NotFound("namespace " + NamespaceToString(to.ns) + " does not exist");
  if (s.ok()) {
    Stmt u(impl_->db,
           "UPDATE iceberg_tables SET table_namespace = ?, table_name = ? WHERE catalog_name = ? AND "
           "table_namespace = ? AND table_name = ?");
    u.Bind(1, NamespaceToString(to.ns)).Bind(2, to.name).Bind(3, impl_->name).Bind(4, NamespaceToString(from.ns));
    u.Bind(5, from.name);
    int rc = u.Step();
    if (rc == SQLITE_CONSTRAINT)
      s = Status(StatusCode::kAlreadyExists, "table " + to.ToString() + " already exists");
    else if (rc != SQLITE_DONE)
      s = impl_->Fail("rename table");
    else if (sqlite3_changes(impl_->db) == 0)
      s = NotFound("table " + from.ToString() + " does not exist");
  }
  if (!s.ok()) {
    impl_->Exec("ROLLBACK").IgnoreError();
    return s;
  }
  return impl_->Exec("COMMIT");
}

}  // namespace floe::iceberg
