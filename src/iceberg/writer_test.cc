#include "iceberg/writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/id.h"
#include "iceberg/duckdb_scan.h"
#include "iceberg/table.h"
#include "iceberg/values.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;
using tmpl::Value;

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_writer_" + NewId());
    std::filesystem::create_directories(dir_);
    catalog_ = std::move(*SqlCatalog::Open(dir_ / "floe.db"));
    ASSERT_TRUE(catalog_->CreateNamespace({"lake"}).ok());
    tables_ = std::make_unique<Tables>(*catalog_, stores_);
    auto session = engine::Session::Open(
        {.time_zone = "America/New_York", .functions = {IcebergFunctions({.catalog = dir_ / "floe.db"})}});
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(*session);
    con_ = std::move(*session_->Connect());
  }
  void TearDown() override {
    con_.reset();
    session_.reset();
    tables_.reset();
    catalog_.reset();
    std::filesystem::remove_all(dir_);
  }

  static Schema EventsSchema() {
    return *SchemaFromJson(*tmpl::ParseJson(R"json({"type": "struct", "schema-id": 0, "fields": [
      {"id": 1, "name": "id", "required": true, "type": "long"},
      {"id": 2, "name": "user", "required": false, "type": "string"},
      {"id": 3, "name": "at", "required": false, "type": "timestamptz"},
      {"id": 4, "name": "amount", "required": false, "type": "decimal(9,2)"}]})json"));
  }
  LoadedTable Create(const std::string& name, const std::string& spec_fields) {
    auto spec = PartitionSpecFromJson(*tmpl::ParseJson(R"({"spec-id": 0, "fields": )" + spec_fields + "}"));
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    auto t = tables_->Create({{"lake"}, name}, (dir_ / "warehouse" / name).string(), EventsSchema(), *spec);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return *t;
  }
  int64_t Count(const std::string& sql) {
    auto t = con_->Query(sql);
    EXPECT_TRUE(t.ok()) << sql << ": " << t.status().ToString();
    return t.ok() && !t->rows.empty() ? t->rows[0][0].AsInt() : -1;
  }

  static constexpr const char* kRows =
      "SELECT i AS id, 'user' || (i % 7) AS user, "
      "TIMESTAMPTZ '2026-03-01 22:30:00+00' + INTERVAL (i * 7) HOUR AS at, (i * 1.25)::DECIMAL(9,2) AS amount "
      "FROM range(0, 200) t(i)";

  std::filesystem::path dir_;
  storage::ObjectStores stores_;
  std::unique_ptr<SqlCatalog> catalog_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<engine::Session> session_;
  std::unique_ptr<engine::Connection> con_;
};

// Every file's partition tuple is what the spec's transforms (values.cc,
// checked against the spec's vectors) give for each of its rows: the SQL
// the writer partitions with agrees with them, in any session time zone.
TEST_F(WriterTest, PartitionsRowsAsTheSpecsTransformsDo) {
  LoadedTable t = Create("events", R"([
      {"source-id": 3, "field-id": 1000, "name": "at_day", "transform": "day"},
      {"source-id": 3, "field-id": 1001, "name": "at_hour", "transform": "hour"},
      {"source-id": 3, "field-id": 1002, "name": "at_month", "transform": "month"},
      {"source-id": 2, "field-id": 1003, "name": "user_bucket", "transform": "bucket[4]"},
      {"source-id": 1, "field-id": 1004, "name": "id_trunc", "transform": "truncate[50]"},
      {"source-id": 2, "field-id": 1005, "name": "user_prefix", "transform": "truncate[5]"}])");
  auto files = WriteDataFiles(*con_, t.metadata, kRows, stores_);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_GT(files->size(), 10u);
  const Schema& schema = *t.metadata.CurrentSchema();
  const PartitionSpec& spec = *t.metadata.DefaultSpec();
  int64_t rows = 0;
  for (const auto& f : *files) {
    rows += f.record_count;
    EXPECT_THAT(f.file_path, HasSubstr("/data/at_day="));
    auto read = con_->Query("SELECT id, \"user\", epoch_us(\"at\") FROM read_parquet('" + f.file_path +
                            "', hive_partitioning = false)");
    ASSERT_TRUE(read.ok()) << f.file_path << ": " << read.status().ToString();
    for (const auto& row : read->rows) {
      std::vector<Value> source = {row[2], row[2], row[2], row[1], row[0], row[1]};
      for (size_t i = 0; i < spec.fields.size(); ++i) {
        const Type& type = *schema.FindField(spec.fields[i].source_id)->type;
        auto expected = ApplyTransform(spec.fields[i].transform, type, source[i]);
        ASSERT_TRUE(expected.ok()) << expected.status().ToString();
        EXPECT_EQ(tmpl::ToJson(f.partition[i]), tmpl::ToJson(*expected))
            << spec.fields[i].name << " of row " << row[0].AsInt() << " in " << f.file_path;
      }
    }
  }
  EXPECT_EQ(rows, 200);
}

