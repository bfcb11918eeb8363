#include "fuzz/avro_fuzz_target.h"

#include <string_view>

#include "iceberg/avro.h"
#include "iceberg/manifest.h"
#include "iceberg/metadata.h"

namespace floe::fuzz {

void FuzzAvro(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto file = iceberg::avro::ReadContainer(bytes, "fuzz.avro");
  volatile size_t sink = file.ok() ? file->records.size() : 0;
  auto manifest = iceberg::ReadManifest(bytes, "fuzz.avro");
  if (manifest.ok()) sink = sink + manifest->entries.size();
  auto list = iceberg::ReadManifestList(bytes, "fuzz.avro");
  if (list.ok()) sink = sink + list->manifests.size();
  // The same bytes as table metadata JSON: what parses must write and parse again.
  auto metadata = iceberg::ParseTableMetadata(bytes, "fuzz.metadata.json");
  if (metadata.ok()) {
    auto json = iceberg::TableMetadataToJson(*metadata);
    if (json.ok() && !iceberg::ParseTableMetadata(*json, "again.metadata.json").ok()) __builtin_trap();
  }
  (void)sink;
}

}  // namespace floe::fuzz
