#include "iceberg/avro.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "tmpl/json.h"

namespace floe::iceberg::avro {
namespace {

using ::testing::HasSubstr;

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

TEST(AvroTest, ZigZagVarintsAsTheSpecShowsThem) {
  for (auto [v, hex] : std::vector<std::pair<int64_t, std::string>>{
           {0, "00"}, {-1, "01"}, {1, "02"}, {-2, "03"}, {2, "04"}, {-64, "7f"}, {64, "8001"}}) {
    std::string out;
    WriteLong(v, out);
    EXPECT_EQ(Hex(out), hex) << v;
    std::string_view in = out;
    EXPECT_EQ(*ReadLong(in), v);
  }
  for (int64_t v : {INT64_MIN, INT64_MAX, int64_t{-123456789012}}) {
    std::string out;
    WriteLong(v, out);
    std::string_view in = out;
    EXPECT_EQ(*ReadLong(in), v);
  }
  std::string_view cut = "\x80";
  EXPECT_THAT(ReadLong(cut).status().message(), HasSubstr("truncated"));
}

constexpr char kSchema[] = R"({
  "type": "record", "name": "manifest_entry", "fields": [
    {"name": "status", "type": "int", "field-id": 0},
    {"name": "snapshot_id", "type": ["null", "long"], "default": null, "field-id": 1},
    {"name": "data_file", "field-id": 2, "type": {"type": "record", "name": "r2", "fields": [
      {"name": "file_path", "type": "string", "field-id": 100},
      {"name": "value", "type": "double", "field-id": 101},
      {"name": "flag", "type": "boolean", "field-id": 102},
      {"name": "id", "type": {"type": "fixed", "name": "uuid_fixed", "size": 4}, "field-id": 103},
      {"name": "column_sizes", "field-id": 108, "default": null, "type": ["null",
        {"type": "array", "logicalType": "map", "items": {"type": "record", "name": "k117_v118", "fields": [
          {"name": "key", "type": "int", "field-id": 117}, {"name": "value", "type": "long", "field-id": 118}]}}]},
      {"name": "props", "type": {"type": "map", "values": "string"}},
      {"name": "raw", "type": "bytes"}
    ]}}
  ]})";

tmpl::Value Entry(int64_t status, std::optional<int64_t> snapshot) {
  auto j = tmpl::ParseJson(R"({"file_path": "s3://b/t/data/00000.parquet", "value": 2.5, "flag": true,
    "id": "abcd", "column_sizes": [{"key": 1, "value": 100}, {"key": 2, "value": 7}],
    "props": {"a": "x", "b": "y"}, "raw": "\u0000\u00ff"})");
  return tmpl::Value::MakeMap({{"status", tmpl::Value(status)},
                               {"snapshot_id", snapshot ? tmpl::Value(*snapshot) : tmpl::Value()},
                               {"data_file", *j}});
}

TEST(AvroTest, SchemasKeepIcebergFieldIds) {
  auto s = ParseSchema(kSchema);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->type, Schema::Type::kRecord);
  const Field* file = (*s)->FindFieldById(2);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->name, "data_file");
  const Field* sizes = file->schema->FindFieldById(108);
  ASSERT_NE(sizes, nullptr);
  SchemaPtr array = sizes->schema->NonNullBranch();
  ASSERT_NE(array, nullptr);
  EXPECT_EQ(array->logical_type, "map");
  EXPECT_EQ(array->items->FindFieldById(118)->name, "value");
  EXPECT_THAT(ParseSchema(R"({"type": "record", "fields": []})").status().message(), HasSubstr("needs a name"));
  EXPECT_THAT(ParseSchema(R"("decimal")").status().message(), HasSubstr("unknown Avro type 'decimal'"));
}

TEST(AvroTest, EncodesAndDecodesEveryTypeIcebergUses) {
  auto s = ParseSchema(kSchema);
  ASSERT_TRUE(s.ok());
  for (auto snapshot : {std::optional<int64_t>(), std::optional<int64_t>(987654321012345)}) {
    tmpl::Value in = Entry(1, snapshot);
    std::string bytes;
    ASSERT_TRUE(Encode(**s, in, bytes).ok());
    std::string_view view = bytes;
    auto out = Decode(**s, view);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_TRUE(view.empty());
    // Records come back as lists in field order; written again, the same bytes.
    ASSERT_TRUE(out->is_list());
    std::string again;
    ASSERT_TRUE(Encode(**s, *out, again).ok());
    EXPECT_EQ(again, bytes);
  }
  std::string bytes;
  tmpl::Value bad = Entry(1, 5);
  bad.MutableMap().Find("data_file")->MutableMap().Set("id", tmpl::Value("toolong"));
  EXPECT_THAT(Encode(**s, bad, bytes).message(), HasSubstr("manifest_entry.data_file.id: fixed(4) given 7 bytes"));
}

