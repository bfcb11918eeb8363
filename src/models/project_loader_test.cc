#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "models/packages.h"
#include "models/project.h"

namespace floe::models {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

fs::path TestData(const std::string& name) { return fs::path(FLOE_MODELS_TESTDATA) / name; }

const Node* FindNode(const Project& p, std::string_view unique_id) {
  for (const auto& n : p.nodes)
    if (n.unique_id == unique_id) return &n;
  return nullptr;
}

std::vector<std::string> Strings(const tmpl::Value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_list()) return out;
  for (const auto& x : v->AsList()) out.push_back(x.AsString());
  return out;
}

std::string Str(const tmpl::Value& config, std::string_view key) {
  const tmpl::Value* v = config.Get(key);
  return v && v->is_string() ? v->AsString() : "<missing>";
}

const Warning* FindWarning(const Project& p, std::string_view text) {
  for (const auto& w : p.warnings)
    if (w.message.find(text) != std::string::npos) return &w;
  return nullptr;
}

void WriteFile(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("floe_models_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

class ShopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::unsetenv("FLOE_TEST_SCHEMA");
    auto loaded = LoadProject({.project_dir = TestData("shop")});
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    project_ = new Project(std::move(*loaded));
  }
  static void TearDownTestSuite() { delete project_; }
  static inline Project* project_ = nullptr;
};

TEST_F(ShopTest, ReadsProjectSettings) {
  const Project& p = *project_;
  EXPECT_EQ(p.name, "shop");
  EXPECT_EQ(p.profile, "shop_profile");
  EXPECT_EQ(p.version, "1.0");
  EXPECT_THAT(p.model_paths, ElementsAre("models"));
  EXPECT_THAT(p.on_run_start, ElementsAre("create schema if not exists audit"));
  EXPECT_THAT(p.on_run_end, ElementsAre("select 1"));
  EXPECT_EQ(Str(p.vars, "start_date"), "2020-01-01");
  EXPECT_TRUE(p.root.is_absolute());
}

TEST_F(ShopTest, FindsNodesWithIdsPathsAndFqns) {
  const Node* n = FindNode(*project_, "model.shop.revenue");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->path, "marts/finance/revenue.sql");
  EXPECT_EQ(n->original_file_path, "models/marts/finance/revenue.sql");
  EXPECT_THAT(n->fqn, ElementsAre("shop", "marts", "finance", "revenue"));
  EXPECT_EQ(n->raw_code, "select 1 as amount\n");
  EXPECT_EQ(n->package, "shop");

  const Node* seed = FindNode(*project_, "seed.shop.raw_orders");
  ASSERT_NE(seed, nullptr);
  EXPECT_EQ(seed->raw_code, "");
  EXPECT_EQ(seed->original_file_path, "seeds/raw_orders.csv");
  EXPECT_EQ(Str(seed->config.Get("column_types") ? *seed->config.Get("column_types") : tmpl::Value(), "amount"),
            "integer");
  EXPECT_NE(FindNode(*project_, "test.shop.assert_positive"), nullptr);
  EXPECT_NE(FindNode(*project_, "analysis.shop.explore"), nullptr);
  EXPECT_EQ(FindNode(*project_, "test.shop.is_positive"), nullptr) << "tests/generic holds macros";
}

TEST_F(ShopTest, NodesComeInADeterministicOrder) {
  std::vector<std::string> ids;
  for (const auto& n : project_->nodes)
    if (n.package == "shop" && n.resource_type == ResourceType::kModel) ids.push_back(n.unique_id);
  EXPECT_THAT(ids, ElementsAre("model.shop.dim_customers.v1", "model.shop.dim_customers.v2", "model.shop.revenue",
                               "model.shop.orders", "model.shop.stg_customers", "model.shop.stg_orders"));
}

TEST_F(ShopTest, ConfigTreeAppliesMostSpecificPathAndAccumulates) {
  const Node* stg = FindNode(*project_, "model.shop.stg_customers");
  ASSERT_NE(stg, nullptr);
  EXPECT_EQ(Str(stg->config, "materialized"), "ephemeral");                       // folder beats package
  EXPECT_EQ(Str(stg->config, "schema"), "stg");                                   // env_var default, rendered at load
  EXPECT_THAT(Strings(stg->config.Get("tags")), ElementsAre("base", "staging"));  // `tags` without +

  const Node* revenue = FindNode(*project_, "model.shop.revenue");
  ASSERT_NE(revenue, nullptr);
  EXPECT_EQ(Str(revenue->config, "materialized"), "table");  // `materialized` without + is a config
  EXPECT_THAT(Strings(revenue->config.Get("tags")), ElementsAre("base", "finance"));
  EXPECT_THAT(Strings(revenue->config.Get("pre_hook")), ElementsAre("select 1", "select 2"));
  EXPECT_EQ(Str(*revenue->config.Get("meta"), "owner"), "ana");  // meta merges
  EXPECT_EQ(Str(*revenue->config.Get("meta"), "team"), "fin");
  EXPECT_EQ(Str(revenue->config, "alias"), "2020-01-01");  // var() rendered at load
}

