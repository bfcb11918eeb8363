// libFuzzer entry point for the template parser and renderer. See
// docs/FUZZING.md for how to build and run it.
#include "fuzz/template_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  floe::fuzz::FuzzTemplate(data, size);
  return 0;
}