TEST(AvroTest, ContainerFilesRoundTripWithEveryCodecFloeWrites) {
  std::vector<tmpl::Value> records;
  for (int i = 0; i < 300; ++i) records.push_back(Entry(i % 3, i));
  for (Codec codec : {Codec::kNull, Codec::kDeflate}) {
    auto bytes = WriteContainer(kSchema, {{"format-version", "2"}, {"content", "data"}}, records, codec);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto file = ReadContainer(*bytes, "m.avro");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->metadata.at("format-version"), "2");
    EXPECT_EQ(file->metadata.count("avro.schema"), 0u);
    ASSERT_EQ(file->records.size(), records.size());
    std::string read_back, written;
    ASSERT_TRUE(Encode(*file->schema, file->records[299], read_back).ok());
    ASSERT_TRUE(Encode(*file->schema, records[299], written).ok());
    EXPECT_EQ(read_back, written);
  }
  auto empty = WriteContainer(kSchema, {}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(ReadContainer(*empty, "empty.avro")->records.empty());
}

// A file whose one block is snappy-compressed by hand (a literal and an
// overlapping copy), with Avro's CRC32 after it.
TEST(AvroTest, ReadsSnappyBlocks) {
  std::string schema = R"({"type": "record", "name": "r", "fields": [{"name": "s", "type": "string"}]})";
  std::string record;  // "abcabcabc" as a string: length 9, then the bytes
  WriteLong(9, record);
  record += "abcabcabc";
  std::string snappy;
  snappy.push_back(static_cast<char>(record.size()));  // uncompressed length (varint)
  snappy.push_back(static_cast<char>((4 - 1) << 2));   // literal of 4 bytes: the length and "abc"
  snappy += record.substr(0, 4);
  snappy.push_back(static_cast<char>(((6 - 4) << 2) | 1));  // copy 6 bytes from 3 back
  snappy.push_back(3);
  uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(record.data()), record.size()));
  for (int shift = 24; shift >= 0; shift -= 8) snappy.push_back(static_cast<char>((crc >> shift) & 0xff));

  auto plain = WriteContainer(schema, {}, {tmpl::Value::MakeMap({{"s", tmpl::Value("abcabcabc")}})}, Codec::kNull);
  ASSERT_TRUE(plain.ok());
  // Swap the codec and the block for the snappy ones.
  auto file = ReadContainer(*plain, "plain.avro");
  ASSERT_TRUE(file.ok());
  std::string header_end = plain->substr(0, plain->size() - 16 - record.size() - 2);  // with its sync marker
  std::string sync = plain->substr(plain->size() - 16);
  std::string codec_null = std::string("\x14") + "avro.codec" + "\x08" + "null";
  size_t at = header_end.find(codec_null);
  ASSERT_NE(at, std::string::npos);
  header_end.replace(at, codec_null.size(), std::string("\x14") + "avro.codec" + "\x0c" + "snappy");
  std::string snappy_file = header_end;
  WriteLong(1, snappy_file);
  WriteLong(static_cast<int64_t>(snappy.size()), snappy_file);
  snappy_file += snappy + sync;
  auto read = ReadContainer(snappy_file, "snappy.avro");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->records[0].AsList()[0].AsString(), "abcabcabc");
  std::string damaged = snappy_file;
  damaged[damaged.size() - 17] ^= 0x55;  // the CRC
  EXPECT_THAT(ReadContainer(damaged, "snappy.avro").status().message(), HasSubstr("CRC32"));
}

TEST(AvroTest, DamagedFilesAreClearErrorsNamingTheFile) {
  std::vector<tmpl::Value> records;
  for (int i = 0; i < 20; ++i) records.push_back(Entry(1, i));
  auto bytes = WriteContainer(kSchema, {{"k", "v"}}, records);
  ASSERT_TRUE(bytes.ok());
  EXPECT_THAT(ReadContainer("PAR1", "x.avro").status().message(), HasSubstr("not an Avro object container file"));
  // Every cut point gives an error (never a crash, never a silent short
  // read), but one: right after the header, which is a whole empty file.
  int empty_files = 0;
  for (size_t cut = 0; cut + 1 < bytes->size(); ++cut) {
    auto r = ReadContainer(std::string_view(*bytes).substr(0, cut), "cut.avro");
    if (r.ok()) {
      EXPECT_TRUE(r->records.empty()) << "cut at " << cut;
      ++empty_files;
      continue;
    }
    EXPECT_THAT(r.status().ToString(), HasSubstr("cut.avro"));
  }
  EXPECT_EQ(empty_files, 1);
  std::string flipped = *bytes;
  flipped[flipped.size() - 3] ^= 0x01;  // the closing sync marker
  EXPECT_THAT(ReadContainer(flipped, "f.avro").status().message(), HasSubstr("sync marker"));
}

}  // namespace
}  // namespace floe::iceberg::avro
