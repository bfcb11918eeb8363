// What Kestra's Python and Node script tasks give a script without the user
// installing anything: the `kestra` Python module (`from kestra import
// Kestra`; Kestra.outputs({...}), counter, timer, logger) and the
// `@kestra-io/libs` Node module, which print the `::{"outputs": ...}::` lines
// the script tasks read. Internal to tasks.
#pragma once

#include <filesystem>

#include "core/status.h"

namespace floe::tasks {

enum class ScriptLanguage { kShell, kPython, kNode };

// A folder holding the helper module of `language`, to put on PYTHONPATH or
// NODE_PATH; written on first use (kShell has none: an empty path).
Result<std::filesystem::path> KestraHelperPath(ScriptLanguage language);

}  // namespace floe::tasks
