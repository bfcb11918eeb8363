#include "iceberg/lake.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <set>

#include "core/id.h"
#include "iceberg/evolution.h"
#include "tmpl/json.h"

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

class LakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_lake_" + NewId());
    std::filesystem::create_directories(dir_);
    auto lake = Lake::Open({.catalog = dir_ / "floe.db", .warehouse = (dir_ / "warehouse").string()});
    ASSERT_TRUE(lake.ok()) << lake.status().ToString();
    lake_ = std::move(*lake);
  }
  void TearDown() override {
    lake_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::vector<tmpl::ValueList> Rows(const std::string& sql) {
    auto t = lake_->connection().Query(sql);
    EXPECT_TRUE(t.ok()) << sql << ": " << t.status().ToString();
    return t.ok() ? t->rows : std::vector<tmpl::ValueList>{};
  }
  int64_t Int(const std::string& sql) {
    auto rows = Rows(sql);
    return rows.empty() || rows[0][0].is_null() ? -1 : rows[0][0].AsInt();
  }

  std::filesystem::path dir_;
  std::unique_ptr<Lake> lake_;
};

TEST_F(LakeTest, CreateAppendOverwriteMergeAndDeleteAsCommits) {
  auto created = lake_->CreateTable({.table = "sales.orders",
                                     .query = "SELECT i::BIGINT AS id, ['eu', 'us', 'apac'][1 + i % 3] AS region, "
                                              "i * 10 AS amount FROM range(0, 30) t(i)",
                                     .partition_by = {"region"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->metadata.location, (dir_ / "warehouse" / "sales" / "orders").string());
  EXPECT_EQ(created->metadata.snapshots.size(), 1u) << "created from a query: its rows are the first snapshot";
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('sales.orders')"), 30);

  auto appended = lake_->Write({.table = "sales.orders", .query = "SELECT 100 AS id, 'eu' AS region, 1 AS amount"});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->added_records, 1);

  // Overwrite by filter: only the 'us' rows are replaced, only its file goes.
  auto overwritten = lake_->Write({.table = "sales.orders",
                                   .query = "SELECT 200 AS id, 'us' AS region, 5 AS amount",
                                   .mode = WriteMode::kOverwrite,
                                   .where = "region = 'us'"});
  ASSERT_TRUE(overwritten.ok()) << overwritten.status().ToString();
  EXPECT_EQ(overwritten->deleted_records, 10);
  EXPECT_EQ(overwritten->removed_files, 1);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('sales.orders') WHERE region = 'us'"), 1);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('sales.orders')"), 22);

  // Merge on id: 100 is updated, 300 is new.
  auto merged = lake_->Write({.table = "sales.orders",
                              .query = "SELECT * FROM (VALUES (100, 'eu', 99), (300, 'apac', 7)) v(id, region, amount)",
                              .mode = WriteMode::kMerge,
                              .keys = {"id"}});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->deleted_records, 1);
  EXPECT_EQ(Int("SELECT amount FROM iceberg_scan('sales.orders') WHERE id = 100"), 99);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('sales.orders')"), 23);
  auto dupes = lake_->Write({.table = "sales.orders",
                             .query = "SELECT * FROM (VALUES (1, 'eu', 1), (1, 'eu', 2)) v(id, region, amount)",
                             .mode = WriteMode::kMerge,
                             .keys = {"id"}});
  EXPECT_THAT(dupes.status().message(), HasSubstr("repeat 1 key(s)"));

  auto deleted = lake_->Delete("sales.orders", "amount >= 100");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('sales.orders') WHERE amount >= 100"), 0);
  auto none = lake_->Delete("sales.orders", "id = -1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->committed) << "deleting nothing commits nothing";

  // Every step is a snapshot, and each reads back as it was.
  auto history = lake_->tables().Load(*ParseTableIdent("sales.orders"));
  ASSERT_TRUE(history.ok());
  const auto& snaps = history->metadata.snapshots;
  ASSERT_EQ(snaps.size(), 5u);
  std::vector<int64_t> counts;
  for (const auto& s : snaps)
    counts.push_back(
        Int("SELECT count(*) FROM iceberg_scan('sales.orders', snapshot_id => " + std::to_string(s.snapshot_id) + ")"));
  EXPECT_EQ(counts, (std::vector<int64_t>{30, 31, 22, 23, 10}));
  EXPECT_EQ(snaps[2].summary.at("operation"), "overwrite");
  EXPECT_EQ(snaps[4].summary.at("operation"), "delete");
}

