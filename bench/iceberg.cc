// Iceberg benchmarks, each against a baseline measured in the same run:
//
//   scan      iceberg_scan over a 10M-row table vs read_parquet over the
//             same files (a full aggregate, and a filter on the partition
//             column), median of 5 each, alternating.
//   planning  planning a table of 1,000 snapshots and 10,000 data files
//             (the whole table, and a point filter) vs reading the same
//             metadata files' bytes (the I/O floor); budget 100 ms.
//   commit    one-file appends through the SQLite catalog vs the catalog's
//             compare-and-swap alone.
//   deletes   the scan's table after a merge-on-read delete of 1% of its
//             rows: iceberg_scan vs the same Parquet files anti-joined by
//             hand with the position delete files.
//
//   build/default/bench/bench_iceberg [scan|deletes|planning|commit]   (all by default)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "bench_util.h"
#include "core/id.h"
#include "iceberg/lake.h"
#include "iceberg/scan.h"
#include "iceberg/values.h"

namespace floe::bench {
namespace {

namespace fs = std::filesystem;
using iceberg::Lake;

std::unique_ptr<Lake> OpenLake(const fs::path& dir) {
  auto lake = Lake::Open({.catalog = dir / "floe.db", .warehouse = (dir / "warehouse").string()});
  if (!lake.ok()) {
    std::fprintf(stderr, "%s\n", lake.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*lake);
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// 10M rows in 20 appends (one file per day partition each): 200 files.
void CreateEvents(Lake& lake, std::map<std::string, std::string> properties = {}) {
  Check(lake.CreateTable(
                {.table = "b.events",
                 .schema =
                     iceberg::Schema{
                         .fields =
                             {{.id = 1, .name = "id", .type = iceberg::Type::Primitive(iceberg::Type::Kind::kLong)},
                              {.id = 2, .name = "day", .type = iceberg::Type::Primitive(iceberg::Type::Kind::kDate)},
                              {.id = 3,
                               .name = "amount",
                               .type = iceberg::Type::Primitive(iceberg::Type::Kind::kDouble)}}},
                 .partition_by = {"day"},
                 .properties = std::move(properties)})
            .status(),
        "create");
  for (int batch = 0; batch < 20; ++batch) {
    std::string from = std::to_string(batch * 500000), to = std::to_string((batch + 1) * 500000);
    Check(lake.Write({.table = "b.events",
                      .query = "SELECT i AS id, DATE '2026-01-01' + (i % 10)::INTEGER AS day, (i % 1000) / 7.0 AS "
                               "amount FROM range(" +
                               from + ", " + to + ") t(i)"})
              .status(),
          "write");
  }
}

// The data files of b.events now.
std::vector<std::string> EventFiles(Lake& lake) {
  auto table = lake.tables().Load(*iceberg::ParseTableIdent("b.events"));
  auto files = lake.tables().PlanFiles(*table);
  std::vector<std::string> paths;
  for (const auto& f : *files) paths.push_back(f.file.file_path);
  return paths;
}

// Runs each case's two queries alternately, 5 times, and prints the medians.
struct Case {
  const char* name;
  std::string iceberg, baseline;
};
void Compare(engine::Connection& con, const std::vector<Case>& cases, const char* baseline_name) {
  auto run = [&](const std::string& sql) {
    auto r = con.Query(sql);
    if (!r.ok()) {
      std::fprintf(stderr, "%s: %s\n", sql.c_str(), r.status().ToString().c_str());
      std::exit(1);
    }
  };
  for (const auto& c : cases) {
    run(c.iceberg), run(c.baseline);  // warm the page cache
    std::vector<double> a, b;
    for (int i = 0; i < 5; ++i) {
      a.push_back(MedianMs(1, [&] { run(c.iceberg); }));
      b.push_back(MedianMs(1, [&] { run(c.baseline); }));
    }
    std::sort(a.begin(), a.end()), std::sort(b.begin(), b.end());
    std::printf("  %-16s iceberg_scan %8.1f ms   %s %8.1f ms   ratio %.2f\n", c.name, a[2], baseline_name, b[2],
                a[2] / b[2]);
  }
}

std::string ParquetList(const std::vector<std::string>& paths) {
  std::string list;
  for (const auto& p : paths) list += (list.empty() ? "'" : ", '") + p + "'";
  return "[" + list + "]";
}

void Scan(const fs::path& dir) {
  auto lake = OpenLake(dir);
  CreateEvents(*lake);
  std::vector<std::string> paths = EventFiles(*lake);
  std::string parquet = "read_parquet(" + ParquetList(paths) + ", hive_partitioning = false)";
  std::printf("scan: 10,000,000 rows in %zu files\n", paths.size());
  Compare(lake->connection(),
          {{"full aggregate", "SELECT count(*), sum(amount), max(id) FROM iceberg_scan('b.events')",
            "SELECT count(*), sum(amount), max(id) FROM " + parquet},
           {"one partition", "SELECT count(*), sum(amount) FROM iceberg_scan('b.events') WHERE day = DATE '2026-01-04'",
            "SELECT count(*), sum(amount) FROM " + parquet + " WHERE day = DATE '2026-01-04'"}},
          "read_parquet");
}

// Merge-on-read: the same table after a delete of 1% of its rows written
// as position delete files, read by iceberg_scan vs the same files joined
// by hand (read_parquet with file names and row numbers, anti-joined with
// the delete files).
void Deletes(const fs::path& dir) {
  auto lake = OpenLake(dir);
  CreateEvents(*lake, {{"write.delete.mode", "merge-on-read"}});
  Check(lake->Delete("b.events", "id % 97 = 7").status(), "delete");  // about 1%, in every partition
  std::vector<std::string> paths = EventFiles(*lake);
  std::vector<std::string> deletes;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().string().ends_with("-deletes.parquet")) deletes.push_back(e.path().string());
  std::string joined = "read_parquet(" + ParquetList(paths) +
                       ", hive_partitioning = false, filename = true, file_row_number = true) d ANTI JOIN "
                       "read_parquet(" +
                       ParquetList(deletes) +
                       ") x ON d.filename = x.file_path AND "
                       "d.file_row_number = x.pos";
  std::printf("deletes: 10,000,000 rows in %zu files, about 1%% deleted (%zu position delete files)\n", paths.size(),
              deletes.size());
  Compare(lake->connection(),
          {{"full aggregate", "SELECT count(*), sum(amount), max(id) FROM iceberg_scan('b.events')",
            "SELECT count(*), sum(amount), max(id) FROM " + joined},
           {"one partition", "SELECT count(*), sum(amount) FROM iceberg_scan('b.events') WHERE day = DATE '2026-01-04'",
            "SELECT count(*), sum(amount) FROM " + joined + " WHERE day = DATE '2026-01-04'"}},
          "anti-join");
}

void Planning(const fs::path& dir) {
  auto lake = OpenLake(dir);
  iceberg::Schema schema{
      .fields = {{.id = 1, .name = "id", .type = iceberg::Type::Primitive(iceberg::Type::Kind::kLong)},
                 {.id = 2, .name = "region", .type = iceberg::Type::Primitive(iceberg::Type::Kind::kString)}}};
  Check(lake->CreateTable({.table = "b.big", .schema = schema, .partition_by = {"region"}}).status(), "create");
  iceberg::TableIdent ident = *iceberg::ParseTableIdent("b.big");
  // 1,000 commits of 10 files each (metadata only: planning never opens them).
  for (int c = 0; c < 1000; ++c) {
    std::vector<iceberg::DataFile> files;
    for (int f = 0; f < 10; ++f) {
      int64_t lo = (c * 10 + f) * 1000;
      iceberg::DataFile d{
          .file_path = (dir / "data" / (std::to_string(c) + "_" + std::to_string(f) + ".parquet")).string(),
          .partition = {tmpl::Value("r" + std::to_string(f))},
          .record_count = 1000,
          .file_size_in_bytes = 50000};
      d.lower_bounds[1] = *iceberg::ToBound(*schema.fields[0].type, tmpl::Value(lo));
      d.upper_bounds[1] = *iceberg::ToBound(*schema.fields[0].type, tmpl::Value(lo + 999));
      d.value_counts[1] = 1000;
      d.null_value_counts[1] = 0;
      files.push_back(std::move(d));
    }
    Check(lake->tables().Append(ident, files).status(), "append");
  }
  auto plan = [&](const iceberg::Predicate& filter) -> size_t {
    auto opened = iceberg::OpenTable("b.big", &lake->catalog(), lake->stores());
    auto planner = iceberg::ScanPlanner::Start(std::move(*opened), {}, lake->stores());
    auto p = planner->Plan(filter);
    if (!p.ok()) std::exit(1);
    return p->files.size();
  };
  size_t all = 0, point = 0;
  double open = MedianMs(5, [&] {
    auto opened = iceberg::OpenTable("b.big", &lake->catalog(), lake->stores());
    if (!opened.ok()) std::exit(1);
  });
  double whole = MedianMs(5, [&] { all = plan(iceberg::Predicate::True()); });
  double filtered = MedianMs(
      5, [&] { point = plan(iceberg::Predicate::Compare(iceberg::Predicate::kEq, 1, tmpl::Value(int64_t{4567891}))); });
  // The floor: reading every metadata file planning reads, and nothing else.
  double raw = MedianMs(5, [&] {
    size_t bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir / "warehouse" / "b" / "big" / "metadata")) {
      std::ifstream in(e.path(), std::ios::binary);
      bytes += std::string((std::istreambuf_iterator<char>(in)), {}).size();
    }
    if (!bytes) std::exit(1);
  });
  // Decoding the largest manifest alone.
  fs::path largest;
  for (const auto& e : fs::directory_iterator(dir / "warehouse" / "b" / "big" / "metadata"))
    if (e.path().extension() == ".avro" && e.path().filename().string().find("snap-") != 0 &&
        (largest.empty() || fs::file_size(e.path()) > fs::file_size(largest)))
      largest = e.path();
  std::ifstream in(largest, std::ios::binary);
  std::string manifest_bytes((std::istreambuf_iterator<char>(in)), {});
  size_t entries = 0;
  double decode =
      MedianMs(5, [&] { entries = iceberg::ReadManifest(manifest_bytes, largest.string())->entries.size(); });
  std::printf("planning: 1,000 snapshots, 10,000 data files\n");
  std::printf("  decoding the largest manifest (%zu entries, %zu bytes) %.1f ms\n", entries, manifest_bytes.size(),
              decode);
  std::printf("  whole table    %8.1f ms (%zu files)   budget 100 ms   ratio to budget %.2f\n", whole, all,
              whole / 100);
  std::printf("  point filter   %8.1f ms (%zu file)\n", filtered, point);
  std::printf("  of which reading the table's metadata file %.1f ms\n", open);
  std::printf("  reading every metadata file's bytes (every snapshot's, a superset) %.1f ms\n", raw);
}

void Commit(const fs::path& dir) {
  auto lake = OpenLake(dir);
  Check(lake->CreateTable({.table = "b.c", .query = "SELECT 1 AS id"}).status(), "create");
  iceberg::TableIdent ident = *iceberg::ParseTableIdent("b.c");
  iceberg::DataFile file{.file_path = (dir / "f.parquet").string(), .record_count = 1, .file_size_in_bytes = 100};
  int n = 0;
  double append = MedianMs(200, [&] {
    Check(lake->tables().Append(ident, {file}).status(), "append");
    ++n;
  });
  // The catalog's compare-and-swap alone, pointing the table at the
  // location it already has.
  auto location = lake->catalog().LoadTable(ident);
  double cas = MedianMs(200, [&] { Check(lake->catalog().CommitTable(ident, *location, *location), "cas"); });
  std::printf("commit: %d one-file appends on the SQLite catalog\n", n);
  std::printf("  append commit  %6.2f ms   catalog CAS alone %6.2f ms   ratio %.1f\n", append, cas, append / cas);
}

}  // namespace
}  // namespace floe::bench

int main(int argc, char** argv) {
  using namespace floe::bench;
  std::string which = argc > 1 ? argv[1] : "all";
  if (which == "decode" && argc > 2) {  // profiling aid: decode one manifest 50 times
    std::ifstream in(argv[2], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    size_t n = 0;
    for (int i = 0; i < 50; ++i) n += floe::iceberg::ReadManifest(bytes, argv[2])->entries.size();
    std::printf("%zu entries\n", n);
    return 0;
  }
  auto dir = std::filesystem::temp_directory_path() / ("floe_bench_iceberg_" + floe::NewId());
  auto run = [&](const char* name, void (*fn)(const std::filesystem::path&)) {
    if (which != "all" && which != name) return;
    std::filesystem::create_directories(dir / name);
    fn(dir / name);
  };
  run("scan", Scan);
  run("deletes", Deletes);
  run("planning", Planning);
  run("commit", Commit);
  if (std::getenv("FLOE_BENCH_KEEP")) {
    std::printf("kept %s\n", dir.c_str());
  } else {
    std::filesystem::remove_all(dir);
  }
  return 0;
}
