// The SQL catalog Iceberg's JdbcCatalog and pyiceberg's SqlCatalog share:
// tables `iceberg_tables` (a pointer per table to its current metadata
// file) and `iceberg_namespace_properties`, here in a SQLite database (floe's
// store by default), so other engines pointed at the same database see the
// same tables. A commit is a compare-and-swap of the metadata location.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace floe::iceberg {

// A namespace's levels ("db", or "lake", "sales"), written joined by dots.
using Namespace = std::vector<std::string>;

struct TableIdent {
  Namespace ns;
  std::string name;
  std::string ToString() const;
};

class SqlCatalog {
 public:
  // Opens (creating its tables if needed) the catalog `catalog_name` in the
  // SQLite database at `db`; several processes may open one at once.
  static Result<std::unique_ptr<SqlCatalog>> Open(const std::filesystem::path& db,
                                                  const std::string& catalog_name = "floe");
  ~SqlCatalog();
  SqlCatalog(const SqlCatalog&) = delete;
  SqlCatalog& operator=(const SqlCatalog&) = delete;

  // AlreadyExists when it exists.
  Status CreateNamespace(const Namespace& ns, const std::map<std::string, std::string>& properties = {});
  // Namespaces directly under `parent` (top-level ones for an empty parent).
  Result<std::vector<Namespace>> ListNamespaces(const Namespace& parent = {});
  // NotFound when it does not exist.
  Result<std::map<std::string, std::string>> NamespaceProperties(const Namespace& ns);
  Status SetNamespaceProperties(const Namespace& ns, const std::map<std::string, std::string>& set,
                                const std::vector<std::string>& remove);
  // FailedPrecondition while it holds tables.
  Status DropNamespace(const Namespace& ns);

  // Records a new table at its first metadata file; AlreadyExists.
  Status CreateTable(const TableIdent& table, const std::string& metadata_location);
  // The current metadata file; NotFound.
  Result<std::string> LoadTable(const TableIdent& table);
  Result<std::vector<TableIdent>> ListTables(const Namespace& ns);
  // Points the table at `new_location` only if it still points at
  // `expected_location`; otherwise FailedPrecondition naming what it points
  // at now (another writer committed first: re-read, re-validate, retry).
  Status CommitTable(const TableIdent& table, const std::string& expected_location, const std::string& new_location);
  // Several tables' commits as one: every table moves, or none does (the
  // first conflict is the error).
  struct TableCommit {
    TableIdent table;
    std::string expected_location, new_location;
  };
  Status CommitTables(const std::vector<TableCommit>& commits);
  Status DropTable(const TableIdent& table);
  Status RenameTable(const TableIdent& from, const TableIdent& to);

 private:
  struct Impl;
  explicit SqlCatalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "db.sales" -> {"db", "sales"}; empty levels are an error.
Result<Namespace> ParseNamespace(const std::string& text);
std::string NamespaceToString(const Namespace& ns);

}  // namespace floe::iceberg
