// libFuzzer entry point for the Iceberg Avro readers. See docs/FUZZING.md.
#include "fuzz/avro_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  floe::fuzz::FuzzAvro(data, size);
  return 0;
}
