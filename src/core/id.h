// Execution and task run ids: 26-character, lexicographically sortable by
// creation time (ULID layout: 48-bit milliseconds + 80 random bits, Crockford
// base32). Ids made in the same millisecond by one process stay increasing.
//
//   std::string id = NewId();   // "01JDQ3Z6W8R8C5V0K4X2T9M1PB"
#pragma once

#include <cstdint>
#include <string>

namespace floe {

// Thread-safe.
std::string NewId();
// The id for a given time and randomness; exposed for tests.
std::string EncodeId(uint64_t unix_ms, uint64_t random_hi16, uint64_t random_lo64);

}  // namespace floe
