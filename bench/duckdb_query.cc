// duckdb.Query against DuckDB's C++ API on the same aggregation over a
// generated 10M-row table in a DuckDB file. floe's side is the whole task run
// (flow parse excluded): execution and task-run records, property rendering,
// opening the database, the query, result conversion into outputs. The
// baseline opens the same file, runs the same SQL and reads every value.
//
//   build/default/bench/bench_duckdb_query [rows=10000000] [reps=7]
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "bench_util.h"
#include "duckdb.hpp"

namespace {

constexpr const char* kQuery =
    "SELECT k, count(*) AS n, sum(v) AS total, avg(v) AS mean, max(v) AS top FROM t GROUP BY k ORDER BY k";

}  // namespace

int main(int argc, char** argv) {
  long long rows = argc > 1 ? std::atoll(argv[1]) : 10000000;
  int reps = argc > 2 ? std::atoi(argv[2]) : 7;
  floe::bench::ScratchFloe floe;
  std::string db_path = (floe.dir() / "bench.duckdb").string();
  {
    duckdb::DuckDB db(db_path);
    duckdb::Connection con(db);
    auto r = con.Query(
        "CREATE TABLE t AS SELECT (i % 1000)::INTEGER AS k, (i * 7919 % 100003) / 100.0 AS v "
        "FROM range(" +
        std::to_string(rows) + ") r(i)");
    if (r->HasError()) {
      std::fprintf(stderr, "%s\n", r->GetError().c_str());
      return 1;
    }
  }
  floe::flow::Flow flow =
      floe.Parse(std::string("id: agg\nnamespace: bench\ntasks:\n  - id: q\n    type: duckdb.Query\n") +
                 "    url: jdbc:duckdb:" + db_path + "\n    sql: " + kQuery + "\n    fetchType: FETCH\n");

  auto direct = [&] {
    duckdb::DuckDB db(db_path);
    duckdb::Connection con(db);
    auto result = con.Query(kQuery);
    if (result->HasError()) std::abort();
    size_t values = 0;
    for (auto& row : *result) {
      for (duckdb::idx_t c = 0; c < result->ColumnCount(); ++c) values += !row.GetValue<duckdb::Value>(c).IsNull();
    }
    if (values != 5000) std::abort();
  };
  auto via_floe = [&] { floe.Run(flow); };
  direct();  // warm the page cache for both
  via_floe();
  // Interleave so drift on the machine hits both sides alike.
  std::vector<double> floe_ms, direct_ms;
  for (int i = 0; i < reps; ++i) {
    direct_ms.push_back(floe::bench::MedianMs(1, direct));
    floe_ms.push_back(floe::bench::MedianMs(1, via_floe));
  }
  std::sort(floe_ms.begin(), floe_ms.end());
  std::sort(direct_ms.begin(), direct_ms.end());
  double f = floe_ms[floe_ms.size() / 2], d = direct_ms[direct_ms.size() / 2];
  std::printf("rows: %lld, query: %s\n", rows, kQuery);
  std::printf("DuckDB C++ API directly: %8.1f ms (median of %d)\n", d, reps);
  std::printf("floe duckdb.Query task:  %8.1f ms (median of %d)\n", f, reps);
  std::printf("ratio floe / direct:     %8.3f (target <= 1.05): %s\n", f / d, f / d <= 1.05 ? "PASS" : "FAIL");
  return 0;
}
