#include "cli/models_command.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "models/command.h"

namespace floe::cli {

int ModelsMain(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::printf(
        "usage: floe models COMMAND [dbt flags]\n"
        "  Builds a dbt project (dbt_project.yml in the current folder or --project-dir) on DuckDB, in process.\n"
        "  COMMAND: build, run, test, seed, snapshot, compile, ls, show, parse, deps, clean, debug, docs generate\n"
        "  flags as dbt spells them: -s/--select, --exclude, --selector, --full-refresh, --threads N,\n"
        "  --vars '{k: v}', --target NAME, --profiles-dir DIR, --project-dir DIR, --fail-fast\n");
    return args.empty() ? 2 : 0;
  }
  models::CommandEnvironment env{
      .working_directory = std::filesystem::current_path(),
      .out = [](const std::string& line) { std::printf("%s\n", line.c_str()); },
      .err = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); },
  };
  return models::RunCommand(args, env).exit_code;
}

}  // namespace floe::cli