TEST_F(WriterTest, AppendsOverwritesAndDeletesAreSnapshotsThatTimeTravelReads) {
  LoadedTable t = Create("events", R"([{"source-id": 3, "field-id": 1000, "name": "at_day", "transform": "day"}])");
  TableIdent ident{{"lake"}, "events"};
  auto files = WriteDataFiles(*con_, t.metadata, kRows, stores_);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto appended = tables_->Append(ident, *files);
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  int64_t first = *appended->metadata.current_snapshot_id;

  // A copy-on-write delete of the rows with id < 50: the files holding them
  // are replaced by their remaining rows.
  std::set<std::string> removed;
  std::vector<DataFile> kept;
  for (const auto& f : *files) {
    auto hit = con_->Query("SELECT count(*) FROM read_parquet('" + f.file_path + "') WHERE id < 50");
    ASSERT_TRUE(hit.ok()) << hit.status().ToString();
    ASSERT_TRUE(hit.ok());
    if (hit->rows[0][0].AsInt() == 0) continue;
    removed.insert(f.file_path);
    auto rest = WriteDataFiles(
        *con_, t.metadata,
        "SELECT * FROM read_parquet('" + f.file_path + "', hive_partitioning = false) WHERE NOT (id < 50)", stores_);
    ASSERT_TRUE(rest.ok()) << rest.status().ToString();
    kept.insert(kept.end(), rest->begin(), rest->end());
  }
  auto deleted = tables_->Commit(ident, {.operation = "delete", .added = kept, .removed = removed});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  const Snapshot* s = deleted->metadata.CurrentSnapshot();
  EXPECT_EQ(s->summary.at("operation"), "delete");
  EXPECT_EQ(s->summary.at("total-records"), "150");
  EXPECT_EQ(s->summary.at("deleted-data-files"), std::to_string(removed.size()));

  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.events')"), 150);
  EXPECT_EQ(Count("SELECT min(id) FROM iceberg_scan('lake.events')"), 50);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.events', snapshot_id => " + std::to_string(first) + ")"),
            200);

  // Removing a file that is gone fails and leaves the table as it was.
  auto again = tables_->Commit(ident, {.operation = "delete", .removed = removed});
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("is no longer in branch 'main'"));
  EXPECT_EQ(tables_->Load(ident)->metadata.snapshots.size(), 2u);

  // A commit to a branch leaves main alone; the branch reads its own data.
  auto more = WriteDataFiles(*con_, t.metadata, "SELECT 1000 AS id", stores_);
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  auto branched = tables_->Commit(ident, {.added = *more, .branch = "audit"});
  ASSERT_TRUE(branched.ok()) << branched.status().ToString();
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.events')"), 150);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.events', ref => 'audit')"), 151);
}

TEST_F(WriterTest, RowsThatDoNotFitTheTableAreRefused) {
  LoadedTable t = Create("events", "[]");
  auto extra = WriteDataFiles(*con_, t.metadata, "SELECT 1 AS id, 2 AS colour", stores_);
  EXPECT_THAT(extra.status().message(), HasSubstr("column 'colour' that the table does not (its columns: id, user"));
  auto missing = WriteDataFiles(*con_, t.metadata, "SELECT 'x' AS user", stores_);
  EXPECT_THAT(missing.status().message(), HasSubstr("no column 'id', which the table requires"));
  auto nulls = WriteDataFiles(*con_, t.metadata, "SELECT NULL::BIGINT AS id", stores_);
  EXPECT_THAT(nulls.status().message(), HasSubstr("column 'id' is required, and 1 row(s) have it NULL"));
  auto bad_cast = WriteDataFiles(*con_, t.metadata, "SELECT 'abc' AS id", stores_);
  EXPECT_FALSE(bad_cast.ok());
  auto empty = WriteDataFiles(*con_, t.metadata, "SELECT 1 AS id WHERE false", stores_);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  // What a failed write wrote is gone.
  int files = 0;
  if (std::filesystem::exists(dir_ / "warehouse" / "events" / "data"))
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "warehouse" / "events" / "data"))
      files += e.is_regular_file();
  EXPECT_EQ(files, 0);
}

}  // namespace
}  // namespace floe::iceberg
