#include "tmpl/internal/builtins.h"

#include "tmpl/template.h"

namespace floe::tmpl {

Environment Environment::Standard(Dialect dialect) {
  Environment env;
  env.dialect = dialect;
  env.keep_trailing_newline = dialect == Dialect::kPebble;
  env.undefined = dialect == Dialect::kPebble ? UndefinedBehavior::kStrict : UndefinedBehavior::kLenient;
  builtins::AddStringFilters(env);
  builtins::AddCollectionFilters(env);
  builtins::AddNumberAndJsonFilters(env);
  builtins::AddDateFilters(env);
  builtins::AddEncodingFilters(env);
  builtins::AddTests(env);
  builtins::AddFunctions(env);
  builtins::AddKestraFunctions(env);
  builtins::AddJqFilter(env);
  return env;
}

}  // namespace floe::tmpl
