#include "iceberg/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iceberg/avro.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

Schema TableSchema() {
  auto json = tmpl::ParseJson(R"json({"type": "struct", "schema-id": 3, "fields": [
    {"id": 1, "name": "id", "required": true, "type": "long"},
    {"id": 2, "name": "region", "required": false, "type": "string"},
    {"id": 3, "name": "ts", "required": false, "type": "timestamptz"},
    {"id": 4, "name": "amount", "required": false, "type": "decimal(9, 2)"},
    {"id": 5, "name": "tags", "required": false,
     "type": {"type": "list", "element-id": 6, "element-required": true, "element": "string"}},
    {"id": 7, "name": "attrs", "required": false,
     "type": {"type": "map", "key-id": 8, "key": "string", "value-id": 9, "value-required": false, "value": "double"}}
  ]})json");
  return *SchemaFromJson(*json);
}

PartitionSpec Spec() {
  auto json = tmpl::ParseJson(R"({"spec-id": 2, "fields": [
    {"source-id": 2, "field-id": 1000, "name": "region", "transform": "identity"},
    {"source-id": 3, "field-id": 1001, "name": "ts_day", "transform": "day"},
    {"source-id": 1, "field-id": 1002, "name": "id_bucket", "transform": "bucket[16]"}]})");
  return *PartitionSpecFromJson(*json);
}

ManifestEntry Entry(int n) {
  ManifestEntry e;
  e.status = n == 0 ? EntryStatus::kExisting : EntryStatus::kAdded;
  if (n == 0) {
    e.snapshot_id = 41;
    e.sequence_number = 3;
    e.file_sequence_number = 3;
  }
  DataFile& f = e.file;
  f.file_path = "s3://lake/db/t/data/region=eu/0000" + std::to_string(n) + ".parquet";
  f.partition = {tmpl::Value("eu"), tmpl::Value(int64_t{19700 + n}), tmpl::Value(int64_t{n % 16})};
  f.record_count = 1000 + n;
  f.file_size_in_bytes = 65536 + n;
  f.column_sizes = {{1, 8000}, {2, 1200}};
  f.value_counts = {{1, 1000}, {2, 1000}};
  f.null_value_counts = {{1, 0}, {2, 7}};
  f.lower_bounds = {{1, std::string("\x01\0\0\0\0\0\0\0", 8)}, {2, "ap"}};
  f.upper_bounds = {{1, std::string("\xe8\x03\0\0\0\0\0\0", 8)}, {2, "us"}};
  f.split_offsets = {4};
  f.sort_order_id = 0;
  return e;
}

TEST(ManifestTest, ManifestsRoundTripWithTheSpecsFieldIds) {
  Manifest m{.schema = TableSchema(), .spec = Spec()};
  for (int i = 0; i < 3; ++i) m.entries.push_back(Entry(i));
  auto bytes = WriteManifest(m);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();

  auto file = avro::ReadContainer(*bytes, "m.avro");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->metadata.at("format-version"), "2");
  EXPECT_EQ(file->metadata.at("content"), "data");
  EXPECT_EQ(file->metadata.at("partition-spec-id"), "2");
  EXPECT_EQ(file->metadata.at("schema-id"), "3");
  const avro::Field* data_file = file->schema->FindFieldById(2);
  ASSERT_NE(data_file, nullptr);
  EXPECT_EQ(data_file->schema->name, "r2");
  const avro::Field* partition = data_file->schema->FindFieldById(102);
  EXPECT_EQ(partition->schema->name, "r102");
  EXPECT_EQ(partition->schema->FindFieldById(1001)->name, "ts_day");

  auto read = ReadManifest(*bytes, "m.avro");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->schema.schema_id, 3);
  EXPECT_EQ(read->spec.spec_id, 2);
  ASSERT_EQ(read->spec.fields.size(), 3u);
  EXPECT_EQ(read->spec.fields[2].transform.ToString(), "bucket[16]");
  ASSERT_EQ(read->entries.size(), 3u);
  const ManifestEntry& e = read->entries[1];
  EXPECT_EQ(e.status, EntryStatus::kAdded);
  EXPECT_FALSE(e.snapshot_id.has_value());
  EXPECT_EQ(e.file.file_path, "s3://lake/db/t/data/region=eu/00001.parquet");
  EXPECT_EQ(e.file.file_format, "PARQUET");
  EXPECT_EQ(e.file.record_count, 1001);
  EXPECT_EQ(tmpl::ToJson(tmpl::Value(tmpl::ValueList(e.file.partition.begin(), e.file.partition.end()))),
            R"(["eu",19701,1])");
  EXPECT_EQ(e.file.null_value_counts.at(2), 7);
  EXPECT_EQ(e.file.upper_bounds.at(2), "us");
  EXPECT_EQ(e.file.lower_bounds.at(1).size(), 8u);
  EXPECT_EQ(e.file.split_offsets, std::vector<int64_t>{4});
  EXPECT_EQ(read->entries[0].sequence_number, 3);

  // Inheritance: ADDED entries take the manifest's snapshot and sequence number.
  ManifestFile mf{.sequence_number = 9, .added_snapshot_id = 77};
  InheritFrom(mf, read->entries);
  EXPECT_EQ(read->entries[1].snapshot_id, 77);
  EXPECT_EQ(read->entries[1].sequence_number, 9);
  EXPECT_EQ(read->entries[1].file_sequence_number, 9);
  EXPECT_EQ(read->entries[0].snapshot_id, 41) << "an EXISTING entry keeps its own";
  EXPECT_EQ(read->entries[0].sequence_number, 3);
}

