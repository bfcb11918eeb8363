// Value <-> JSON text. JSON objects keep their key order.
//
//   ASSIGN_OR_RETURN(Value v, ParseJson(R"({"a": [1, 2.5, null]})"));
//   ToJson(v);   // {"a":[1,2.5,null]}
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "tmpl/value.h"

namespace floe::tmpl {

// Undefined and callables serialize as null. `indent` < 0 is one line:
// compact ({"a":1}) or, with `python_spacing`, as Python's json.dumps
// writes it ({"a": 1}).
std::string ToJson(const Value& v, int indent = -1, bool python_spacing = false);
Result<Value> ParseJson(std::string_view text);

// Shortest text that reads back as the same double, always with a '.' or
// exponent ("1.0", "0.1", "1e+20").
std::string FormatDouble(double d);

}  // namespace floe::tmpl