TEST_F(ShopTest, PropertyConfigBeatsProjectTree) {
  const Node* n = FindNode(*project_, "model.shop.stg_orders");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(Str(n->config, "materialized"), "table");
  EXPECT_THAT(Strings(n->config.Get("tags")), ElementsAre("base", "staging", "from_props"));
  EXPECT_EQ(n->description, "{{ doc('orders') }}");  // compile renders doc()
  EXPECT_EQ(n->patch_path, "shop://models/staging/schema.yml");
  EXPECT_EQ(n->properties_at.line, 3);
}

TEST_F(ShopTest, MisspelledConfigKeyWarnsWithSuggestionAtItsLine) {
  const Warning* w = FindWarning(*project_, "'+materalized'");
  ASSERT_NE(w, nullptr);
  EXPECT_THAT(w->message, HasSubstr("did you mean '+materialized'?"));
  EXPECT_EQ(w->where.file, "dbt_project.yml");
  EXPECT_EQ(w->where.line, 20);
  EXPECT_EQ(w->where.column, 7);
}

TEST_F(ShopTest, UnusedConfigPathWarns) {
  const Warning* w = FindWarning(*project_, "do not apply to any resources: models.shop.stagin");
  ASSERT_NE(w, nullptr);
  EXPECT_THAT(w->message, HasSubstr("did you mean 'staging'?"));
  EXPECT_EQ(w->where.line, 28);
  EXPECT_EQ(FindWarning(*project_, "models.shop_utils"), nullptr) << "the package's models use it";
}

TEST_F(ShopTest, PropertyEntryForMissingModelWarns) {
  const Warning* w = FindWarning(*project_, "'stg_order'");
  ASSERT_NE(w, nullptr);
  EXPECT_THAT(w->message, HasSubstr("did you mean 'stg_orders'"));
  EXPECT_EQ(w->where.file, "models/staging/schema.yml");
  EXPECT_EQ(w->where.line, 30);
  EXPECT_NE(FindWarning(*project_, "'ghost_snapshot'"), nullptr);
}

TEST_F(ShopTest, ParsesEveryTestShape) {
  const Node* n = FindNode(*project_, "model.shop.stg_orders");
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->columns.size(), 2u);
  const ColumnSpec& id = n->columns[0];
  EXPECT_EQ(id.name, "id");
  EXPECT_EQ(id.description, "primary key");
  EXPECT_EQ(id.data_type, "integer");
  ASSERT_EQ(id.tests.size(), 2u);
  EXPECT_EQ(id.tests[0].test_name, "unique");
  EXPECT_EQ(id.tests[0].column, "id");
  EXPECT_EQ(id.tests[1].test_name, "not_null");

  const ColumnSpec& status = n->columns[1];
  EXPECT_TRUE(status.quote);
  ASSERT_EQ(status.tests.size(), 2u);
  const TestSpec& av = status.tests[0];
  EXPECT_EQ(av.test_name, "accepted_values");
  ASSERT_NE(av.arguments.Get("values"), nullptr);
  EXPECT_EQ(av.arguments.Get("values")->AsList().size(), 2u);
  EXPECT_EQ(Str(av.config, "severity"), "warn");
  EXPECT_EQ(av.arguments.Get("config"), nullptr);

  const TestSpec& custom = status.tests[1];
  EXPECT_EQ(custom.custom_name, "status_custom");
  EXPECT_EQ(custom.arguments.Get("values")->AsList().size(), 1u);  // under `arguments:` (dbt 1.10)
  EXPECT_EQ(Str(custom.config, "where"), "id > 0");                // shortcut moved into config
  EXPECT_EQ(custom.arguments.Get("where"), nullptr);

  ASSERT_EQ(n->tests.size(), 1u);
  EXPECT_EQ(n->tests[0].test_name, "dbt_utils.expression_is_true");
  EXPECT_EQ(Str(n->tests[0].arguments, "expression"), "id > 0");
  EXPECT_EQ(n->tests[0].column, "");
  EXPECT_EQ(n->tests[0].where.line, 28);
}

