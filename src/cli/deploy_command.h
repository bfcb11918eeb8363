// `floe deploy DIR|GIT_URL`: GitOps. Syncs the flows and namespace files of
// a folder (or of a git repository, cloned first) to a running server
// through its API, printing what changes first:
//
//   $ floe deploy ./flows --server http://ci:8080 --namespace company --delete
//   + flow company.team/load_orders
//   ~ flow company.team/report
//   - flow company.team/old
//   + file company.team:/queries/orders.sql
//   deploy: 2 to add, 1 to change, 1 to delete
//
// Without --delete nothing is deleted (the plan says what would be); with
// --dry-run nothing is changed. The folder is laid out as a flows folder
// (flow/folder_sync.h).
#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace floe::cli {

class ServerClient;

class DeployCommand {
 public:
  DeployCommand();
  ~DeployCommand();
  void Add(CLI::App& app);
  // The exit code when `deploy` was parsed; nullopt otherwise. `client`: the
  // server named by --server or $FLOE_SERVER (null when none was).
  std::optional<int> Run(const ServerClient* client);

  struct Options;

 private:
  std::unique_ptr<Options> options_;
};

}  // namespace floe::cli
