// The CLI's control-plane commands, kept apart from cli.cc's execution
// commands: `floe server`, `floe triggers list|enable|disable|unlock` and
// `floe backfill`.
//
//   ServerCommands server_commands;
//   server_commands.Add(app, *triggers_cmd);         // before app.parse
//   ...
//   if (auto exit = server_commands.Run(home)) return *exit;  // after
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

class ServerClient;

class ServerCommands {
 public:
  ServerCommands();
  ~ServerCommands();
  // Adds `server` and `backfill` to `app` and list/enable/disable/unlock to
  // the existing `triggers` command.
  void Add(CLI::App& app, CLI::App& triggers);
  // Runs the command that was parsed, returning its exit code; nullopt when
  // none of these was. The triggers commands act on `client`'s server when
  // given.
  std::optional<int> Run(const runtime::Home& home, const ServerClient* client);

  struct Options;

 private:
  std::unique_ptr<Options> options_;
};

}  // namespace floe::cli