TEST_F(LakeTest, BadRequestsAreClearErrors) {
  EXPECT_THAT(lake_->CreateTable({.table = "orders", .query = "SELECT 1 AS a"}).status().message(),
              HasSubstr("namespace.table"));
  EXPECT_THAT(
      lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS a", .partition_by = {"day(a)"}}).status().message(),
      HasSubstr("day(a)"));
  EXPECT_THAT(lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS a", .partition_by = {"b"}}).status().message(),
              HasSubstr("no column 'b' (its columns: a)"));
  EXPECT_THAT(
      lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS a", .partition_by = {"bucket(a)"}}).status().message(),
      HasSubstr("positive width"));
  auto partitioned = [&](std::vector<std::string> by) {
    return lake_
        ->CreateTable({.table = "s.p", .query = "SELECT 1 AS a, DATE '2026-01-01' AS d", .partition_by = std::move(by)})
        .status()
        .message();
  };
  EXPECT_THAT(partitioned({"bucket(999999999999, a)"}), HasSubstr("positive width below 2^31"));
  EXPECT_THAT(partitioned({"truncate(-1, a)"}), HasSubstr("positive width"));
  EXPECT_THAT(partitioned({"day(d)", "day(d)"}), HasSubstr("repeats 'd_day'"));
  EXPECT_THAT(partitioned({"year(d)", "month(d)"}), HasSubstr("one time transform per column"));
  EXPECT_THAT(
      lake_
          ->CreateTable(
              {.table = "s.m", .query = "SELECT 1 AS a", .properties = {{"write.delete.mode", "merge_on_read"}}})
          .status()
          .message(),
      HasSubstr("write.delete.mode is 'merge_on_read'; it must be copy-on-write or merge-on-read"));
  ASSERT_TRUE(lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS a"}).ok());
  EXPECT_EQ(lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS a"}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS a", .if_not_exists = true}).ok());
  EXPECT_THAT(lake_->Delete("s.t", "nope = 1").status().message(), HasSubstr("nope"));
  EXPECT_FALSE(lake_->Write({.table = "s.missing", .query = "SELECT 1 AS a"}).ok());
  // An overwrite by filter adds only rows the filter matches.
  auto outside = lake_->Write(
      {.table = "s.t", .query = "SELECT 2 AS a UNION ALL SELECT 5", .mode = WriteMode::kOverwrite, .where = "a < 3"});
  EXPECT_THAT(outside.status().message(), HasSubstr("1 new row(s) do not match the overwrite condition 'a < 3'"));
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 1) << "nothing committed";
  EXPECT_TRUE(
      lake_->Write({.table = "s.t", .query = "SELECT 2 AS a", .mode = WriteMode::kOverwrite, .where = "a < 3"}).ok());
}

// Appends, deletes and schema changes, then every snapshot is read back
// with the schema and rows it had.
TEST_F(LakeTest, EverySnapshotReadsWhatTheTableHeldThenThroughSchemaChanges) {
  ASSERT_TRUE(lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS id, 10 AS amt"}).ok());
  TableIdent t = *ParseTableIdent("s.t");
  auto evolve = [&](std::vector<SchemaChange> changes) {
    auto r = lake_->tables().UpdateMetadata(t, [&](TableMetadata& m) { return EvolveSchema(m, changes); });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };
  evolve({{.kind = SchemaChange::kRename, .column = "amt", .name = "amount"},
          {.kind = SchemaChange::kAdd, .column = "note", .type = "string"},
          {.kind = SchemaChange::kWiden, .column = "amount", .type = "long"}});
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 2 AS id, 20 AS amount, 'two' AS note"}).ok());
  ASSERT_TRUE(lake_->Delete("s.t", "id = 1").ok());
  evolve({{.kind = SchemaChange::kDrop, .column = "note"}, {.kind = SchemaChange::kMoveFirst, .column = "amount"}});
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 3 AS id, 30 AS amount"}).ok());

  auto loaded = lake_->tables().Load(t);
  ASSERT_TRUE(loaded.ok());
  std::vector<std::string> seen;
  for (const auto& s : loaded->metadata.snapshots) {
    auto table = lake_->connection().Query("SELECT * FROM iceberg_scan('s.t', snapshot_id => " +
                                           std::to_string(s.snapshot_id) + ") ORDER BY ALL");
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    std::string text;
    for (const auto& c : table->columns) text += c.name + " ";
    for (const auto& row : table->rows) {
      text += "|";
      for (const auto& v : row) text += " " + (v.is_null() ? std::string("null") : tmpl::ToJson(v));
    }
    seen.push_back(text);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"id amt | 1 10", "id amount note | 1 10 null| 2 20 \"two\"",
                                            "id amount note | 2 20 \"two\"", "amount id | 20 2| 30 3"}));
  // The current schema reads the renamed column under its new name.
  EXPECT_EQ(Int("SELECT sum(amount) FROM iceberg_scan('s.t')"), 50);

  auto bad = lake_->tables().UpdateMetadata(t, [&](TableMetadata& m) {
    return EvolveSchema(m, {{.kind = SchemaChange::kWiden, .column = "amount", .type = "int"}});
  });
  EXPECT_THAT(bad.status().message(), HasSubstr("cannot widen to int"));
  bad = lake_->tables().UpdateMetadata(
      t, [&](TableMetadata& m) { return EvolveSchema(m, {{.kind = SchemaChange::kDrop, .column = "nope"}}); });
  EXPECT_THAT(bad.status().message(), HasSubstr("no column 'nope' (the columns: amount, id)"));
}

