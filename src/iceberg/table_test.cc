#include "iceberg/table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/id.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_tables_" + NewId());
    auto c = SqlCatalog::Open(dir_ / "floe.db");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
    ASSERT_TRUE(catalog_->CreateNamespace({"lake"}).ok());
    tables_ = std::make_unique<Tables>(*catalog_, stores_);
  }
  void TearDown() override {
    tables_.reset();
    catalog_.reset();
    std::filesystem::remove_all(dir_);
  }

  static Schema OrdersSchema() {
    return *SchemaFromJson(*tmpl::ParseJson(R"json({"type": "struct", "schema-id": 0, "fields": [
      {"id": 1, "name": "id", "required": true, "type": "long"},
      {"id": 2, "name": "region", "required": false, "type": "string"}]})json"));
  }
  static PartitionSpec ByRegion() {
    return *PartitionSpecFromJson(*tmpl::ParseJson(
        R"json({"spec-id": 0, "fields": [{"source-id": 2, "field-id": 1000, "name": "region", "transform": "identity"}]})json"));
  }
  static DataFile File(const std::string& name, const std::string& region, int64_t rows) {
    return DataFile{.file_path = "data/" + name + ".parquet",
                    .partition = {tmpl::Value(region)},
                    .record_count = rows,
                    .file_size_in_bytes = rows * 10};
  }
  std::string Location() const { return (dir_ / "warehouse" / "lake" / "orders").string(); }

  std::filesystem::path dir_;
  storage::ObjectStores stores_;
  std::unique_ptr<SqlCatalog> catalog_;
  std::unique_ptr<Tables> tables_;
};

TEST_F(TableTest, AppendsAreSnapshotsAndEverySnapshotPlansItsFiles) {
  TableIdent orders{{"lake"}, "orders"};
  auto created = tables_->Create(orders, Location(), OrdersSchema(), ByRegion(), {{"owner", "data"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_THAT(created->metadata_location, HasSubstr("/metadata/00000-"));
  EXPECT_TRUE(tables_->PlanFiles(*created)->empty());

  auto first = tables_->Append(orders, {File("a", "eu", 10), File("b", "us", 5)});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = tables_->Append(orders, {File("c", "eu", 7)});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_THAT(second->metadata_location, HasSubstr("/metadata/00002-"));

  auto loaded = tables_->Load(orders);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const TableMetadata& m = loaded->metadata;
  ASSERT_EQ(m.snapshots.size(), 2u);
  EXPECT_EQ(m.last_sequence_number, 2);
  const Snapshot* current = m.CurrentSnapshot();
  EXPECT_EQ(current->summary.at("operation"), "append");
  EXPECT_EQ(current->summary.at("total-records"), "22");
  EXPECT_EQ(current->summary.at("total-data-files"), "3");
  EXPECT_EQ(current->parent_snapshot_id, m.snapshots[0].snapshot_id);
  EXPECT_EQ(m.refs.at("main").snapshot_id, current->snapshot_id);
  EXPECT_EQ(m.metadata_log.size(), 2u);
  EXPECT_EQ(m.properties.at("owner"), "data");

  // The current snapshot has all three files, with the sequence numbers of
  // the commits that added them; the first snapshot still has its two.
  auto now = tables_->PlanFiles(*loaded);
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  ASSERT_EQ(now->size(), 3u);
  std::map<std::string, int64_t> sequence;
  for (const auto& e : *now) sequence[e.file.file_path] = *e.sequence_number;
  EXPECT_EQ(sequence.at("data/c.parquet"), 2);
  EXPECT_EQ(sequence.at("data/a.parquet"), 1);
  auto then = tables_->PlanFiles(*loaded, m.snapshots[0].snapshot_id);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->size(), 2u);
  EXPECT_EQ(tables_->PlanFiles(*loaded, 42).status().code(), StatusCode::kNotFound);
  // Time travel by timestamp and by ref.
  EXPECT_EQ(m.SnapshotAsOf(m.snapshots[0].timestamp_ms - 1), nullptr);
  EXPECT_EQ(m.SnapshotAsOf(current->timestamp_ms + 1), current);
  EXPECT_EQ(m.SnapshotOfRef("main"), current);
  EXPECT_EQ(m.SnapshotOfRef("nope"), nullptr);

  // The manifest list summarizes the partitions it holds.
  auto list_bytes = stores_.Open(current->manifest_list);
  ASSERT_TRUE(list_bytes.ok());
  auto list = ReadManifestList(*list_bytes->store->Get(list_bytes->key), current->manifest_list);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->manifests.size(), 2u);
  EXPECT_EQ((*list->manifests[0].partitions)[0].lower_bound, "eu");
  EXPECT_EQ((*list->manifests[1].partitions)[0].upper_bound, "us");

  EXPECT_THAT(tables_->Append(orders, {}).status().message(), HasSubstr("nothing to append"));
  DataFile wrong = File("d", "eu", 1);
  wrong.partition.clear();
  EXPECT_THAT(tables_->Append(orders, {wrong}).status().message(), HasSubstr("has 0 partition values"));
  EXPECT_EQ(tables_->Create(orders, Location(), OrdersSchema()).status().code(), StatusCode::kAlreadyExists);
}

// 8 writers append 50 times each to one table at once: every append is a
// snapshot, none is lost, and no metadata file of a lost attempt is left.
TEST_F(TableTest, ConcurrentAppendsRebaseAndNoneIsLost) {
  TableIdent t{{"lake"}, "events"};
  ASSERT_TRUE(tables_
                  ->Create(t, Location(), OrdersSchema(), ByRegion(),
                           {{"commit.retry.num-retries", "1000"},
                            {"commit.retry.min-wait-ms", "1"},
                            {"commit.retry.max-wait-ms", "20"}})
                  .ok());
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      auto catalog = SqlCatalog::Open(dir_ / "floe.db");
      storage::ObjectStores stores;
      Tables mine(**catalog, stores);
      for (int i = 0; i < 50; ++i) {
        auto r = mine.Append(t, {File("w" + std::to_string(w) + "-" + std::to_string(i), w % 2 ? "eu" : "us", 1)});
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << r.status().ToString();
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures.load(), 0);
  auto loaded = tables_->Load(t);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->metadata.snapshots.size(), 400u);
  EXPECT_EQ(loaded->metadata.last_sequence_number, 400);
  EXPECT_EQ(loaded->metadata.CurrentSnapshot()->summary.at("total-records"), "400");
  auto files = tables_->PlanFiles(*loaded);
  ASSERT_TRUE(files.ok());
  std::set<std::string> paths;
  for (const auto& e : *files) paths.insert(e.file.file_path);
  EXPECT_EQ(paths.size(), 400u);
  // Metadata files: the first, and one per committed snapshot.
  int metadata_files = 0, manifest_lists = 0;
  for (const auto& f : std::filesystem::directory_iterator(std::filesystem::path(Location()) / "metadata")) {
    std::string name = f.path().filename().string();
    metadata_files += name.ends_with(".metadata.json");
    manifest_lists += name.starts_with("snap-");
  }
  EXPECT_EQ(metadata_files, 401);
  EXPECT_EQ(manifest_lists, 400);
}

}  // namespace
}  // namespace floe::iceberg
