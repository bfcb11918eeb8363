// Runs the dbt projects of tests/models/ with the real `floe models` binary,
// step by step as each case's steps.yml says, and compares exit codes, the
// Done. counts, messages and the relations' contents (read back with DuckDB)
// with what dbt-duckdb gives. The corpus is described in tests/models/README.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "engine/session.h"
#include "tests/support/git_repo.h"
#include "tests/support/shell.h"
#include "tmpl/json.h"

namespace floe {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kCorpus = fs::path(FLOE_SOURCE_DIR) / "tests" / "models";

std::vector<std::string> Cases() {
  std::vector<std::string> cases;
  for (const fs::path& root : {kCorpus, kCorpus / "errors"}) {
    for (const auto& entry : fs::directory_iterator(root))
      if (fs::exists(entry.path() / "steps.yml")) cases.push_back(fs::relative(entry.path(), kCorpus).string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One CSV record per line (the corpus has no multi-line values).
std::vector<std::vector<std::string>> ReadCsv(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.push_back(cell);
        cell.clear();
      } else {
        cell += c;
      }
    }
    row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

// The query's rows as the corpus writes them: header, then each value cast to
// VARCHAR, NULL as <null>.
Result<std::vector<std::vector<std::string>>> QueryAsText(const fs::path& database, const std::string& sql) {
  engine::SessionOptions options;
  options.database = database.string();
  ASSIGN_OR_RETURN(auto session, engine::Session::Open(options));
  ASSIGN_OR_RETURN(auto connection, session->Connect());
  ASSIGN_OR_RETURN(engine::Table table, connection->Query("SELECT COLUMNS(*)::VARCHAR FROM (" + sql + ")"));
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back();
  for (const auto& c : table.columns) rows.back().push_back(c.name);
  for (const auto& r : table.rows) {
    rows.emplace_back();
    for (const auto& v : r) rows.back().push_back(v.is_null() ? "<null>" : v.AsString());
  }
  return rows;
}

std::string Join(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + r[i];
    out += "\n";
  }
  return out;
}

// "PASS=21 WARN=1 ..." -> {PASS: 21, WARN: 1, ...}
std::map<std::string, std::string> Counts(const std::string& text) {
  std::map<std::string, std::string> counts;
  static const std::regex count(R"((PASS|WARN|ERROR|SKIP|TOTAL)=(\d+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), count); it != std::sregex_iterator(); ++it)
    counts[(*it)[1]] = (*it)[2];
  return counts;
}

// A fresh copy of a corpus case for one test, removed once the test passed.
struct CaseCopy {
  explicit CaseCopy(const std::string& corpus_case)
      : dir(fs::temp_directory_path() / ("floe_models_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(dir);
    fs::copy(kCorpus / corpus_case, dir, fs::copy_options::recursive);
  }
  ~CaseCopy() {
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
  }
  // `floe models <args>` in the copy's project folder; stdout and stderr.
  testing::CommandResult Floe(const std::string& args) const {
    return testing::RunShell("cd " + ShellQuote((dir / "project").string()) + " && " + FLOE_BINARY + " models " + args +
                             " 2>&1");
  }
  fs::path dir;
};

class ModelsCorpusTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string name = GetParam();
    std::replace(name.begin(), name.end(), '/', '_');
    work_ = fs::temp_directory_path() / ("floe_models_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(work_);
    fs::create_directories(work_);
    // Packages may sit beside the case's project (local: ../my_utils).
    fs::copy(kCorpus / GetParam(), work_, fs::copy_options::recursive);
    for (const char* generated : {"project/target", "project/dbt_packages", "project/logs"})
      fs::remove_all(work_ / generated);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(work_);
  }

  fs::path work_;
};

TEST_P(ModelsCorpusTest, StepsGiveDbtsResults) {
  YAML::Node doc = YAML::LoadFile((work_ / "steps.yml").string());
  int number = 0;
  for (const auto& step : doc["steps"]) {
    ++number;
    std::string name = step["name"].as<std::string>("");
    SCOPED_TRACE("step " + std::to_string(number) + ": " + name);
    for (const auto& r : step["replace"])
      fs::copy_file(work_ / r["from"].as<std::string>(), work_ / r["to"].as<std::string>(),
                    fs::copy_options::overwrite_existing);
    for (const auto& d : step["delete"]) fs::remove(work_ / d.as<std::string>());
    std::string env;
    for (const auto& e : step["env"])
      env += e.first.as<std::string>() + "=" + ShellQuote(e.second.as<std::string>()) + " ";
    std::string command = "cd " + ShellQuote((work_ / "project").string()) + " && env " + env + FLOE_BINARY +
                          " models " + step["command"].as<std::string>() + " 2>&1";
    testing::CommandResult run = testing::RunShell(command);
    SCOPED_TRACE("floe models " + step["command"].as<std::string>() + " printed:\n" + run.out);
    EXPECT_EQ(run.exit_code, step["exit_code"].as<int>(0));
    if (step["summary"]) {
      size_t done = run.out.rfind("Done. ");
      ASSERT_NE(done, std::string::npos) << "no Done. line";
      EXPECT_EQ(Counts(run.out.substr(done, run.out.find('\n', done) - done)),
                Counts(step["summary"].as<std::string>()));
    }
    for (const auto& text : step["output_contains"]) EXPECT_THAT(run.out, HasSubstr(text.as<std::string>()));
    for (const auto& q : step["queries"]) {
      std::string sql = q["sql"].as<std::string>();
      auto got = QueryAsText(work_ / "project" / "warehouse.duckdb", sql);
      ASSERT_TRUE(got.ok()) << sql << "\n" << got.status().ToString();
      EXPECT_EQ(Join(*got), Join(ReadCsv(work_ / q["expect"].as<std::string>()))) << sql;
    }
    if (HasFailure()) return;  // later steps build on this one
  }
}

// --skip-unchanged (floe's own flag): an unchanged project runs nothing; a
// changed seed rebuilds it and what is downstream of it, saying why; a
// dropped relation is rebuilt although its code did not change.
TEST(ModelsSkipUnchangedTest, RebuildsOnlyWhatChangedAndSaysWhy) {
  CaseCopy copy("shop");
  const fs::path& work = copy.dir;
  ASSERT_EQ(copy.Floe("build").exit_code, 0);
  testing::CommandResult again = copy.Floe("build --skip-unchanged");
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_THAT(again.out, HasSubstr("NO-OP=22 TOTAL=22"));

  for (const char* seed : {"raw_orders", "raw_payments"})
    fs::copy_file(work / "changes" / (std::string(seed) + "_v2.csv"),
                  work / "project/seeds" / (std::string(seed) + ".csv"), fs::copy_options::overwrite_existing);
  testing::CommandResult changed = copy.Floe("build --skip-unchanged");
  EXPECT_EQ(changed.exit_code, 0) << changed.out;
  EXPECT_THAT(changed.out, HasSubstr("raw_orders: its CSV or config changed"));
  EXPECT_THAT(changed.out, HasSubstr("stg_orders: upstream raw_orders changed"));
  EXPECT_THAT(changed.out, HasSubstr("NO-OP unchanged model main_staging.stg_customers"));
  auto rebuilt = QueryAsText(work / "project" / "warehouse.duckdb", "select * from main_marts.fct_orders order by 1");
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(Join(*rebuilt), Join(ReadCsv(kCorpus / "shop/expected/step2_fct_orders.csv")));

  engine::QueryRequest drop{.sql = "drop table main_marts.fct_orders"};
  ASSERT_TRUE(engine::RunQuery(drop, (work / "project" / "warehouse.duckdb").string()).ok());
  testing::CommandResult dropped = copy.Floe("build --skip-unchanged -s fct_orders");
  EXPECT_EQ(dropped.exit_code, 0) << dropped.out;
  EXPECT_THAT(dropped.out, HasSubstr("fct_orders: its relation main_marts.fct_orders is missing"));
}

// Slim CI: `--state` points at an earlier run's target folder;
// state:modified picks what changed since (its SQL or config, a seed's
// CSV), result:<status> what ended so.
TEST(ModelsStateTest, StateModifiedAndResultSelectAgainstAnEarlierRun) {
  CaseCopy copy("shop");
  const fs::path& work = copy.dir;
  ASSERT_EQ(copy.Floe("build").exit_code, 0);
  fs::copy(work / "project" / "target", work / "state", fs::copy_options::recursive);
  std::ofstream(work / "project" / "models" / "staging" / "stg_customers.sql", std::ios::app) << "\n-- edited\n";
  fs::copy_file(work / "changes" / "raw_orders_v2.csv", work / "project" / "seeds" / "raw_orders.csv",
                fs::copy_options::overwrite_existing);
  testing::CommandResult modified = copy.Floe("ls -s state:modified --resource-type model seed --state ../state");
  EXPECT_EQ(modified.exit_code, 0) << modified.out;
  EXPECT_EQ(modified.out, "shop.staging.stg_customers\nshop.raw_orders\n");  // in unique_id order, as dbt lists
  testing::CommandResult warned = copy.Floe("ls -s result:warn --state ../state");
  EXPECT_EQ(warned.out, "shop.staging.relationships_96411fe0c89b49c3f4da955dfd358ba0\n");
  testing::CommandResult missing = copy.Floe("ls -s state:modified --state ../nowhere");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("no manifest.json"));
}

// run_query's rows read as agate's: by name, by position, as attributes;
// dbt's tojson/fromjson/fromyaml; `show --inline` compiles SQL with the
// project's context.
TEST(ModelsJinjaTest, RunQueryRowsByNameAndPosition) {
  CaseCopy copy("shop");
  std::string sql =
      "{% set r = run_query('select 10 as a, 20 as b union all select 30, 40 order by 1') %}"
      "select {{ r.rows[1]['b'] }} as by_name, {{ r.rows[0][1] }} as by_position, {{ r.rows[1].a }} as by_attribute, "
      "{{ fromjson(tojson({'k': 7}))['k'] + fromyaml('k: 1').k }} as serialized";
  auto shown = copy.Floe("show --inline " + ShellQuote(sql));
  EXPECT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_THAT(shown.out, HasSubstr("| by_name | by_position | by_attribute | serialized |"));
  EXPECT_THAT(shown.out, HasSubstr("| 40 | 20 | 30 | 8 |"));

  // `graph` holds the project's nodes with their dependencies.
  std::string graph =
      "select {{ graph.nodes | length }} as nodes, "
      "'{{ graph.nodes['model.shop.fct_orders'].depends_on.nodes | join(',') }}' as parents";
  auto walked = copy.Floe("show --inline " + ShellQuote(graph));
  EXPECT_EQ(walked.exit_code, 0) << walked.out;
  EXPECT_THAT(walked.out, HasSubstr("| 24 | model.shop.int_orders_enriched |"));
}

// store_failures: a failing test's rows are kept in
// <schema>_dbt_test__audit.<test>, and the message says where.
TEST(ModelsTestsTest, StoreFailuresKeepsTheFailingRows) {
  CaseCopy copy("shop");
  const fs::path& work = copy.dir;
  std::ofstream(work / "project" / "tests" / "late_orders.sql")
      << "{{ config(store_failures=true, severity='warn', warn_if='>1') }}\n"
      << "select order_id from {{ ref('stg_orders') }} where order_id >= 108\n";
  auto built = copy.Floe("build");
  EXPECT_EQ(built.exit_code, 0) << built.out;
  EXPECT_THAT(built.out, HasSubstr("configured to warn if >1"));
  EXPECT_THAT(built.out, HasSubstr("See test failures: select * from \"warehouse\".\"main_dbt_test__audit\""));
  auto rows = QueryAsText(work / "project" / "warehouse.duckdb",
                          "select order_id from main_dbt_test__audit.late_orders order by 1");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(Join(*rows), "order_id\n108\n109\n110\n");
}

// A column added to what a snapshot reads is added to the snapshot table
// (as dbt does); versions from before it read NULL there.
TEST(ModelsSnapshotTest, ANewSourceColumnIsAddedToTheSnapshot) {
  CaseCopy copy("snapshots");
  const fs::path& work = copy.dir;
  ASSERT_EQ(copy.Floe("build").exit_code, 0);
  fs::path ts = work / "project" / "snapshots" / "customers_ts.sql";
  std::ifstream in(ts);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  size_t from = text.find("from {{");
  ASSERT_NE(from, std::string::npos) << text;
  text.insert(from, ", 'eu' as region\n");
  std::ofstream(ts) << text;
  testing::CommandResult again = copy.Floe("snapshot -s customers_ts");
  EXPECT_EQ(again.exit_code, 0) << again.out;
  // No row changed its updated_at: no new version, and the old ones read NULL.
  auto regions = QueryAsText(work / "project" / "warehouse.duckdb",
                             "select bool_and(region is null) as all_null from snapshots.customers_ts");
  ASSERT_TRUE(regions.ok()) << regions.status().ToString();
  EXPECT_EQ(Join(*regions), "all_null\ntrue\n");
}

// `ls` lists what a selection picks, sources included, as dbt prints them.
TEST(ModelsListTest, SourcesAreListedWithTheirPrefix) {
  CaseCopy copy("shop");
  auto listed = copy.Floe("ls -s source:raw+ --resource-type source model");
  EXPECT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_EQ(listed.out,
            "shop.marts.dim_customers\nshop.marts.fct_orders\nshop.intermediate.int_order_payments\n"
            "shop.intermediate.int_orders_enriched\nshop.staging.stg_payments\nsource:shop.raw.raw_payments\n");
  auto named = copy.Floe("ls -s fct_orders --resource-type model --output json");
  EXPECT_EQ(named.exit_code, 0) << named.out;
  auto parsed = tmpl::ParseJson(named.out);
  ASSERT_TRUE(parsed.ok()) << named.out;
  EXPECT_EQ(parsed->Get("unique_id")->AsString(), "model.shop.fct_orders");
  EXPECT_EQ(parsed->Get("config")->Get("materialized")->AsString(), "table");
}

// packages.yml with a `git:` package at a tag: `deps` clones it (libgit2)
// into dbt_packages/, and the build uses that copy, not the folder it came
// from; a later commit on the repository is not what was installed.
TEST(ModelsGitPackagesTest, DepsInstallsAGitPackageAtItsRevision) {
  CaseCopy copy("macros_packages");
  const fs::path& work = copy.dir;
  fs::path utils = work / "my_utils";
  std::string git = test_support::GitCommand("-C " + ShellQuote(utils.string()) + " ");
  auto made = testing::RunShell("set -e; " + git + "init -q -b main; " + git + "add -A; " + git + "commit -qm v1; " +
                                git + "tag v1; echo '{% macro cents_to_dollars(x) %}broken({% endmacro %}' > " +
                                ShellQuote((utils / "macros" / "cents_to_dollars.sql").string()) + "; " + git +
                                "commit -qam broken 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.out;
  fs::path origin = work / "origin_utils";
  fs::rename(utils, origin);
  std::ofstream(work / "project" / "packages.yml")
      << "packages:\n  - git: \"file://" << origin.string() << "\"\n    revision: v1\n";
  testing::CommandResult deps = copy.Floe("deps");
  ASSERT_EQ(deps.exit_code, 0) << deps.out;
  EXPECT_TRUE(fs::exists(work / "project" / "dbt_packages" / "my_utils" / "dbt_project.yml")) << deps.out;
  fs::remove_all(origin);  // the build must not need the repository any more
  testing::CommandResult build = copy.Floe("build");
  EXPECT_EQ(build.exit_code, 0) << build.out;
  EXPECT_THAT(build.out, HasSubstr("PASS=10 WARN=0 ERROR=0 SKIP=0"));

  std::ofstream(work / "project" / "packages.yml")
      << "packages:\n  - git: \"file://" << (work / "nowhere").string() << "\"\n    revision: main\n";
  testing::CommandResult missing = copy.Floe("deps");
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_THAT(missing.out, HasSubstr("packages.yml"));
}

INSTANTIATE_TEST_SUITE_P(Corpus, ModelsCorpusTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '/', '_');
                           return name;
                         });

}  // namespace
}  // namespace floe