TEST_F(LakeTest, MaintenanceCompactsExpiresRollsBackAndPublishes) {
  ASSERT_TRUE(
      lake_->CreateTable({.table = "s.t", .query = "SELECT 0 AS id, 'eu' AS region", .partition_by = {"region"}}).ok());
  for (int i = 1; i < 6; ++i)
    ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT " + std::to_string(i) + " AS id, 'eu' AS region"}).ok());
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 9 AS id, 'us' AS region"}).ok());
  TableIdent t = *ParseTableIdent("s.t");
  int64_t before_compaction = *lake_->tables().Load(t)->metadata.current_snapshot_id;

  auto compacted = lake_->Compact("s.t");
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_EQ(compacted->removed_files, 6) << "the six small 'eu' files; 'us' has one";
  EXPECT_EQ(compacted->added_files, 1);
  EXPECT_EQ(lake_->tables().PlanFiles(compacted->table)->size(), 2u);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 7);
  EXPECT_EQ(compacted->table.metadata.CurrentSnapshot()->summary.at("operation"), "replace");

  // Expiring all but the last snapshot deletes what only older ones reached.
  auto expired = lake_->tables().ExpireSnapshots(t, std::numeric_limits<int64_t>::max(), 1);
  ASSERT_TRUE(expired.ok()) << expired.status().ToString();
  EXPECT_EQ(expired->snapshots, 7);
  EXPECT_EQ(expired->data_files, 6);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 7);
  auto gone = lake_->connection().Query("SELECT * FROM iceberg_scan('s.t', snapshot_id => " +
                                        std::to_string(before_compaction) + ")");
  EXPECT_THAT(gone.status().message(), HasSubstr("has no snapshot"));
  int parquet = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "warehouse"))
    parquet += e.path().extension() == ".parquet";
  EXPECT_EQ(parquet, 2);

  // Write-audit-publish: a branch, then main fast-forwarded onto it.
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 100 AS id, 'eu' AS region", .branch = "audit"}).ok());
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 7);
  auto published = lake_->tables().Publish({t}, "audit");
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 8);
  int64_t published_id = *(*published)[0].metadata.current_snapshot_id;
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 101 AS id, 'eu' AS region", .branch = "audit2"}).ok());
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 102 AS id, 'eu' AS region"}).ok());
  EXPECT_THAT(lake_->tables().Publish({t}, "audit2").status().message(), HasSubstr("main has moved on"));

  auto rolled = lake_->tables().Rollback(t, published_id);
  ASSERT_TRUE(rolled.ok()) << rolled.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 8);
  EXPECT_THAT(lake_->tables().Rollback(t, 12345).status().message(), HasSubstr("no snapshot 12345"));
  ASSERT_TRUE(lake_->tables().SetRef(t, "v1", /*branch=*/false, published_id).ok());
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t', ref => 'v1')"), 8);
  EXPECT_THAT(lake_->Write({.table = "s.t", .query = "SELECT 1 AS id", .branch = "v1"}).status().message(),
              HasSubstr("is a tag"));
}

