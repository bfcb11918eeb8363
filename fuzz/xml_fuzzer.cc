// libFuzzer entry point for the S3 XML reader. See docs/FUZZING.md.
#include "fuzz/xml_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  floe::fuzz::FuzzXml(data, size);
  return 0;
}
