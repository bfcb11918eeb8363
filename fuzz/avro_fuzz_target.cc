#include "fuzz/avro_fuzz_target.h"

#include <string_view>

#include "iceberg/avro.h"
#include "iceberg/manifest.h"

namespace floe::fuzz {

void FuzzAvro(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto file = iceberg::avro::ReadContainer(bytes, "fuzz.avro");
  volatile size_t sink = file.ok() ? file->records.size() : 0;
  auto manifest = iceberg::ReadManifest(bytes, "fuzz.avro");
  if (manifest.ok()) sink = sink + manifest->entries.size();
  auto list = iceberg::ReadManifestList(bytes, "fuzz.avro");
  if (list.ok()) sink = sink + list->manifests.size();
  (void)sink;
}

}  // namespace floe::fuzz