// Found in review: partition values come from the rows as the table types
// them; a change computed from rows the branch no longer holds fails.
TEST_F(LakeTest, PartitionsFollowTheTableTypesAndStaleRewritesFail) {
  auto created = lake_->CreateTable({.table = "s.p",
                                     .schema = *SchemaFromJson(*tmpl::ParseJson(R"json({"type": "struct", "fields": [
                                       {"id": 1, "name": "n", "required": false, "type": "long"}]})json")),
                                     .partition_by = {"n"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto written = lake_->Write({.table = "s.p", .query = "SELECT 2.7 AS n"});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.p') WHERE n = 3"), 1);
  auto files = lake_->tables().PlanFiles(*lake_->tables().Load(*ParseTableIdent("s.p")));
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  ASSERT_TRUE(files->front().file.partition[0].is_int());
  EXPECT_EQ(files->front().file.partition[0].AsInt(), 3) << "the long written, not the 2.7 the query gave";

  TableIdent t = *ParseTableIdent("s.p");
  auto table = lake_->tables().Load(t);
  auto stale = lake_->tables().Commit(t, {.operation = "delete",
                                          .removed = {files->front().file.file_path},
                                          .read_snapshot = *table->metadata.current_snapshot_id + 1});
  EXPECT_THAT(stale.status().message(), HasSubstr("since the rows were read"));
}

TEST_F(LakeTest, PublishingSeveralTablesMovesAllOrNone) {
  for (const char* t : {"s.a", "s.b"}) {
    ASSERT_TRUE(lake_->CreateTable({.table = t, .query = "SELECT 1 AS id"}).ok());
    ASSERT_TRUE(lake_->Write({.table = t, .query = "SELECT 2 AS id", .branch = "audit"}).ok());
  }
  TableIdent a{{"s"}, "a"}, b{{"s"}, "b"};
  // b's main moves on: it cannot be fast-forwarded, so a must not move either.
  ASSERT_TRUE(lake_->Write({.table = "s.b", .query = "SELECT 3 AS id"}).ok());
  int64_t a_main = *lake_->tables().Load(a)->metadata.current_snapshot_id;
  auto refused = lake_->tables().Publish({a, b}, "audit");
  EXPECT_THAT(refused.status().message(), HasSubstr("main has moved on"));
  EXPECT_EQ(*lake_->tables().Load(a)->metadata.current_snapshot_id, a_main);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.a')"), 1);

  ASSERT_TRUE(lake_->tables().SetRef(b, "audit", true).ok());  // the branch again from main
  ASSERT_TRUE(lake_->Write({.table = "s.b", .query = "SELECT 4 AS id", .branch = "audit"}).ok());
  auto published = lake_->tables().Publish({a, b}, "audit", /*drop_branch=*/true);
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.a')"), 2);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.b')"), 3);
  EXPECT_EQ(lake_->tables().Load(b)->metadata.refs.count("audit"), 0u);
}

TEST_F(LakeTest, AColumnAnOldSpecUsedCanBeDroppedAndItsFilesRewritten) {
  ASSERT_TRUE(lake_
                  ->CreateTable({.table = "s.t",
                                 .query = "SELECT i AS id, 'r' || (i % 2) AS region FROM range(4) t(i)",
                                 .partition_by = {"region"}})
                  .ok());
  TableIdent t{{"s"}, "t"};
  ASSERT_TRUE(lake_->tables().UpdateMetadata(t, [](TableMetadata& m) { return EvolveSpec(m, {}); }).ok());
  ASSERT_TRUE(
      lake_->tables()
          .UpdateMetadata(
              t, [](TableMetadata& m) { return EvolveSchema(m, {{.kind = SchemaChange::kDrop, .column = "region"}}); })
          .ok());
  // Deleting rewrites the old spec's manifests, whose partitions name the
  // dropped column.
  auto deleted = lake_->Delete("s.t", "id = 1");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 3);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t') WHERE id = 1"), 0);
}

