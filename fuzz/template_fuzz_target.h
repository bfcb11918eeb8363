// The template fuzz target's body, shared by the libFuzzer binary and the
// regression test that replays every saved input in ordinary builds.
#pragma once

#include <cstddef>
#include <cstdint>

namespace floe::fuzz {

// Compiles `data` as a template in both dialects and renders it against a
// small context. Must never crash, hang or trip a sanitizer; errors are fine.
void FuzzTemplate(const uint8_t* data, size_t size);

}  // namespace floe::fuzz
