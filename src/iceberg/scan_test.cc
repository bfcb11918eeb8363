#include "iceberg/scan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "core/id.h"
#include "iceberg/duckdb_scan.h"
#include "iceberg/parquet_files.h"
#include "iceberg/table.h"
#include "iceberg/values.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;
using tmpl::Value;

class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_scan_" + NewId());
    std::filesystem::create_directories(dir_);
    auto c = SqlCatalog::Open(dir_ / "floe.db");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
    ASSERT_TRUE(catalog_->CreateNamespace({"lake"}).ok());
    tables_ = std::make_unique<Tables>(*catalog_, stores_);
    auto session = engine::Session::Open(
        {.functions = {IcebergFunctions({.catalog = dir_ / "floe.db", .on_scan = [this](const ScanReport& r) {
                                           std::lock_guard lock(mu_);
                                           reports_.push_back(r);
                                         }})}});
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

  static Schema OrdersSchema() {
    return *SchemaFromJson(*tmpl::ParseJson(R"json({"type": "struct", "schema-id": 0, "fields": [
      {"id": 1, "name": "id", "required": true, "type": "long"},
      {"id": 2, "name": "region", "required": false, "type": "string"},
      {"id": 3, "name": "day", "required": false, "type": "date"}]})json"));
  }
  static PartitionSpec ByRegion() {
    return *PartitionSpecFromJson(*tmpl::ParseJson(
        R"json({"spec-id": 0, "fields": [{"source-id": 2, "field-id": 1000, "name": "region", "transform": "identity"}]})json"));
  }
  std::string Location() const { return (dir_ / "warehouse" / "lake" / "orders").string(); }

  // Rows id in [from, to) of one region, as a data file of the table.
  DataFile Write(int from, int to, const std::string& region) {
    std::string path = Location() + "/data/region=" + region + "/" + NewId() + ".parquet";
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::string sql = "SELECT i::BIGINT AS id, '" + region + "' AS region, DATE '2026-01-01' + i::INTEGER AS day " +
                      "FROM range(" + std::to_string(from) + ", " + std::to_string(to) + ") t(i)";
    Status written = WriteParquet(*con_, sql, path, OrdersSchema());
    EXPECT_TRUE(written.ok()) << written.ToString();
    auto file = DescribeParquet(*con_, path, static_cast<int64_t>(std::filesystem::file_size(path)), OrdersSchema(),
                                {Value(region)});
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    return *file;
  }

  std::vector<tmpl::ValueList> Rows(const std::string& sql) {
    auto t = con_->Query(sql);
    EXPECT_TRUE(t.ok()) << sql << ": " << t.status().ToString();
    return t.ok() ? t->rows : std::vector<tmpl::ValueList>{};
  }
  int64_t Count(const std::string& sql) {
    auto rows = Rows(sql);
    return rows.empty() ? -1 : rows[0][0].AsInt();
  }
  ScanReport LastReport() {
    std::lock_guard lock(mu_);
    return reports_.empty() ? ScanReport{} : reports_.back();
  }

  std::filesystem::path dir_;
  storage::ObjectStores stores_;
  std::unique_ptr<SqlCatalog> catalog_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<engine::Session> session_;
  std::unique_ptr<engine::Connection> con_;
  std::mutex mu_;
  std::vector<ScanReport> reports_;
};

TEST_F(ScanTest, ReadsTheCurrentSnapshotAndTravelsBackInTime) {
  TableIdent orders{{"lake"}, "orders"};
  ASSERT_TRUE(tables_->Create(orders, Location(), OrdersSchema(), ByRegion()).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders')"), 0) << "an empty table reads as empty";

  auto first = tables_->Append(orders, {Write(0, 100, "eu"), Write(100, 150, "us")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  int64_t first_id = *first->metadata.current_snapshot_id;
  int64_t first_ms = first->metadata.CurrentSnapshot()->timestamp_ms;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second = tables_->Append(orders, {Write(150, 160, "eu")});
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  auto rows = Rows("SELECT count(*), sum(id), min(day), count(DISTINCT region) FROM iceberg_scan('lake.orders')");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].AsInt(), 160);
  EXPECT_EQ(rows[0][1].AsInt(), 159 * 160 / 2);
  EXPECT_EQ(rows[0][3].AsInt(), 2);
  EXPECT_EQ(LastReport().snapshot_id, *second->metadata.current_snapshot_id);

  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders', snapshot_id => " + std::to_string(first_id) + ")"),
            150);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders', as_of => make_timestamptz(" +
                  std::to_string(first_ms * 1000) + "))"),
            150);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders', ref => 'main')"), 160);

  auto missing = con_->Query("SELECT * FROM iceberg_scan('lake.orders', snapshot_id => 7)");
  EXPECT_THAT(missing.status().message(), HasSubstr("has no snapshot 7"));
  auto early = con_->Query("SELECT * FROM iceberg_scan('lake.orders', as_of => TIMESTAMPTZ '2001-01-01 00:00:00+00')");
  EXPECT_THAT(early.status().message(), HasSubstr("had no snapshot yet"));
  auto no_ref = con_->Query("SELECT * FROM iceberg_scan('lake.orders', ref => 'audit')");
  EXPECT_THAT(no_ref.status().message(), HasSubstr("no branch or tag 'audit' (it has main)"));
  auto no_table = con_->Query("SELECT * FROM iceberg_scan('lake.nope')");
  EXPECT_THAT(no_table.status().message(), HasSubstr("lake.nope"));
}

