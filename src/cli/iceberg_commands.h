// `floe iceberg ls|describe|history|snapshots|files|create|expire|compact|
// remove-orphans|rollback|publish`: the lakehouse's Iceberg tables (the catalog in the
// home's floe.db, the warehouse under its lake folder or $FLOE_WAREHOUSE).
//
//   IcebergCommands iceberg;
//   iceberg.Add(app);                                // before app.parse
//   if (auto exit = iceberg.Run(home)) return *exit;  // after
//
// Internal to floe_cli.
#pragma once

#include <memory>
#include <optional>

#include "runtime/home.h"

namespace CLI {
class App;
}

namespace floe::cli {

class IcebergCommands {
 public:
  IcebergCommands();
  ~IcebergCommands();
  void Add(CLI::App& app);
  // The exit code of the command that was parsed; nullopt when none was.
  std::optional<int> Run(const runtime::Home& home);

  struct Options;

 private:
  std::unique_ptr<Options> options_;
};

}  // namespace floe::cli