TEST(ManifestTest, ManifestListsRoundTripAndOldFieldNamesReadById) {
  ManifestList list{.snapshot_id = 5, .parent_snapshot_id = 4, .sequence_number = 6};
  list.manifests.push_back(
      {.manifest_path = "s3://lake/t/metadata/m1.avro",
       .manifest_length = 4096,
       .partition_spec_id = 2,
       .sequence_number = 6,
       .min_sequence_number = 2,
       .added_snapshot_id = 5,
       .added_files_count = 3,
       .existing_files_count = 1,
       .added_rows_count = 3003,
       .existing_rows_count = 1000,
       .partitions = std::vector<FieldSummary>{{.contains_null = false, .lower_bound = "ap", .upper_bound = "us"},
                                               {.contains_null = true, .contains_nan = false}}});
  list.manifests.push_back({.manifest_path = "s3://lake/t/metadata/m2.avro", .deletes = true});
  auto bytes = WriteManifestList(list);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto read = ReadManifestList(*bytes, "snap.avro");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->snapshot_id, 5);
  EXPECT_EQ(read->parent_snapshot_id, 4);
  EXPECT_EQ(read->sequence_number, 6);
  ASSERT_EQ(read->manifests.size(), 2u);
  const ManifestFile& m = read->manifests[0];
  EXPECT_EQ(m.manifest_length, 4096);
  EXPECT_EQ(m.min_sequence_number, 2);
  EXPECT_EQ(m.added_files_count, 3);
  EXPECT_EQ(m.existing_rows_count, 1000);
  ASSERT_TRUE(m.partitions.has_value());
  EXPECT_EQ((*m.partitions)[0].upper_bound, "us");
  EXPECT_TRUE((*m.partitions)[1].contains_null);
  EXPECT_EQ((*m.partitions)[1].contains_nan, false);
  EXPECT_TRUE(read->manifests[1].deletes);

  // A v1 list as older Java wrote it: no content or sequence numbers, and
  // added_data_files_count for field 504.
  std::string v1_schema = R"({"type": "record", "name": "manifest_file", "fields": [
    {"name": "manifest_path", "type": "string", "field-id": 500},
    {"name": "manifest_length", "type": "long", "field-id": 501},
    {"name": "partition_spec_id", "type": "int", "field-id": 502},
    {"name": "added_snapshot_id", "type": ["null", "long"], "default": null, "field-id": 503},
    {"name": "added_data_files_count", "type": ["null", "int"], "default": null, "field-id": 504}]})";
  auto v1 = avro::WriteContainer(v1_schema, {{"snapshot-id", "8"}, {"parent-snapshot-id", "null"}},
                                 {tmpl::Value::MakeMap({{"manifest_path", tmpl::Value("m.avro")},
                                                        {"manifest_length", tmpl::Value(int64_t{10})},
                                                        {"partition_spec_id", tmpl::Value(int64_t{0})},
                                                        {"added_snapshot_id", tmpl::Value(int64_t{8})},
                                                        {"added_data_files_count", tmpl::Value(int64_t{2})}})});
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  auto old = ReadManifestList(*v1, "v1.avro");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->format_version, 1);
  EXPECT_FALSE(old->parent_snapshot_id.has_value());
  EXPECT_EQ(old->manifests[0].added_files_count, 2);
  EXPECT_EQ(old->manifests[0].sequence_number, 0);
}

TEST(ManifestTest, BadManifestsAreClearErrors) {
  Manifest m{.schema = TableSchema(), .spec = Spec()};
  ManifestEntry e = Entry(1);
  e.file.partition.pop_back();
  m.entries.push_back(e);
  EXPECT_THAT(WriteManifest(m).status().message(), HasSubstr("has 2 partition values; spec 2 has 3 fields"));
  // A transform that does not fit its column.
  PartitionSpec hourly = Spec();
  hourly.fields[0].transform = *ParseTransform("hour");
  Manifest wrong{.schema = TableSchema(), .spec = hourly};
  EXPECT_THAT(WriteManifest(wrong).status().message(), HasSubstr("transform hour does not apply to a string column"));
  EXPECT_THAT(ParseTransform("bucket[0]").status().message(), HasSubstr("needs a positive whole number"));
  EXPECT_THAT(ParseTransform("zorder").status().message(), HasSubstr("unknown partition transform 'zorder'"));
  EXPECT_THAT(ParsePrimitiveType("timestamp_ns").status().message(), HasSubstr("format v3"));
  EXPECT_THAT(ParsePrimitiveType("decimal(40,2)").status().message(), HasSubstr("1 <= P <= 38"));
  // Not a manifest: no Iceberg metadata.
  auto plain = avro::WriteContainer(R"({"type": "record", "name": "x", "fields": []})", {}, {});
  EXPECT_THAT(ReadManifest(*plain, "x.avro").status().message(), HasSubstr("manifest x.avro: no 'schema'"));
}

TEST(ManifestTest, SchemasRoundTripThroughJson) {
  Schema s = TableSchema();
  EXPECT_EQ(s.HighestFieldId(), 9);
  EXPECT_EQ(s.FindField(8), nullptr) << "a map's key id is not a field";
  EXPECT_EQ(s.FindField(4)->type->ToString(), "decimal(9,2)");
  auto again = SchemaFromJson(SchemaToJson(s));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(tmpl::ToJson(SchemaToJson(*again)), tmpl::ToJson(SchemaToJson(s)));
  EXPECT_THAT(
      SchemaFromJson(*tmpl::ParseJson(R"({"type": "struct", "fields": [{"id": 1, "name": "x", "type": "int"}]})"))
          .status()
          .message(),
      HasSubstr("'required' must be true or false"));
}

}  // namespace
}  // namespace floe::iceberg