TEST_F(ScanTest, FiltersPruneManifestsAndFilesBeforeAnyIsOpened) {
  TableIdent orders{{"lake"}, "orders"};
  ASSERT_TRUE(tables_->Create(orders, Location(), OrdersSchema(), ByRegion()).ok());
  // Three commits: one manifest each. Ids are sorted across files, so each
  // file's bounds cover a distinct range.
  ASSERT_TRUE(tables_->Append(orders, {Write(0, 100, "eu"), Write(100, 200, "us")}).ok());
  ASSERT_TRUE(tables_->Append(orders, {Write(200, 300, "eu")}).ok());
  ASSERT_TRUE(tables_->Append(orders, {Write(300, 400, "apac")}).ok());

  // A partition filter: the "apac" manifest is the only one whose summary
  // holds "apac"; the others are not even read.
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE region = 'apac'"), 100);
  ScanReport r = LastReport();
  EXPECT_EQ(r.stats.manifests, 3);
  EXPECT_EQ(r.stats.manifests_skipped, 2);
  EXPECT_EQ(r.stats.files - r.stats.files_skipped, 1);

  // A point filter on a column with bounds keeps the one file that holds it.
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE id = 250"), 1);
  r = LastReport();
  EXPECT_EQ(r.stats.files, 4);
  EXPECT_EQ(r.stats.files - r.stats.files_skipped, 1);

  // Ranges, IN lists, BETWEEN and OR keep what may match and no more.
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE id >= 350"), 50);
  EXPECT_EQ(LastReport().stats.files - LastReport().stats.files_skipped, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE id IN (5, 305)"), 2);
  EXPECT_EQ(LastReport().stats.files - LastReport().stats.files_skipped, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE id BETWEEN 120 AND 180"), 61);
  EXPECT_EQ(LastReport().stats.files - LastReport().stats.files_skipped, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE region = 'us' OR id < 10"), 110);
  EXPECT_EQ(LastReport().stats.files - LastReport().stats.files_skipped, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE day = DATE '2026-01-01' + 42"), 1);
  EXPECT_EQ(LastReport().stats.files - LastReport().stats.files_skipped, 1);
  // A filter it cannot read (an expression over the column) prunes nothing
  // and still gives the right answer.
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE id % 100 = 7"), 4);
  EXPECT_EQ(LastReport().stats.files_skipped, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders') WHERE region IS NULL"), 0);
}

TEST_F(ScanTest, ReadsTablesByPathAndFollowsAMovedTable) {
  TableIdent orders{{"lake"}, "orders"};
  ASSERT_TRUE(tables_->Create(orders, Location(), OrdersSchema(), ByRegion()).ok());
  ASSERT_TRUE(tables_->Append(orders, {Write(0, 10, "eu")}).ok());
  ASSERT_TRUE(tables_->Append(orders, {Write(10, 30, "us")}).ok());

  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('" + Location() + "')"), 30) << "the newest metadata file";
  auto loaded = tables_->Load(orders);
  ASSERT_TRUE(loaded.ok());
  const std::string first_metadata = loaded->metadata.metadata_log.back().second;
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('" + first_metadata + "')"), 10) << "a metadata file";

  // The table folder moves: every path its metadata records is stale.
  std::filesystem::path moved = dir_ / "elsewhere" / "orders";
  std::filesystem::create_directories(moved.parent_path());
  std::filesystem::rename(Location(), moved);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('" + moved.string() + "') WHERE region = 'us'"), 20);
  EXPECT_TRUE(LastReport().moved);
  EXPECT_EQ(LastReport().found_location, moved.string());

  // A folder that holds no table says so.
  auto empty = con_->Query("SELECT * FROM iceberg_scan('" + (dir_ / "nothing").string() + "')");
  EXPECT_THAT(empty.status().message(), HasSubstr("no Iceberg table at"));
}

// Damaged files: every read fails clearly, naming the file, and nothing
// half-read is returned.
TEST_F(ScanTest, DamagedMetadataManifestsAndDataFilesAreErrorsNamingTheFile) {
  TableIdent orders{{"lake"}, "orders"};
  ASSERT_TRUE(tables_->Create(orders, Location(), OrdersSchema(), ByRegion()).ok());
  DataFile file = Write(0, 10, "eu");
  auto appended = tables_->Append(orders, {file});
  ASSERT_TRUE(appended.ok());
  auto truncate = [](const std::string& path, double keep) {
    auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, static_cast<uintmax_t>(static_cast<double>(size) * keep));
  };
  auto error = [&]() {
    auto r = con_->Query("SELECT count(*) FROM iceberg_scan('lake.orders')");
    return r.ok() ? std::string("no error") : r.status().message();
  };

  // A data file cut in half.
  std::string data_copy = file.file_path + ".bak";
  std::filesystem::copy_file(file.file_path, data_copy);
  truncate(file.file_path, 0.5);
  EXPECT_THAT(error(), HasSubstr(file.file_path));
  std::filesystem::rename(data_copy, file.file_path);
  EXPECT_EQ(Count("SELECT count(*) FROM iceberg_scan('lake.orders')"), 10);

  // A manifest and then the manifest list, truncated.
  std::string list_path = appended->metadata.CurrentSnapshot()->manifest_list;
  std::ifstream list_in(list_path, std::ios::binary);
  auto list_bytes = ReadManifestList(std::string(std::istreambuf_iterator<char>(list_in), {}), list_path);
  ASSERT_TRUE(list_bytes.ok()) << list_bytes.status().ToString();
  std::string manifest = list_bytes->manifests[0].manifest_path;
  std::filesystem::copy_file(manifest, manifest + ".bak");
  truncate(manifest, 0.6);
  EXPECT_THAT(error(), HasSubstr(manifest));
  std::filesystem::rename(manifest + ".bak", manifest);
  std::string list = appended->metadata.CurrentSnapshot()->manifest_list;
  std::filesystem::copy_file(list, list + ".bak");
  truncate(list, 0.3);
  EXPECT_THAT(error(), HasSubstr(list));
  std::filesystem::rename(list + ".bak", list);

  // The metadata file itself, damaged: the catalog points at it.
  std::string metadata = appended->metadata_location;
  { std::ofstream(metadata, std::ios::trunc) << "{\"format-version\": 2, \"table-uuid\": "; }
  EXPECT_THAT(error(), HasSubstr(metadata));
}

TEST_F(ScanTest, PruningNeverDropsAFileThatMayMatch) {
  Schema schema = OrdersSchema();
  PartitionSpec spec = ByRegion();
  DataFile f{.partition = {Value("eu")}, .record_count = 10};
  TypePtr long_type = Type::Primitive(Type::Kind::kLong);
  f.lower_bounds[1] = *ToBound(*long_type, Value(int64_t{10}));
  f.upper_bounds[1] = *ToBound(*long_type, Value(int64_t{20}));
  auto may = [&](const Predicate& p) { return FileMayMatch(p, f, spec, schema); };
  EXPECT_TRUE(may(Predicate::Compare(Predicate::kEq, 1, Value(int64_t{10}))));
  EXPECT_TRUE(may(Predicate::Compare(Predicate::kEq, 1, Value(int64_t{20}))));
  EXPECT_FALSE(may(Predicate::Compare(Predicate::kEq, 1, Value(int64_t{21}))));
  EXPECT_FALSE(may(Predicate::Compare(Predicate::kLt, 1, Value(int64_t{10}))));
  EXPECT_TRUE(may(Predicate::Compare(Predicate::kLtEq, 1, Value(int64_t{10}))));
  EXPECT_FALSE(may(Predicate::Compare(Predicate::kGt, 1, Value(int64_t{20}))));
  EXPECT_TRUE(may(Predicate::Compare(Predicate::kNotEq, 1, Value(int64_t{10}))));
  EXPECT_FALSE(may(Predicate::Compare(Predicate::kEq, 2, Value("us"))));
  EXPECT_TRUE(may(Predicate::Compare(Predicate::kEq, 2, Value("eu"))));
  EXPECT_TRUE(may(Predicate::Compare(Predicate::kEq, 99, Value("x")))) << "an unknown column decides nothing";
  EXPECT_TRUE(may(Predicate::Or({Predicate::Compare(Predicate::kEq, 2, Value("us")),
                                 Predicate::Compare(Predicate::kEq, 1, Value(int64_t{15}))})));
  EXPECT_FALSE(may(Predicate::And({Predicate::Compare(Predicate::kEq, 2, Value("eu")),
                                   Predicate::Compare(Predicate::kGt, 1, Value(int64_t{30}))})));
  EXPECT_FALSE(may(Predicate{.op = Predicate::kIsNull, .field_id = 2}));
}

}  // namespace
}  // namespace floe::iceberg