TEST_F(LakeTest, CherryPickAppliesOneSnapshotToMain) {
  ASSERT_TRUE(lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS id"}).ok());
  TableIdent t{{"s"}, "t"};
  auto head = [&](const std::string& branch) { return lake_->tables().Load(t)->metadata.refs.at(branch).snapshot_id; };
  // Made from main's head: main moves to it.
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 2 AS id", .branch = "b"}).ok());
  int64_t b = head("b");
  auto forwarded = lake_->tables().CherryPick(t, b);
  ASSERT_TRUE(forwarded.ok()) << forwarded.status().ToString();
  EXPECT_EQ(*forwarded->metadata.current_snapshot_id, b);

  // Made from an older main: its files are added on top of what main has now.
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 3 AS id", .branch = "c"}).ok());
  int64_t c = head("c");
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 4 AS id"}).ok());
  auto picked = lake_->tables().CherryPick(t, c);
  ASSERT_TRUE(picked.ok()) << picked.status().ToString();
  const Snapshot* now = picked->metadata.CurrentSnapshot();
  EXPECT_NE(now->snapshot_id, c);
  EXPECT_EQ(now->summary.at("source-snapshot-id"), std::to_string(c));
  EXPECT_EQ(now->summary.at("operation"), "append");
  EXPECT_EQ(Int("SELECT sum(id) FROM iceberg_scan('s.t')"), 1 + 2 + 3 + 4);
  EXPECT_THAT(lake_->tables().CherryPick(t, c).status().message(), HasSubstr("was cherry-picked before"));
  EXPECT_THAT(lake_->tables().CherryPick(t, b).status().message(), HasSubstr("already in main's history"));

  // A delete made from main's head is a fast-forward; made from an older
  // main, it was computed from rows main may no longer hold: refused.
  ASSERT_TRUE(lake_->tables().SetRef(t, "d", true).ok());
  ASSERT_TRUE(lake_->Delete("s.t", "id = 4", "d").ok());
  int64_t d = head("d");
  ASSERT_TRUE(lake_->tables().CherryPick(t, d).ok());
  EXPECT_EQ(Int("SELECT sum(id) FROM iceberg_scan('s.t')"), 1 + 2 + 3);
  ASSERT_TRUE(lake_->tables().SetRef(t, "e", true).ok());
  ASSERT_TRUE(lake_->Delete("s.t", "id = 3", "e").ok());
  int64_t e = head("e");
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 5 AS id"}).ok());
  EXPECT_THAT(lake_->tables().CherryPick(t, e).status().message(), HasSubstr("only appends can be cherry-picked"));
  EXPECT_EQ(Int("SELECT sum(id) FROM iceberg_scan('s.t')"), 1 + 2 + 3 + 5);
}

TEST_F(LakeTest, RewriteManifestsKeepsTheDataAndItsHistory) {
  ASSERT_TRUE(
      lake_
          ->CreateTable(
              {.table = "s.t",
               .schema = Schema{.fields = {{.id = 1, .name = "id", .type = Type::Primitive(Type::Kind::kLong)},
                                           {.id = 2, .name = "region", .type = Type::Primitive(Type::Kind::kString)}}},
               .partition_by = {"region"}})
          .ok());
  TableIdent t{{"s"}, "t"};
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(
        lake_
            ->Write({.table = "s.t",
                     .query = "SELECT " + std::to_string(i) + " AS id, 'r" + std::to_string(i % 3) + "' AS region"})
            .ok());
  int64_t before = *lake_->tables().Load(t)->metadata.current_snapshot_id;
  auto rewritten = lake_->tables().RewriteManifests(t);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  EXPECT_EQ(rewritten->replaced, 6);
  EXPECT_EQ(rewritten->created, 1);
  const Snapshot* now = rewritten->table.metadata.CurrentSnapshot();
  EXPECT_EQ(now->summary.at("operation"), "replace");
  EXPECT_EQ(now->summary.at("total-records"), "6");
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 6);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t', snapshot_id => " + std::to_string(before) + ")"), 6);
  // The entries keep the snapshot each file was added in.
  auto files = lake_->tables().PlanFiles(rewritten->table);
  ASSERT_TRUE(files.ok());
  std::set<int64_t> added_in;
  for (const auto& e : *files) added_in.insert(*e.snapshot_id);
  EXPECT_EQ(added_in.size(), 6u);
  // Later commits build on the rewritten manifests.
  ASSERT_TRUE(lake_->Delete("s.t", "region = 'r1'").ok());
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 4);
  // One manifest per spec already: nothing to rewrite, nothing committed.
  int64_t after_delete = *lake_->tables().Load(t)->metadata.current_snapshot_id;
  auto again = lake_->tables().RewriteManifests(t);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(*again->table.metadata.current_snapshot_id, after_delete);
}

