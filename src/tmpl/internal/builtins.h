// Helpers shared by the built-in filters, tests and functions. Internal to tmpl.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tmpl/render_state.h"
#include "tmpl/value.h"

namespace floe::tmpl::builtins {

using Args = CallArgs;

// An error naming the filter or function: "'round': method must be ...".
Status ArgError(RenderState& st, std::string_view fn, std::string message);

// The largest (smallest) item of a list, by `attribute` (args[1]) when
// given; undefined for an empty list. The max/min filters and functions.
Result<Value> MinMax(const Value& in, Args& args, RenderState& st, bool want_max);

// Pebble's range (its `range()` and `..`): from `start` to `end` INCLUDED,
// by `step` (negative counts down); ints, or one-character strings ('a'..'e').
Result<Value> PebbleRange(const Value& start, const Value& end, int64_t step, RenderState& st);
// Argument i (or keyword `name`) as text; `fallback` when absent (else an error).
Result<std::string> StringArg(RenderState& st, std::string_view fn, const Args& args, size_t i, std::string_view name,
                              const char* fallback = nullptr);
Result<int64_t> IntArg(RenderState& st, std::string_view fn, const Args& args, size_t i, std::string_view name,
                       std::optional<int64_t> fallback = std::nullopt);
// How a value reads as text in the current dialect.
std::string Text(const Value& v, RenderState& st);
// A list's items, a map's keys, a string's characters; null is empty.
Result<ValueList> AsItems(const Value& v, RenderState& st, std::string_view fn);
// Orders numbers with numbers and strings with strings.
Result<bool> Less(const Value& a, const Value& b, bool case_sensitive);
// Follows "a.b.0" through maps and lists; undefined when it leads nowhere.
Value Attribute(const Value& v, std::string_view path);
Result<Value> ToNumber(const Value& in, RenderState& st, std::string_view fn, bool want_int);

// Each family registers itself.
void AddStringFilters(Environment& env);
void AddCollectionFilters(Environment& env);
void AddNumberAndJsonFilters(Environment& env);
void AddDateFilters(Environment& env);
void AddEncodingFilters(Environment& env);
void AddTests(Environment& env);
void AddFunctions(Environment& env);
void AddKestraFunctions(Environment& env);
void AddJqFilter(Environment& env);

}  // namespace floe::tmpl::builtins