TEST_F(ShopTest, SourcesTakeDbtDefaults) {
  ASSERT_EQ(project_->sources.size(), 4u);
  const SourceTable& orders = project_->sources[0];
  EXPECT_EQ(orders.unique_id, "source.shop.raw.orders");
  EXPECT_EQ(orders.schema, "raw");
  EXPECT_EQ(orders.identifier, "orders");
  EXPECT_EQ(orders.database, "");
  EXPECT_EQ(orders.source_description, "raw data");
  EXPECT_THAT(orders.fqn, ElementsAre("shop", "staging", "raw", "orders"));
  ASSERT_EQ(orders.columns.size(), 1u);
  EXPECT_EQ(orders.columns[0].tests[0].test_name, "unique");
  EXPECT_EQ(project_->sources[1].identifier, "raw_customers");

  const SourceTable& events = project_->sources[2];
  EXPECT_EQ(events.schema, "external");
  EXPECT_EQ(events.database, "lake");
  EXPECT_TRUE(events.freshness.is_null()) << "freshness: null turns it off";
  EXPECT_EQ(events.loaded_at_field, "_loaded");
  const SourceTable& clicks = project_->sources[3];
  EXPECT_EQ(clicks.loaded_at_field, "ts");
  ASSERT_TRUE(clicks.freshness.is_map());
  EXPECT_EQ(clicks.freshness.Get("warn_after")->Get("count")->AsInt(), 12);
}

TEST_F(ShopTest, VersionedModels) {
  const Node* v1 = FindNode(*project_, "model.shop.dim_customers.v1");
  const Node* v2 = FindNode(*project_, "model.shop.dim_customers.v2");
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(v1->name, "dim_customers");
  EXPECT_EQ(v1->version, "1");
  EXPECT_EQ(v2->latest_version, "1");
  EXPECT_THAT(v2->fqn, ElementsAre("shop", "marts", "dim_customers", "v2"));
  EXPECT_EQ(Str(v2->config, "materialized"), "view");
  EXPECT_EQ(Str(v1->config, "materialized"), "table");
  EXPECT_EQ(v2->description, "customers");
  EXPECT_EQ(v2->original_file_path, "models/marts/dim_customers_v2.sql");
}

TEST_F(ShopTest, MacrosDocsAndSnapshots) {
  std::vector<std::string> macros;
  for (const auto& m : project_->macros) macros.push_back(m.package + ":" + m.original_file_path);
  EXPECT_THAT(macros,
              ElementsAre("shop:tests/generic/is_positive.sql", "shop:macros/cents.sql", "shop_utils:macros/util.sql"));
  ASSERT_EQ(project_->docs.size(), 1u);
  EXPECT_EQ(project_->docs[0].original_file_path, "models/overview.md");
  ASSERT_EQ(project_->snapshots.size(), 1u);
  EXPECT_EQ(project_->snapshots[0].path, "orders_snapshot.sql");
  EXPECT_EQ(Str(project_->snapshots[0].config, "target_schema"), "snapshots");
  ASSERT_EQ(project_->snapshot_properties.size(), 2u);
  EXPECT_EQ(project_->snapshot_properties[0].description, "history of orders");
}

TEST_F(ShopTest, LoadsLocalPackageInPlace) {
  ASSERT_EQ(project_->packages.size(), 1u);
  EXPECT_EQ(project_->packages[0].name, "shop_utils");
  EXPECT_EQ(project_->packages[0].root, fs::canonical(TestData("shop_utils")));
  const Node* n = FindNode(*project_, "model.shop_utils.util_model");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->package, "shop_utils");
  EXPECT_EQ(n->original_file_path, "models/util_model.sql");
  EXPECT_EQ(Str(n->config, "materialized"), "table");  // the package's own tree
  EXPECT_EQ(Str(n->config, "schema"), "utils");        // the root's tree, by package name
}

TEST_F(ShopTest, TestTreeAppliesToSingularTests) {
  const Node* t = FindNode(*project_, "test.shop.assert_positive");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(Str(t->config, "severity"), "warn");
}

TEST(LoadProjectTest, PackageNotInstalledIsAnError) {
  auto loaded = LoadProject({.project_dir = TestData("missing_pkg")});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().ToString(), HasSubstr("package 'dbt_utils' is not installed; run `floe models deps`"));
  EXPECT_EQ(loaded.status().location().file, "packages.yml");
  EXPECT_EQ(loaded.status().location().line, 2);
}

TEST(LoadProjectTest, DuplicateModelNamesNameBothFiles) {
  auto loaded = LoadProject({.project_dir = TestData("dup")});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("two models with the name \"x\""));
  EXPECT_THAT(loaded.status().message(), HasSubstr("models/a/x.sql and models/b/x.sql"));
}

TEST(LoadProjectTest, PythonModelsAreAClearError) {
  auto loaded = LoadProject({.project_dir = TestData("py")});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("Python models are not supported: models/x.py"));
}

