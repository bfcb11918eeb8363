// The flow-loading fuzz target's body, shared by the libFuzzer binary and the
// regression test that replays every saved input in ordinary builds.
#pragma once

#include <cstddef>
#include <cstdint>

namespace floe::fuzz {

// Loads `data` as a flow file with every built-in task type (YAML, keys,
// properties, templates, inputs, triggers) and, when it loads, resolves its
// inputs' defaults. Must never crash, hang or exhaust memory; errors are fine.
void FuzzFlow(const uint8_t* data, size_t size);

}  // namespace floe::fuzz
