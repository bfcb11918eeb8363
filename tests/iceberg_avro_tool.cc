// The Avro side of tests/iceberg_avro_differential.py: writes the manifests
// and manifest lists floe writes, and reads any Avro file back as JSON, so an
// independent Avro implementation (Debian's python3-avro) can check both
// directions.
//
//   iceberg_avro_tool write DIR    manifest.avro, manifest-list.avro, expected.json
//   iceberg_avro_tool read FILE    {"metadata": {...}, "records": [...]}; bytes as {"hex": "..."}
#include <cstdio>
#include <fstream>
#include <sstream>

#include "iceberg/avro.h"
#include "iceberg/manifest.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// A decoded value as JSON, with bytes and fixed values as {"hex": ...}.
tmpl::Value Shown(const avro::Schema& s, const tmpl::Value& v) {
  using T = avro::Schema::Type;
  switch (s.type) {
    case T::kBytes:
    case T::kFixed:
      return tmpl::Value::MakeMap({{"hex", tmpl::Value(Hex(v.AsString()))}});
    case T::kRecord: {
      tmpl::ValueMap m;
      for (size_t i = 0; i < s.fields.size() && v.is_list() && i < v.AsList().size(); ++i)
        m.Set(s.fields[i].name, Shown(*s.fields[i].schema, v.AsList()[i]));
      return tmpl::Value(std::move(m));
    }
    case T::kArray: {
      tmpl::ValueList l;
      for (const auto& item : v.AsList()) l.push_back(Shown(*s.items, item));
      return tmpl::Value(std::move(l));
    }
    case T::kMap: {
      tmpl::ValueMap m;
      for (const auto& [k, item] : v.AsMap()) m.Set(k, Shown(*s.items, item));
      return tmpl::Value(std::move(m));
    }
    case T::kUnion:
      if (v.is_null()) return v;
      for (const auto& b : s.branches)
        if (b->type != T::kNull) return Shown(*b, v);
      return v;
    default:
      return v;
  }
}

int Write(const std::string& dir) {
  auto schema_json = tmpl::ParseJson(R"({"type": "struct", "schema-id": 1, "fields": [
    {"id": 1, "name": "id", "required": true, "type": "long"},
    {"id": 2, "name": "region", "required": false, "type": "string"},
    {"id": 3, "name": "ts", "required": false, "type": "timestamptz"}]})");
  auto spec_json = tmpl::ParseJson(R"({"spec-id": 0, "fields": [
    {"source-id": 2, "field-id": 1000, "name": "region", "transform": "identity"},
    {"source-id": 3, "field-id": 1001, "name": "ts_day", "transform": "day"}]})");
  Manifest m{.schema = *SchemaFromJson(*schema_json), .spec = *PartitionSpecFromJson(*spec_json)};
  for (int i = 0; i < 3; ++i) {
    ManifestEntry e;
    e.file.file_path = "data/region=eu/" + std::to_string(i) + ".parquet";
    e.file.partition = {tmpl::Value("eu"), tmpl::Value(int64_t{19000 + i})};
    e.file.record_count = 10 + i;
    e.file.file_size_in_bytes = 1000 + i;
    e.file.value_counts = {{1, 10 + i}};
    e.file.null_value_counts = {{2, i}};
    e.file.lower_bounds = {{1, std::string("\x01\0\0\0\0\0\0\0", 8)}};
    e.file.upper_bounds = {{2, "eu"}};
    m.entries.push_back(e);
  }
  auto manifest = WriteManifest(m);
  // A delete manifest: one position delete file for the first data file.
  Manifest d{.schema = m.schema, .spec = m.spec, .deletes = true};
  ManifestEntry del;
  del.file.content = FileContent::kPositionDeletes;
  del.file.file_path = "data/region=eu/0-deletes.parquet";
  del.file.partition = {tmpl::Value("eu"), tmpl::Value(int64_t{19000})};
  del.file.record_count = 2;
  del.file.file_size_in_bytes = 500;
  del.file.lower_bounds = {{2147483546, "data/region=eu/0.parquet"}};
  del.file.upper_bounds = {{2147483546, "data/region=eu/0.parquet"}};
  d.entries.push_back(del);
  auto deletes = WriteManifest(d);
  if (!deletes.ok()) {
    std::fprintf(stderr, "%s\n", deletes.status().ToString().c_str());
    return 1;
  }
  std::ofstream(dir + "/deletes.avro", std::ios::binary) << *deletes;
  ManifestList list{.snapshot_id = 123456789, .sequence_number = 1};
  list.manifests.push_back(
      {.manifest_path = dir + "/manifest.avro",
       .manifest_length = manifest.ok() ? static_cast<int64_t>(manifest->size()) : 0,
       .sequence_number = 1,
       .min_sequence_number = 1,
       .added_snapshot_id = 123456789,
       .added_files_count = 3,
       .added_rows_count = 33,
       .partitions = std::vector<FieldSummary>{{.lower_bound = "eu", .upper_bound = "eu"}, {.contains_null = false}}});
  auto manifest_list = WriteManifestList(list);
  if (!manifest.ok() || !manifest_list.ok()) {
    std::fprintf(stderr, "%s\n", (!manifest.ok() ? manifest.status() : manifest_list.status()).ToString().c_str());
    return 1;
  }
  std::ofstream(dir + "/manifest.avro", std::ios::binary) << *manifest;
  std::ofstream(dir + "/manifest-list.avro", std::ios::binary) << *manifest_list;
  return 0;
}

int Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto file = avro::ReadContainer(bytes.str(), path);
  if (!file.ok()) {
    std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
    return 1;
  }
  tmpl::ValueMap metadata;
  for (const auto& [k, v] : file->metadata) metadata.Set(k, tmpl::Value(v));
  tmpl::ValueList records;
  for (const auto& r : file->records) records.push_back(Shown(*file->schema, r));
  std::printf("%s\n", tmpl::ToJson(tmpl::Value::MakeMap({{"metadata", tmpl::Value(std::move(metadata))},
                                                         {"records", tmpl::Value(std::move(records))}}))
                          .c_str());
  return 0;
}

}  // namespace
}  // namespace floe::iceberg

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "write") return floe::iceberg::Write(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "read") return floe::iceberg::Read(argv[2]);
  std::fprintf(stderr, "usage: iceberg_avro_tool write DIR | read FILE\n");
  return 2;
}
