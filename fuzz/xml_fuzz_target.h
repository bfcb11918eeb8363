// The S3 XML fuzz target's body (see template_fuzz_target.h for the pattern).
#pragma once

#include <cstddef>
#include <cstdint>

namespace floe::fuzz {

// Parses `data` as an S3 answer and walks the result. Must never crash, hang
// or trip a sanitizer; errors are fine.
void FuzzXml(const uint8_t* data, size_t size);

}  // namespace floe::fuzz
