// `floe models <dbt command line>`: dbt's commands run natively on the
// embedded DuckDB (models/command.h). dbt's flags are passed through as
// dbt spells them, so they are not parsed by CLI11. Internal to floe_cli.
#pragma once

namespace floe::cli {

// argv[0] is "models"; returns dbt's exit code.
int ModelsMain(int argc, char** argv);

}  // namespace floe::cli
