// Helpers the renderer's files share. Internal to tmpl.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tmpl/value.h"

namespace floe::tmpl {

struct Node;

// "an int", "a list", "an undefined value": for error messages.
std::string Describe(const Value& v);
// "did you mean 'x'? defined here: a, b, c" for an unknown name.
std::string AvailableHint(std::string_view missing, const std::vector<std::string>& names);
// "inputs.name" for a chain of names and attributes; "" for anything else.
std::string ExpressionPath(const Node& node);

}  // namespace floe::tmpl
