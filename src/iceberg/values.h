// Iceberg's primitive values as floe holds them, their single-value binary
// serialization (the spec's Appendix D: column bounds and partition
// summaries), and the partition transforms applied to them (Appendix B's
// 32-bit Murmur3 for bucket).
//
// A value is a tmpl::Value: boolean a bool; int, long, date (days), time
// (micros), timestamp(tz) (micros) an int; float and double a double;
// string text; uuid, fixed and binary a string of raw bytes; decimal its
// unscaled value as an int (precision up to 18).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "iceberg/partition.h"
#include "iceberg/types.h"
#include "tmpl/value.h"

namespace floe::iceberg {

// Orders two values of one primitive type (numbers, text as bytes,
// booleans): for bounds and partition summaries.
bool ValueLess(const tmpl::Value& a, const tmpl::Value& b);

Result<std::string> ToBound(const Type& type, const tmpl::Value& value);
// Reads a bound back; an old bound of a promoted column is read by its
// length (a 4-byte long was written as an int, a 4-byte double as a float).
Result<tmpl::Value> FromBound(const Type& type, std::string_view bytes);

// Murmur3 x86 32-bit, seed 0, as a signed int (the spec's hash).
int32_t Murmur3(std::string_view bytes);
// The spec's bucket hash of a value of `type`.
Result<int32_t> BucketHash(const Type& type, const tmpl::Value& value);
// The partition value `t` gives for `value` of `source` (null for null).
Result<tmpl::Value> ApplyTransform(const Transform& t, const Type& source, const tmpl::Value& value);

}  // namespace floe::iceberg