TEST_F(LakeTest, MergeOnReadDeletesWritePositionDeleteFilesThatScansApply) {
  ASSERT_TRUE(lake_
                  ->CreateTable({.table = "s.t",
                                 .query = "SELECT i AS id, ['eu', 'us'][1 + i % 2] AS region FROM range(10) t(i)",
                                 .partition_by = {"region"},
                                 .properties = {{"write.delete.mode", "merge-on-read"}}})
                  .ok());
  TableIdent t{{"s"}, "t"};
  int64_t before = *lake_->tables().Load(t)->metadata.current_snapshot_id;
  auto deleted = lake_->Delete("s.t", "id IN (2, 3, 7)");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->deleted_records, 3);
  EXPECT_EQ(deleted->added_files, 2) << "one position delete file per partition";
  EXPECT_EQ(deleted->removed_files, 0) << "no data file is rewritten";
  const Snapshot* s = deleted->table.metadata.CurrentSnapshot();
  EXPECT_EQ(s->summary.at("operation"), "delete");
  EXPECT_EQ(s->summary.at("added-position-deletes"), "3");
  EXPECT_EQ(s->summary.at("total-delete-files"), "2");
  EXPECT_EQ(std::stoll(s->summary.at("total-files-size")),
            std::stoll(deleted->table.metadata.FindSnapshot(before)->summary.at("total-files-size")) +
                std::stoll(s->summary.at("added-files-size")))
      << "delete files count in the table's size";
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 7);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t') WHERE id IN (2, 3, 7)"), 0);
  EXPECT_EQ(Int("SELECT sum(id) FROM iceberg_scan('s.t') WHERE region = 'us'"), 1 + 5 + 9);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t', snapshot_id => " + std::to_string(before) + ")"), 10);

  // Deletes stack; a later append is not touched by earlier deletes; a
  // copy-on-write rewrite of a file with deletes keeps only live rows.
  ASSERT_TRUE(lake_->Delete("s.t", "id = 4").ok());
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 2 AS id, 'eu' AS region"}).ok());
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 7);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t') WHERE id = 2"), 1);
  ASSERT_TRUE(
      lake_
          ->Write(
              {.table = "s.t", .query = "SELECT 0 AS id, 'eu' AS region", .mode = WriteMode::kMerge, .keys = {"id"}})
          .ok());
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 7);
  auto compacted = lake_->Compact("s.t");
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.t')"), 7);
  EXPECT_EQ(Int("SELECT sum(id) FROM iceberg_scan('s.t')"), 0 + 1 + 2 + 5 + 6 + 8 + 9);
}

TEST_F(LakeTest, PositionDeletesApplyAcrossRowGroupsAndSkippedOnes) {
  ASSERT_TRUE(lake_
                  ->CreateTable({.table = "s.big",
                                 .query = "SELECT i AS id FROM range(300000) t(i)",
                                 .properties = {{"write.delete.mode", "merge-on-read"}}})
                  .ok());
  ASSERT_TRUE(lake_->Delete("s.big", "id % 1000 = 7").ok());
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.big')"), 300000 - 300);
  // A filter that skips the first row groups: positions still line up.
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.big') WHERE id >= 250000"), 50000 - 50);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.big') WHERE id = 250007"), 0);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.big') WHERE id = 250008"), 1);
}

TEST_F(LakeTest, EqualityDeletesApplyByFieldIdToOlderFilesOnly) {
  ASSERT_TRUE(lake_
                  ->CreateTable({.table = "s.e",
                                 .query = "SELECT i AS id, CASE WHEN i = 9 THEN NULL ELSE ['eu', 'us'][1 + i % 2] "
                                          "END AS region FROM range(10) t(i)"})
                  .ok());
  TableIdent t{{"s"}, "e"};
  // As Flink writes them: the deleted values of the equality columns, here
  // under another column name (field ids decide), with a null that matches
  // nulls.
  std::string path = (dir_ / "eq-deletes.parquet").string();
  ASSERT_TRUE(
      lake_->connection()
          .Execute("COPY (SELECT 'us' AS r UNION ALL SELECT NULL) TO '" + path + "' (FORMAT parquet, FIELD_IDS {r: 2})")
          .ok());
  DataFile eq{.content = FileContent::kEqualityDeletes,
              .file_path = path,
              .record_count = 2,
              .file_size_in_bytes = static_cast<int64_t>(std::filesystem::file_size(path)),
              .equality_ids = {2}};
  auto committed = lake_->tables().Commit(t, {.operation = "delete", .added_deletes = {{0, {eq}}}});
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(committed->metadata.CurrentSnapshot()->summary.at("added-equality-deletes"), "2");
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.e')"), 5);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.e') WHERE region IS DISTINCT FROM 'eu'"), 0);
  // Rows written after the delete are not deleted by it.
  ASSERT_TRUE(lake_->Write({.table = "s.e", .query = "SELECT 20 AS id, 'us' AS region"}).ok());
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.e') WHERE region = 'us'"), 1);
}

