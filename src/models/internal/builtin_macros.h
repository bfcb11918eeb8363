// The macros dbt ships that projects call or override: the generic tests
// (unique, not_null, accepted_values, relationships), get_where_subquery and
// the common cross-database macros, written for DuckDB. Parsed as the
// package "dbt": `dbt.current_timestamp()` and bare `current_timestamp()`.
#pragma once

#include <string_view>

namespace floe::models {

std::string_view BuiltinMacros();

}  // namespace floe::models
