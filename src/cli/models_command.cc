#include "cli/models_command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/time.h"
#include "models/command.h"
#include "models/fingerprint.h"
#include "runtime/home.h"
#include "state/store.h"

namespace floe::cli {
namespace {

// Build fingerprints kept in the home's SQLite store.
class StoreFingerprints final : public models::FingerprintStore {
 public:
  explicit StoreFingerprints(state::Store& store) : store_(store) {}
  Result<std::map<std::string, std::string>> Load(const std::string& scope) override {
    return store_.GetModelFingerprints(scope);
  }
  Status Save(const std::string& scope, const std::vector<std::pair<std::string, std::string>>& built) override {
    return store_.PutModelFingerprints(scope, built, SystemClock().Now());
  }

 private:
  state::Store& store_;
};

}  // namespace

int ModelsMain(int argc, char** argv) {
  std::vector<std::string> args;
  std::string home_flag;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--home" && i + 1 < argc) {
      home_flag = argv[++i];
    } else if (a.starts_with("--home=")) {
      home_flag = a.substr(7);
    } else {
      args.push_back(std::move(a));
    }
  }
  bool help = std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
  if (args.empty() || help) {
    std::printf(
        "usage: floe models COMMAND [dbt flags] [--home DIR]\n"
        "  Builds a dbt project (dbt_project.yml in the current folder or --project-dir) on DuckDB, in process.\n"
        "  COMMAND: build, run, test, seed, snapshot, compile, ls, show, parse, deps, clean, debug, docs generate\n"
        "  flags as dbt spells them: -s/--select, --exclude, --selector, --full-refresh, --threads N,\n"
        "  --vars '{k: v}', --target NAME, --profiles-dir DIR, --project-dir DIR, --fail-fast, --state DIR\n"
        "  --skip-unchanged: build only nodes whose SQL, config, seed data or upstream changed since their\n"
        "  last successful build (fingerprints kept in floe's home: --home, $FLOE_HOME or ./.floe)\n"
        "  models materialized as 'iceberg' are tables in the home's Iceberg catalog; build --audit-branch NAME\n"
        "  writes them to that branch and publishes them to main only when every test passes\n");
    return args.empty() ? 2 : 0;
  }
  models::CommandEnvironment env{
      .working_directory = std::filesystem::current_path(),
      .out = [](const std::string& line) { std::printf("%s\n", line.c_str()); },
      .err =
          [](const std::string& line) {
            std::fflush(stdout);  // in order with the lines before it when both go to one file
            std::fprintf(stderr, "%s\n", line.c_str());
          },
  };
  // Only commands that build need the store; `ls` or `parse` leave no trace.
  // Those that run SQL can read the home's Iceberg tables.
  static const std::vector<std::string> kBuilding = {"build", "run", "seed", "snapshot", "test"};
  std::unique_ptr<state::Store> store;
  std::unique_ptr<StoreFingerprints> fingerprints;
  std::string command = args[0] == "dbt" && args.size() > 1 ? args[1] : args[0];
  bool building = std::find(kBuilding.begin(), kBuilding.end(), command) != kBuilding.end();
  if (building || command == "show" || command == "compile") {
    runtime::Home home = runtime::ResolveHome(home_flag, "", "");
    flow::LakeSettings lake = home.lake_settings();
    env.lake_catalog = lake.catalog;
    env.lake_warehouse = lake.warehouse;
    if (building) {
      auto opened = state::OpenSqliteStore(home.database());
      if (!opened.ok()) {
        std::fprintf(stderr, "error: %s\n", opened.status().ToString().c_str());
        return 2;
      }
      store = std::move(*opened);
      fingerprints = std::make_unique<StoreFingerprints>(*store);
      env.fingerprints = fingerprints.get();
    }
  }
  return models::RunCommand(args, env).exit_code;
}

}  // namespace floe::cli
