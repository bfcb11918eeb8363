#include "iceberg/metadata.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

// A v2 table as Spark writes one (trimmed): two schemas, a partition spec
// with a day transform, a sort order, two snapshots with a tag.
constexpr char kV2[] = R"json({
  "format-version": 2,
  "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1",
  "location": "s3://bucket/test/location",
  "last-sequence-number": 34,
  "last-updated-ms": 1602638573590,
  "last-column-id": 3,
  "current-schema-id": 1,
  "schemas": [
    {"type": "struct", "schema-id": 0, "fields": [{"id": 1, "name": "x", "required": true, "type": "long"}]},
    {"type": "struct", "schema-id": 1, "identifier-field-ids": [1, 2], "fields": [
      {"id": 1, "name": "x", "required": true, "type": "long"},
      {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
      {"id": 3, "name": "z", "required": true, "type": "timestamptz"}]}],
  "default-spec-id": 0,
  "partition-specs": [{"spec-id": 0, "fields": [{"name": "z_day", "transform": "day", "source-id": 3, "field-id": 1000}]}],
  "last-partition-id": 1000,
  "default-sort-order-id": 3,
  "sort-orders": [{"order-id": 3, "fields": [
    {"transform": "identity", "source-id": 2, "direction": "asc", "null-order": "nulls-first"},
    {"transform": "bucket[4]", "source-id": 3, "direction": "desc", "null-order": "nulls-last"}]}],
  "properties": {"write.format.default": "parquet"},
  "current-snapshot-id": 3055729675574597004,
  "snapshots": [
    {"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770, "sequence-number": 0,
     "summary": {"operation": "append"}, "manifest-list": "s3://a/b/1.avro"},
    {"snapshot-id": 3055729675574597004, "parent-snapshot-id": 3051729675574597004, "timestamp-ms": 1555100955770,
     "sequence-number": 1, "summary": {"operation": "append", "added-data-files": "4"},
     "manifest-list": "s3://a/b/2.avro", "schema-id": 1}],
  "snapshot-log": [{"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770}],
  "metadata-log": [{"metadata-file": "s3://bucket/.../v1.json", "timestamp-ms": 1515100}],
  "refs": {"v1": {"snapshot-id": 3051729675574597004, "type": "tag", "max-ref-age-ms": 86400000}},
  "statistics": []
})json";

// A v1 table as older writers wrote it: one schema, the spec as a field
// list, snapshots listing manifests, -1 for no current snapshot.
constexpr char kV1[] = R"json({
  "format-version": 1,
  "location": "file:///warehouse/db/t",
  "last-updated-ms": 1602638573874,
  "last-column-id": 2,
  "schema": {"type": "struct", "fields": [
    {"id": 1, "name": "id", "required": false, "type": "int"},
    {"id": 2, "name": "data", "required": false, "type": "string"}]},
  "partition-spec": [{"name": "data_bucket", "transform": "bucket[16]", "source-id": 2}],
  "properties": {},
  "current-snapshot-id": -1,
  "snapshots": []
})json";

TEST(TableMetadataTest, ReadsV2AsSparkWritesIt) {
  auto m = ParseTableMetadata(kV2, "v3.metadata.json");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format_version, 2);
  EXPECT_EQ(m->last_sequence_number, 34);
  ASSERT_NE(m->CurrentSchema(), nullptr);
  EXPECT_EQ(m->CurrentSchema()->fields.size(), 3u);
  EXPECT_EQ(m->CurrentSchema()->identifier_field_ids, (std::vector<int>{1, 2}));
  EXPECT_EQ(m->DefaultSpec()->fields[0].transform.ToString(), "day");
  EXPECT_EQ(m->sort_orders[0].fields[1].transform.ToString(), "bucket[4]");
  EXPECT_FALSE(m->sort_orders[0].fields[1].ascending);
  ASSERT_NE(m->CurrentSnapshot(), nullptr);
  EXPECT_EQ(m->CurrentSnapshot()->summary.at("added-data-files"), "4");
  EXPECT_EQ(m->CurrentSnapshot()->parent_snapshot_id, 3051729675574597004);
  // main is implied by current-snapshot-id; the tag is kept.
  EXPECT_EQ(m->refs.at("main").snapshot_id, 3055729675574597004);
  EXPECT_FALSE(m->refs.at("v1").branch);
  EXPECT_EQ(m->refs.at("v1").max_ref_age_ms, 86400000);
  // Time travel: the snapshot log says which snapshot was current when.
  EXPECT_EQ(m->SnapshotAsOf(1515100955769), nullptr);
  EXPECT_EQ(m->SnapshotAsOf(1515100955770)->snapshot_id, 3051729675574597004);
  EXPECT_EQ(m->SnapshotOfRef("v1")->snapshot_id, 3051729675574597004);

  // Written again and read back: the same table.
  auto json = TableMetadataToJson(*m, 2);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto again = ParseTableMetadata(*json, "again.json");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*TableMetadataToJson(*again), *TableMetadataToJson(*m));
}

