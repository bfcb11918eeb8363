#include "iceberg/parquet_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/id.h"
#include "iceberg/values.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

class ParquetFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_parquet_" + NewId());
    std::filesystem::create_directories(dir_);
    auto session = engine::Session::Open({});
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(*session);
    auto con = session_->Connect();
    ASSERT_TRUE(con.ok());
    con_ = std::move(*con);
  }
  void TearDown() override {
    con_.reset();
    session_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<engine::Session> session_;
  std::unique_ptr<engine::Connection> con_;
};

TEST_F(ParquetFilesTest, WritesFieldIdsAndReadsStatisticsFromTheFooter) {
  Schema schema = *SchemaFromJson(*tmpl::ParseJson(R"json({"type": "struct", "schema-id": 0, "fields": [
    {"id": 1, "name": "id", "required": true, "type": "long"},
    {"id": 2, "name": "region", "required": false, "type": "string"},
    {"id": 3, "name": "amount", "required": false, "type": "double"},
    {"id": 4, "name": "day", "required": false, "type": "date"},
    {"id": 5, "name": "at", "required": false, "type": "timestamp"},
    {"id": 6, "name": "tags", "required": false,
     "type": {"type": "list", "element-id": 7, "element-required": false, "element": "string"}}]})json"));
  std::string path = (dir_ / "data.parquet").string();
  Status written =
      WriteParquet(*con_,
                   "SELECT i::BIGINT AS id, CASE WHEN i % 10 = 0 THEN NULL ELSE 'r' || (i % 3) END AS region, "
                   "i / 4.0 AS amount, DATE '2024-01-01' + i::INTEGER AS day, "
                   "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) SECOND AS at, ['a', 'b'] AS tags "
                   "FROM range(1, 101) t(i)",
                   path, schema);
  ASSERT_TRUE(written.ok()) << written.ToString();

  // The field ids are in the file, nested ones too.
  auto ids = con_->Query("SELECT name, field_id FROM parquet_schema('" + path + "') WHERE field_id IS NOT NULL");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  std::map<std::string, int64_t> by_name;
  for (const auto& row : ids->rows) by_name[row[0].AsString()] = row[1].AsInt();
  EXPECT_EQ(by_name["id"], 1);
  EXPECT_EQ(by_name["at"], 5);
  EXPECT_EQ(by_name["tags"], 6);
  EXPECT_EQ(by_name["element"], 7);

  auto file = DescribeParquet(*con_, path, static_cast<int64_t>(std::filesystem::file_size(path)), schema);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->record_count, 100);
  EXPECT_EQ(file->value_counts.at(1), 100);
  EXPECT_EQ(file->null_value_counts.at(2), 10);
  EXPECT_GT(file->column_sizes.at(1), 0);
  auto bound = [&](int id, const std::map<int, std::string>& bounds, const std::string& type) {
    return *FromBound(**ParsePrimitiveType(type), bounds.at(id));
  };
  EXPECT_EQ(bound(1, file->lower_bounds, "long").AsInt(), 1);
  EXPECT_EQ(bound(1, file->upper_bounds, "long").AsInt(), 100);
  EXPECT_EQ(bound(2, file->lower_bounds, "string").AsString(), "r0");
  EXPECT_EQ(bound(2, file->upper_bounds, "string").AsString(), "r2");
  EXPECT_EQ(bound(3, file->upper_bounds, "double").AsDouble(), 25.0);
  EXPECT_EQ(bound(4, file->lower_bounds, "date").AsInt(), 19723 + 1);  // 2024-01-02
  EXPECT_EQ(bound(5, file->upper_bounds, "timestamp").AsInt(), (19723LL * 86400 + 100) * 1000000);
  EXPECT_EQ(file->lower_bounds.count(6), 0u) << "no bounds for a list column";

  EXPECT_THAT(DescribeParquet(*con_, (dir_ / "missing.parquet").string(), 0, schema).status().ToString(),
              HasSubstr("missing.parquet"));
}

}  // namespace
}  // namespace floe::iceberg
