// The Iceberg Avro fuzz target's body (see template_fuzz_target.h for the pattern).
#pragma once

#include <cstddef>
#include <cstdint>

namespace floe::fuzz {

// Reads `data` as an Avro container file, then as an Iceberg manifest and
// manifest list, then as table metadata JSON (which, when it parses, must
// write and parse again). Must never crash, hang or trip a sanitizer;
// errors are fine.
void FuzzAvro(const uint8_t* data, size_t size);

}  // namespace floe::fuzz