TEST(TableMetadataTest, ReadsV1WithV2Defaults) {
  auto m = ParseTableMetadata(kV1, "v1.metadata.json");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format_version, 1);
  EXPECT_EQ(m->last_sequence_number, 0);
  EXPECT_FALSE(m->current_snapshot_id.has_value()) << "-1 means no current snapshot";
  ASSERT_EQ(m->specs.size(), 1u);
  EXPECT_EQ(m->DefaultSpec()->fields[0].field_id, 1000) << "v1 specs get field ids from 1000";
  EXPECT_EQ(m->last_partition_id, 1000);
  EXPECT_TRUE(m->refs.empty());
  EXPECT_EQ(m->sort_orders.size(), 1u);
}

// Found by the fuzzer: a v1 snapshot without an operation, written as v2
// (an upgraded table), must read back.
TEST(TableMetadataTest, AV1SnapshotWithoutAnOperationSurvivesTheUpgradeToV2) {
  auto v1 = ParseTableMetadata(R"json({"format-version": 1, "table-uuid": "u", "location": "/t",
    "last-updated-ms": 1, "last-column-id": 1,
    "schema": {"type": "struct", "fields": [{"id": 1, "name": "x", "required": true, "type": "long"}]},
    "partition-spec": [], "current-snapshot-id": 5,
    "snapshots": [{"snapshot-id": 5, "timestamp-ms": 2, "summary": {"added-data-files": "1"},
                   "manifest-list": "/t/m.avro"}]})json",
                               "v1.metadata.json");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  auto json = TableMetadataToJson(*v1);
  ASSERT_TRUE(json.ok());
  auto v2 = ParseTableMetadata(*json, "v2.metadata.json");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->snapshots[0].summary.count("operation"), 0u);
  // A snapshot made in v2 (sequence number above 0) still needs one.
  auto bad = ParseTableMetadata(R"json({"format-version": 2, "table-uuid": "u", "location": "/t",
    "last-sequence-number": 1, "last-updated-ms": 1, "last-column-id": 1, "current-schema-id": 0,
    "schemas": [{"type": "struct", "schema-id": 0, "fields": []}], "default-spec-id": 0,
    "partition-specs": [{"spec-id": 0, "fields": []}], "last-partition-id": 999, "default-sort-order-id": 0,
    "sort-orders": [{"order-id": 0, "fields": []}],
    "snapshots": [{"snapshot-id": 5, "sequence-number": 1, "timestamp-ms": 2, "summary": {},
                   "manifest-list": "/t/m.avro"}]})json",
                                "bad.metadata.json");
  EXPECT_THAT(bad.status().message(), HasSubstr("needs an 'operation'"));
}

TEST(TableMetadataTest, BadMetadataNamesTheFileAndTheField) {
  auto error = [](std::string json) { return ParseTableMetadata(json, "m.json").status().ToString(); };
  std::string v2 = kV2;
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = v2;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  EXPECT_THAT(error(replaced("\"format-version\": 2", "\"format-version\": 3")),
              HasSubstr("format version 3 is not supported yet"));
  EXPECT_THAT(error(replaced("\"current-schema-id\": 1", "\"current-schema-id\": 7")),
              HasSubstr("table metadata m.json: 'current-schema-id' 7 is not one of the schemas"));
  EXPECT_THAT(error(replaced("\"last-sequence-number\": 34,", "")), HasSubstr("'last-sequence-number' is required"));
  EXPECT_THAT(error(replaced("\"summary\": {\"operation\": \"append\", \"added-data-files\": \"4\"}",
                             "\"summary\": {\"added-data-files\": \"4\"}")),
              HasSubstr("snapshot 3055729675574597004: 'summary' needs an 'operation'"));
  EXPECT_THAT(error(replaced("\"type\": \"tag\"", "\"type\": \"label\"")),
              HasSubstr("ref 'v1': 'type' must be branch or tag"));
  EXPECT_THAT(error(replaced("\"transform\": \"day\"", "\"transform\": \"weekly\"")),
              HasSubstr("unknown partition transform 'weekly'"));
  EXPECT_THAT(error(replaced("\"type\": \"timestamptz\"", "\"type\": \"timestamp_ns\"")), HasSubstr("format v3"));
  EXPECT_THAT(error("{\"format-version\": 2"), HasSubstr("m.json"));
  // A v1 snapshot without a manifest list cannot be written as v2.
  std::string v1 = kV1;
  v1.replace(v1.find("\"snapshots\": []"), 15,
             R"("snapshots": [{"snapshot-id": 5, "timestamp-ms": 1, "manifests": ["m1.avro"]}])");
  auto old = ParseTableMetadata(v1, "v1.json");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->snapshots[0].v1_manifests, std::vector<std::string>{"m1.avro"});
  EXPECT_THAT(TableMetadataToJson(*old).status().message(), HasSubstr("has no manifest list"));
}

}  // namespace
}  // namespace floe::iceberg