TEST_F(LakeTest, DecimalIdentityPartitionsRoundTripAndPrune) {
  auto created = lake_->CreateTable(
      {.table = "s.prices",
       .query = "SELECT * FROM (VALUES (1, 12.30::DECIMAL(9,2)), (2, -0.05::DECIMAL(9,2)), (3, 12.30::DECIMAL(9,2)), "
                "(4, NULL::DECIMAL(9,2))) t(id, amount)",
       .partition_by = {"amount"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto files = lake_->tables().PlanFiles(*created);
  ASSERT_TRUE(files.ok());
  std::set<std::string> folders;
  for (const auto& e : *files) {
    std::string path = e.file.file_path;
    folders.insert(path.substr(path.find("/data/") + 6, path.rfind('/') - path.find("/data/") - 6));
    // Read back from the manifest's fixed bytes as the unscaled value.
    if (path.find("amount=12.30") != std::string::npos) {
      EXPECT_EQ(e.file.partition[0].AsInt(), 1230);
    }
    if (path.find("amount=-0.05") != std::string::npos) {
      EXPECT_EQ(e.file.partition[0].AsInt(), -5);
    }
  }
  EXPECT_EQ(folders, (std::set<std::string>{"amount=12.30", "amount=-0.05", "amount=null"}));
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.prices') WHERE amount = 12.30"), 2);
  EXPECT_EQ(Int("SELECT id FROM iceberg_scan('s.prices') WHERE amount < 0"), 2);
  EXPECT_EQ(Int("SELECT count(*) FROM iceberg_scan('s.prices') WHERE amount IS NULL"), 1);
  // Decimals beyond 18 digits are refused clearly rather than mislabelled.
  auto wide = lake_->CreateTable(
      {.table = "s.wide", .query = "SELECT 1.5::DECIMAL(30,2) AS amount", .partition_by = {"amount"}});
  EXPECT_THAT(wide.status().message(), HasSubstr("wider than 18 digits"));
}

TEST_F(LakeTest, OrphanFilesGoAndEverythingTheTableReachesStays) {
  ASSERT_TRUE(lake_->CreateTable({.table = "s.t", .query = "SELECT 1 AS id", .partition_by = {"id"}}).ok());
  ASSERT_TRUE(lake_->Write({.table = "s.t", .query = "SELECT 2 AS id"}).ok());
  ASSERT_TRUE(lake_->Delete("s.t", "id = 1").ok());
  TableIdent t = *ParseTableIdent("s.t");
  // What a killed write leaves: a data file and a manifest no snapshot names.
  std::filesystem::path location = dir_ / "warehouse" / "s" / "t";
  std::ofstream(location / "data" / "stray.parquet") << "half a file";
  std::ofstream(location / "metadata" / "stray-m0.avro") << "half a manifest";

  auto dry = lake_->tables().RemoveOrphanFiles(t, std::numeric_limits<int64_t>::max(), /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->deleted.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(location / "data" / "stray.parquet"));
  auto young = lake_->tables().RemoveOrphanFiles(t, 0);
  ASSERT_TRUE(young.ok());
  EXPECT_TRUE(young->deleted.empty()) << "files newer than the cutoff may belong to a write in flight";
  EXPECT_EQ(young->too_new.size(), 2u);

  auto removed = lake_->tables().RemoveOrphanFiles(t, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->deleted.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(location / "data" / "stray.parquet"));
  EXPECT_GT(removed->kept, 5);
  // Every snapshot still reads: the deleted snapshot's files were reachable.
  auto loaded = lake_->tables().Load(t);
  ASSERT_TRUE(loaded.ok());
  for (const auto& s : loaded->metadata.snapshots)
    EXPECT_GE(Int("SELECT count(*) FROM iceberg_scan('s.t', snapshot_id => " + std::to_string(s.snapshot_id) + ")"), 1);
}

}  // namespace
}  // namespace floe::iceberg