TEST(LoadProjectTest, MissingProjectFile) {
  TempDir dir;
  auto loaded = LoadProject({.project_dir = dir.path()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("no dbt_project.yml"));
}

TEST(LoadProjectTest, WrongShapeReportsLineAndColumn) {
  TempDir dir;
  WriteFile(dir.path() / "dbt_project.yml", "name: p\nmodel-paths:\n  a: b\n");
  auto loaded = LoadProject({.project_dir = dir.path()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().ToString().substr(0, 20), "dbt_project.yml:3:3:");
  EXPECT_THAT(loaded.status().message(), HasSubstr("expected a string or a list of strings, found a map"));
}

TEST(LoadProjectTest, BadTestShapeIsAnError) {
  TempDir dir;
  WriteFile(dir.path() / "dbt_project.yml", "name: p\n");
  WriteFile(dir.path() / "models/m.sql", "select 1");
  WriteFile(dir.path() / "models/s.yml", "version: 2\nmodels:\n  - name: m\n    tests:\n      - unique: x\n");
  auto loaded = LoadProject({.project_dir = dir.path()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().location().ToString(), "models/s.yml:5:17");
  EXPECT_THAT(loaded.status().message(), HasSubstr("arguments of test 'unique'"));
}

TEST(LoadProjectTest, TargetRendersWhenGivenAndStaysOtherwise) {
  TempDir dir;
  WriteFile(dir.path() / "dbt_project.yml",
            "name: p\nmodels:\n  p:\n    +schema: \"{{ 'prod' if target.name == 'prod' else 'dev' }}\"\n");
  WriteFile(dir.path() / "models/m.sql", "select 1");
  auto unrendered = LoadProject({.project_dir = dir.path()});
  ASSERT_TRUE(unrendered.ok()) << unrendered.status().ToString();
  EXPECT_EQ(Str(unrendered->nodes[0].config, "schema"), "{{ 'prod' if target.name == 'prod' else 'dev' }}");
  auto rendered = LoadProject({.project_dir = dir.path(), .target = tmpl::Value::MakeMap({{"name", "prod"}})});
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(Str(rendered->nodes[0].config, "schema"), "prod");
}

TEST(InstallPackagesTest, GitPackagesGoThroughTheFetcherAndHubIsAnError) {
  TempDir dir;
  WriteFile(dir.path() / "dbt_project.yml", "name: p\n");
  WriteFile(dir.path() / "packages.yml",
            "packages:\n  - git: https://example.com/org/my-utils.git\n    revision: v1\n");
  std::vector<std::string> calls;
  PackageFetcher fetch = [&](const std::string& url, const std::string& rev, const fs::path& into) -> Status {
    calls.push_back(url + "@" + rev);
    WriteFile(into / "dbt_project.yml", "name: my_utils\n");
    WriteFile(into / "models/u.sql", "select 1");
    return Status::Ok();
  };
  auto installed = InstallPackages({.project_dir = dir.path()}, fetch);
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_THAT(calls, ElementsAre("https://example.com/org/my-utils.git@v1"));
  ASSERT_EQ(installed->size(), 1u);
  EXPECT_EQ((*installed)[0].name, "my_utils");
  EXPECT_TRUE(fs::exists(dir.path() / "dbt_packages/my_utils/models/u.sql"));

  auto loaded = LoadProject({.project_dir = dir.path()});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_NE(FindNode(*loaded, "model.my_utils.u"), nullptr);

  WriteFile(dir.path() / "packages.yml", "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n");
  auto hub = InstallPackages({.project_dir = dir.path()}, fetch);
  ASSERT_FALSE(hub.ok());
  EXPECT_THAT(hub.status().ToString(), HasSubstr("hub"));
  EXPECT_THAT(hub.status().ToString(), HasSubstr("git: https://github.com/dbt-labs/dbt_utils.git"));
}

// 10,000 models and their property files load whole (their speed is
// measured by bench/models_build.cc, not here).
TEST(LoadProjectTest, TenThousandModelsLoad) {
  TempDir dir;
  WriteFile(dir.path() / "dbt_project.yml", "name: big\nmodels:\n  big:\n    +materialized: table\n");
  for (int f = 0; f < 100; ++f) {
    std::string folder = "models/f" + std::to_string(f) + "/";
    std::string props = "version: 2\nmodels:\n";
    for (int i = 0; i < 100; ++i) {
      std::string name = "m" + std::to_string(f) + "_" + std::to_string(i);
      WriteFile(dir.path() / (folder + name + ".sql"), "select * from {{ ref('x') }} where id = " + name);
      props += "  - name: " + name +
               "\n    description: a model\n    columns:\n      - name: id\n        tests: [unique, "
               "not_null]\n";
    }
    WriteFile(dir.path() / (folder + "schema.yml"), props);
  }
  auto loaded = LoadProject({.project_dir = dir.path()});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->nodes.size(), 10000u);
  EXPECT_TRUE(loaded->warnings.empty());
  EXPECT_EQ(loaded->nodes[9999].tests.size() + loaded->nodes[9999].columns.at(0).tests.size(), 2u);
}

}  // namespace
}  // namespace floe::models
