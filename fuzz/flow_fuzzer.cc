// libFuzzer entry point for flow loading. See docs/FUZZING.md for how to build
// and run it.
#include "fuzz/flow_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  floe::fuzz::FuzzFlow(data, size);
  return 0;
}
