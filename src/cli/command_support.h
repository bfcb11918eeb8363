// What every `floe` command shares: exit codes, error reporting and the
// --input NAME=VALUE flags. Internal to floe_cli.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // the execution (or backfill) did not succeed
constexpr int kExitUsage = 2;   // bad arguments or input, or floe could not do what was asked

// Prints "error: ..." to stderr; returns kExitUsage.
int Report(const Status& s);

// --input NAME=VALUE flags as a map of text inputs.
Result<std::map<std::string, tmpl::Value>> ParseInputFlags(const std::vector<std::string>& flags);

}  // namespace floe::cli
