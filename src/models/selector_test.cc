#include "models/selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "flow/yaml_node.h"
#include "models/internal/selector_spec.h"
#include "tmpl/template.h"

namespace floe::models {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

tmpl::Value Map(std::initializer_list<tmpl::ValueMap::Entry> entries) { return tmpl::Value::MakeMap(entries); }

SelectableNode Node(std::string id, ResourceType type, std::vector<std::string> fqn, std::string path,
                    std::vector<size_t> parents = {}) {
  SelectableNode n;
  n.unique_id = std::move(id);
  n.resource_type = type;
  n.package = fqn.front();
  n.name = fqn.back();
  n.fqn = std::move(fqn);
  n.original_file_path = std::move(path);
  n.parents = std::move(parents);
  n.config = Map({});
  return n;
}

SelectableNode Source(std::string source, std::string table) {
  SelectableNode n =
      Node("source.shop." + source + "." + table, ResourceType::kModel, {"shop", source, table}, "models/sources.yml");
  n.is_source = true;
  n.source_name = source;
  return n;
}

SelectableNode DataTest(std::string id, std::string test_type, std::string test_name, std::vector<std::string> fqn,
                        std::string path, std::vector<size_t> parents) {
  SelectableNode n = Node(std::move(id), ResourceType::kTest, std::move(fqn), std::move(path), std::move(parents));
  n.test_type = std::move(test_type);
  n.test_name = std::move(test_name);
  return n;
}

// The shop project:
//   raw.orders -> stg_orders ------+
//   raw.customers -> stg_customers -+-> orders -> customer_ltv
//   country_codes (seed) ----------+          +-> revenue (analysis)
// with tests on orders (unique; relationships to stg_customers; a unit test),
// on stg_customers (not_null) and on customer_ltv (singular), and a package model.
std::vector<SelectableNode> Shop() {
  std::vector<SelectableNode> g;
  g.push_back(Source("raw", "orders"));     // 0
  g.push_back(Source("raw", "customers"));  // 1
  g.push_back(Node("seed.shop.country_codes", ResourceType::kSeed, {"shop", "country_codes"},
                   "seeds/country_codes.csv"));  // 2
  g.push_back(Node("model.shop.stg_orders", ResourceType::kModel, {"shop", "staging", "stg_orders"},
                   "models/staging/stg_orders.sql", {0}));  // 3
  g.push_back(Node("model.shop.stg_customers", ResourceType::kModel, {"shop", "staging", "stg_customers"},
                   "models/staging/stg_customers.sql", {1}));  // 4
  g.push_back(Node("model.shop.orders", ResourceType::kModel, {"shop", "marts", "orders"}, "models/marts/orders.sql",
                   {3, 4, 2}));  // 5
  g.push_back(Node("model.shop.customer_ltv", ResourceType::kModel, {"shop", "marts", "finance", "customer_ltv"},
                   "models/marts/finance/customer_ltv.sql", {5}));  // 6
  g.push_back(DataTest("test.shop.unique_orders_id.1a", "generic", "unique", {"shop", "marts", "unique_orders_id"},
                       "models/marts/schema.yml", {5}));  // 7
  g.push_back(DataTest("test.shop.relationships_orders.2b", "generic", "relationships",
                       {"shop", "marts", "relationships_orders"}, "models/marts/schema.yml", {5, 4}));  // 8
  g.push_back(DataTest("test.shop.assert_positive_ltv", "singular", "", {"shop", "assert_positive_ltv"},
                       "tests/assert_positive_ltv.sql", {6}));                                                    // 9
  g.push_back(Node("model.utils.calendar", ResourceType::kModel, {"utils", "calendar"}, "models/calendar.sql"));  // 10
  g.push_back(Node("analysis.shop.revenue", ResourceType::kAnalysis, {"shop", "analysis", "revenue"},
                   "analyses/revenue.sql", {5}));  // 11
  g.push_back(DataTest("unit_test.shop.orders.unit_orders", "unit", "", {"shop", "marts", "unit_orders"},
                       "models/marts/schema.yml", {5}));  // 12
  g.push_back(DataTest("test.shop.not_null_stg_customers_id.3c", "generic", "not_null",
                       {"shop", "staging", "not_null_stg_customers_id"}, "models/staging/schema.yml", {4}));  // 13

  g[0].tags = {"raw"};
  g[3].config = Map({{"materialized", "view"}});
  g[3].tags = {"staging"};
  g[3].patch_path = "shop://models/staging/schema.yml";
  g[4].config = Map({{"materialized", "view"}});
  g[4].tags = {"staging", "nightly"};
  g[5].config = Map({{"materialized", "table"}, {"meta", Map({{"owner", "alice"}})}, {"persist", true}});
  g[5].tags = {"nightly"};
  g[6].config = Map({{"materialized", "incremental"},
                     {"group", "finance"},
                     {"access", "public"},
                     {"grants", tmpl::ValueList{tmpl::Value("core"), tmpl::Value("finance")}},
                     {"threads", 4}});
  g[13].config = Map({{"severity", "warn"}});
  return g;
}

Result<Selection> Select(const std::vector<SelectableNode>& g, std::vector<std::string> select,
                         std::vector<std::string> exclude = {}, IndirectSelection indirect = IndirectSelection::kEager,
                         const SelectionContext& context = {}) {
  SelectionRequest request;
  request.select = std::move(select);
  request.exclude = std::move(exclude);
  request.indirect = indirect;
  return SelectNodes(g, request, context);
}

std::vector<std::string> Ids(const std::vector<SelectableNode>& g, const Result<Selection>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (size_t i : r->nodes) out.push_back(g[i].name);
  return out;
}

// Names selected by `spec` alone, tests only when matched directly.
std::vector<std::string> Direct(const std::string& spec, const SelectionContext& context = {}) {
  static const std::vector<SelectableNode> g = Shop();
  return Ids(g, Select(g, {spec}, {}, IndirectSelection::kEmpty, context));
}

std::vector<std::string> Eager(const std::string& spec, const std::string& exclude = "") {
  static const std::vector<SelectableNode> g = Shop();
  return Ids(g, Select(g, {spec}, exclude.empty() ? std::vector<std::string>{} : std::vector<std::string>{exclude}));
}

std::vector<std::string> With(IndirectSelection mode, const std::string& spec, const std::string& exclude = "") {
  static const std::vector<SelectableNode> g = Shop();
  return Ids(g,
             Select(g, {spec}, exclude.empty() ? std::vector<std::string>{} : std::vector<std::string>{exclude}, mode));
}

Status ErrorOf(const std::string& spec, const SelectionContext& context = {}) {
  static const std::vector<SelectableNode> g = Shop();
  auto r = Select(g, {spec}, {}, IndirectSelection::kEager, context);
  EXPECT_FALSE(r.ok()) << spec << " unexpectedly selected " << (r.ok() ? r->nodes.size() : 0) << " nodes";
  return r.ok() ? Status() : r.status();
}

// ---- methods ----

TEST(SelectorTest, EmptySelectSelectsEverything) {
  auto g = Shop();
  auto r = Select(g, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->nodes.size(), g.size());
  EXPECT_THAT(r->warnings, IsEmpty());
}

TEST(SelectorTest, FqnByNameFolderPackageAndWildcards) {
  EXPECT_THAT(Direct("orders"), ElementsAre("orders"));  // a name: not the raw.orders source
  EXPECT_THAT(Direct("fqn:orders"), ElementsAre("orders"));
  EXPECT_THAT(Direct("staging.stg_orders"), ElementsAre("stg_orders"));
  EXPECT_THAT(Direct("shop.staging.stg_orders"), ElementsAre("stg_orders"));
  EXPECT_THAT(Direct("staging"), ElementsAre("stg_orders", "stg_customers", "not_null_stg_customers_id"));
  EXPECT_THAT(Direct("marts.finance"), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("utils"), ElementsAre("calendar"));
  EXPECT_THAT(Direct("staging.stg_*"), ElementsAre("stg_orders", "stg_customers"));
  EXPECT_THAT(Direct("*.finance.*"), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("marts.*_ltv"), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("stg_[o]rders"), IsEmpty());  // dbt: a wildcard part must match the rest of the fqn
  EXPECT_THAT(Direct("*.stg_[o]rders"), ElementsAre("stg_orders"));
  EXPECT_THAT(Direct("stg_order"), IsEmpty());
}

TEST(SelectorTest, Tag) {
  EXPECT_THAT(Direct("tag:nightly"), ElementsAre("stg_customers", "orders"));
  EXPECT_THAT(Direct("tag:stag*"), ElementsAre("stg_orders", "stg_customers"));
  EXPECT_THAT(Direct("tag:raw"), ElementsAre("orders"));  // the source raw.orders has the tag
  EXPECT_THAT(Direct("tag:none"), IsEmpty());
}

TEST(SelectorTest, PathFolderFileGlobAndPropertyFile) {
  EXPECT_THAT(Direct("path:models/staging"), ElementsAre("stg_orders", "stg_customers", "not_null_stg_customers_id"));
  EXPECT_THAT(Direct("models/staging/"), ElementsAre("stg_orders", "stg_customers", "not_null_stg_customers_id"));
  EXPECT_THAT(Direct("path:./models/staging/stg_orders.sql"), ElementsAre("stg_orders"));
  EXPECT_THAT(Direct("path:models/marts/*.sql"), ElementsAre("orders"));
  EXPECT_THAT(Direct("path:models/**/*.sql"),
              ElementsAre("stg_orders", "stg_customers", "orders", "customer_ltv", "calendar"));
  EXPECT_THAT(Direct("path:models/marts/finance"), ElementsAre("customer_ltv"));
  // A property file selects what it defines and describes.
  EXPECT_THAT(Direct("path:models/staging/schema.yml"), ElementsAre("stg_orders", "not_null_stg_customers_id"));
  EXPECT_THAT(Direct("path:models/stag"), IsEmpty());
}

TEST(SelectorTest, FileByNameOrStem) {
  EXPECT_THAT(Direct("file:stg_orders.sql"), ElementsAre("stg_orders"));
  EXPECT_THAT(Direct("file:stg_orders"), ElementsAre("stg_orders"));
  EXPECT_THAT(Direct("stg_orders.sql"), ElementsAre("stg_orders"));  // the default method for *.sql
  EXPECT_THAT(Direct("country_codes.csv"), ElementsAre("country_codes"));
  EXPECT_THAT(Direct("file:stg_*"), ElementsAre("stg_orders", "stg_customers"));
}

TEST(SelectorTest, Package) {
  EXPECT_THAT(Direct("package:utils"), ElementsAre("calendar"));
  EXPECT_THAT(Direct("package:ut*"), ElementsAre("calendar"));
  SelectionContext context;
  context.project_name = "utils";
  EXPECT_THAT(Direct("package:this", context), ElementsAre("calendar"));
}

TEST(SelectorTest, ConfigScalarNestedListBoolNumberAndDefaults) {
  EXPECT_THAT(Direct("config.materialized:table"), ElementsAre("orders"));
  EXPECT_THAT(Direct("config.materialized:incremental"), ElementsAre("customer_ltv"));
  // Without an explicit materialization, dbt's default (view for models and analyses) applies.
  EXPECT_THAT(Direct("config.materialized:view"), ElementsAre("stg_orders", "stg_customers", "calendar", "revenue"));
  EXPECT_THAT(Direct("config.materialized:seed"), ElementsAre("country_codes"));
  EXPECT_THAT(Direct("config.meta.owner:alice"), ElementsAre("orders"));
  EXPECT_THAT(Direct("config.meta.owner:bob"), IsEmpty());
  EXPECT_THAT(Direct("config.grants:core"), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("config.persist:TRUE"), ElementsAre("orders"));
  EXPECT_THAT(Direct("config.threads:4"), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("config.severity:WARN"), ElementsAre("not_null_stg_customers_id"));  // case-insensitive
  EXPECT_THAT(Direct("config.materialized:tab*"), IsEmpty());  // config values are compared, not globbed
}

TEST(SelectorTest, ResourceType) {
  EXPECT_THAT(Direct("resource_type:source"), ElementsAre("orders", "customers"));
  EXPECT_THAT(Direct("resource_type:seed"), ElementsAre("country_codes"));
  EXPECT_THAT(Direct("resource_type:analysis"), ElementsAre("revenue"));
  EXPECT_THAT(Direct("resource_type:test"), ElementsAre("unique_orders_id", "relationships_orders",
                                                        "assert_positive_ltv", "not_null_stg_customers_id"));
  EXPECT_THAT(Direct("resource_type:unit_test"), ElementsAre("unit_orders"));
  EXPECT_THAT(Direct("resource_type:exposure"), IsEmpty());  // a dbt type floe has none of
}

TEST(SelectorTest, TestTypeAndTestName) {
  EXPECT_THAT(Direct("test_type:generic"),
              ElementsAre("unique_orders_id", "relationships_orders", "not_null_stg_customers_id"));
  EXPECT_THAT(Direct("test_type:schema"), Direct("test_type:generic"));
  EXPECT_THAT(Direct("test_type:singular"), ElementsAre("assert_positive_ltv"));
  EXPECT_THAT(Direct("test_type:data"), ElementsAre("unique_orders_id", "relationships_orders", "assert_positive_ltv",
                                                    "not_null_stg_customers_id"));
  EXPECT_THAT(Direct("test_type:unit"), ElementsAre("unit_orders"));
  EXPECT_THAT(Direct("test_name:unique"), ElementsAre("unique_orders_id"));
  EXPECT_THAT(Direct("test_name:not_*"), ElementsAre("not_null_stg_customers_id"));
  EXPECT_THAT(Direct("test_name:unit_orders"), ElementsAre("unit_orders"));
}

TEST(SelectorTest, Source) {
  EXPECT_THAT(Direct("source:raw"), ElementsAre("orders", "customers"));
  EXPECT_THAT(Direct("source:raw.orders"), ElementsAre("orders"));
  EXPECT_THAT(Direct("source:shop.raw.cust*"), ElementsAre("customers"));
  EXPECT_THAT(Direct("source:other"), IsEmpty());
  EXPECT_THAT(Direct("source:raw.orders+1"), ElementsAre("orders", "stg_orders"));
}

TEST(SelectorTest, StateThroughTheCallbacks) {
  SelectionContext context;
  context.modified = [](size_t i) { return i == 3 || i == 6; };
  context.is_new = [](size_t i) { return i == 6; };
  EXPECT_THAT(Direct("state:modified", context), ElementsAre("stg_orders", "customer_ltv"));
  EXPECT_THAT(Direct("state:modified.body", context), ElementsAre("stg_orders", "customer_ltv"));
  EXPECT_THAT(Direct("state:new", context), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("state:modified+1,resource_type:model", context),
              ElementsAre("stg_orders", "orders", "customer_ltv"));
  EXPECT_EQ(Direct("state:old", context).size(), 13u);
  EXPECT_EQ(Direct("state:unmodified", context).size(), 12u);
}

TEST(SelectorTest, ResultThroughTheCallback) {
  SelectionContext context;
  context.previous_status = [](size_t i) { return i == 7 ? "fail" : i == 5 ? "error" : "success"; };
  EXPECT_THAT(Direct("result:fail", context), ElementsAre("unique_orders_id"));
  EXPECT_THAT(Direct("result:error+", context),
              ElementsAre("orders", "customer_ltv", "unique_orders_id", "relationships_orders", "assert_positive_ltv",
                          "revenue", "unit_orders"));
}

TEST(SelectorTest, GroupAndAccess) {
  EXPECT_THAT(Direct("group:fin*"), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("access:public"), ElementsAre("customer_ltv"));
  EXPECT_THAT(Direct("access:protected"), ElementsAre("stg_orders", "stg_customers", "orders", "calendar"));
}

// ---- graph operators ----

TEST(SelectorTest, GraphOperators) {
  EXPECT_THAT(Direct("+orders"), ElementsAre("orders", "customers", "country_codes", "stg_orders", "stg_customers",
                                             "orders"));  // two "orders": the source and the model
  EXPECT_THAT(Direct("1+orders"), ElementsAre("country_codes", "stg_orders", "stg_customers", "orders"));
  EXPECT_THAT(Direct("2+customer_ltv"),
              ElementsAre("country_codes", "stg_orders", "stg_customers", "orders", "customer_ltv"));
  EXPECT_THAT(Direct("orders+"), ElementsAre("orders", "customer_ltv", "unique_orders_id", "relationships_orders",
                                             "assert_positive_ltv", "revenue", "unit_orders"));
  EXPECT_THAT(Direct("orders+1"), ElementsAre("orders", "customer_ltv", "unique_orders_id", "relationships_orders",
                                              "revenue", "unit_orders"));
  EXPECT_THAT(Direct("0+orders+0"), ElementsAre("orders"));
  // @: stg_customers, its descendants, and all their ancestors (not calendar).
  auto at = Direct("@stg_customers");
  EXPECT_EQ(at.size(), 13u);
  EXPECT_THAT(std::set<std::string>(at.begin(), at.end()).count("calendar"), 0u);
  EXPECT_THAT(Direct("@+stg_orders"), Direct("@stg_orders"));  // dbt accepts @ with a + prefix
}

// ---- set operators ----

TEST(SelectorTest, UnionIntersectionAndExclusion) {
  EXPECT_THAT(Direct("stg_orders stg_customers"), ElementsAre("stg_orders", "stg_customers"));
  EXPECT_THAT(Direct("  stg_orders   calendar "), ElementsAre("stg_orders", "calendar"));
  auto g = Shop();
  EXPECT_THAT(Ids(g, Select(g, {"stg_orders", "calendar"}, {}, IndirectSelection::kEmpty)),
              ElementsAre("stg_orders", "calendar"));
  EXPECT_THAT(Direct("tag:nightly,config.materialized:table"), ElementsAre("orders"));
  EXPECT_THAT(Direct("+stg_orders,+stg_customers"), IsEmpty());  // no common ancestors
  EXPECT_THAT(Direct("stg_orders+,stg_customers+"),
              ElementsAre("orders", "customer_ltv", "unique_orders_id", "relationships_orders", "assert_positive_ltv",
                          "revenue", "unit_orders"));
  EXPECT_THAT(Ids(g, Select(g, {"+orders"}, {"resource_type:source stg_customers"}, IndirectSelection::kEmpty)),
              ElementsAre("country_codes", "stg_orders", "orders"));
  EXPECT_THAT(Ids(g, Select(g, {}, {"tag:nightly", "package:shop"})), ElementsAre("calendar"));
}

// ---- indirect selection ----

TEST(SelectorTest, EagerSelectsTestsWithAnySelectedParent) {
  EXPECT_THAT(Eager("orders"), ElementsAre("orders", "unique_orders_id", "relationships_orders"));
  EXPECT_THAT(Eager("stg_customers"),
              ElementsAre("stg_customers", "relationships_orders", "not_null_stg_customers_id"));
  // Only direct children are tests of a node: customer_ltv's test comes with customer_ltv, not orders.
  EXPECT_THAT(Eager("tag:nightly"), ElementsAre("stg_customers", "orders", "unique_orders_id", "relationships_orders",
                                                "not_null_stg_customers_id"));
}

TEST(SelectorTest, CautiousNeedsAllParents) {
  EXPECT_THAT(With(IndirectSelection::kCautious, "orders"), ElementsAre("orders", "unique_orders_id"));
  // Across a union: the relationships test's two parents come from two specs.
  EXPECT_THAT(
      With(IndirectSelection::kCautious, "orders stg_customers"),
      ElementsAre("stg_customers", "orders", "unique_orders_id", "relationships_orders", "not_null_stg_customers_id"));
}

TEST(SelectorTest, BuildableAllowsParentsUpstreamOfTheSelection) {
  // relationships(orders, stg_customers): stg_customers is upstream of orders.
  EXPECT_THAT(With(IndirectSelection::kBuildable, "orders"),
              ElementsAre("orders", "unique_orders_id", "relationships_orders"));
  // ... but orders is not upstream of stg_customers.
  EXPECT_THAT(With(IndirectSelection::kBuildable, "stg_customers"),
              ElementsAre("stg_customers", "not_null_stg_customers_id"));
}

TEST(SelectorTest, EmptySelectsOnlyDirectlyMatchedTests) {
  EXPECT_THAT(With(IndirectSelection::kEmpty, "orders"), ElementsAre("orders"));
  EXPECT_THAT(With(IndirectSelection::kEmpty, "orders unique_orders_id"), ElementsAre("orders", "unique_orders_id"));
  EXPECT_THAT(With(IndirectSelection::kCautious, "test_type:singular"), ElementsAre("assert_positive_ltv"));
}

TEST(SelectorTest, UnitTestsAreNeverSelectedIndirectly) {
  for (auto mode : {IndirectSelection::kEager, IndirectSelection::kCautious, IndirectSelection::kBuildable}) {
    auto names = With(mode, "orders");
    EXPECT_EQ(std::count(names.begin(), names.end(), "unit_orders"), 0);
  }
}

TEST(SelectorTest, ExclusionExpandsEagerlyWhateverTheMode) {
  // Excluding stg_customers also excludes every test that touches it.
  for (auto mode : {IndirectSelection::kEager, IndirectSelection::kCautious, IndirectSelection::kBuildable}) {
    EXPECT_THAT(With(mode, "orders stg_customers", "stg_customers"), ElementsAre("orders", "unique_orders_id"))
        << IndirectSelectionName(mode);
  }
  EXPECT_THAT(Eager("orders", "test_name:unique"), ElementsAre("orders", "relationships_orders"));
}

TEST(SelectorTest, IndirectModeNames) {
  for (auto mode : {IndirectSelection::kEager, IndirectSelection::kCautious, IndirectSelection::kBuildable,
                    IndirectSelection::kEmpty}) {
    auto parsed = ParseIndirectSelection(IndirectSelectionName(mode));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, mode);
  }
  auto bad = ParseIndirectSelection("lazy");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().hint(), HasSubstr("cautious"));
}

// ---- resource-type filter ----

TEST(SelectorTest, ResourceTypeFilter) {
  auto g = Shop();
  SelectionRequest request;
  request.select = {"+orders+"};
  request.resource_types = {"model", "seed"};
  EXPECT_THAT(Ids(g, SelectNodes(g, request, {})),
              ElementsAre("country_codes", "stg_orders", "stg_customers", "orders", "customer_ltv"));
  request.resource_types = {};
  request.exclude_resource_types = {"test", "unit_test", "source"};
  EXPECT_THAT(Ids(g, SelectNodes(g, request, {})),
              ElementsAre("country_codes", "stg_orders", "stg_customers", "orders", "customer_ltv", "revenue"));
  request.resource_types = {"modle"};
  auto bad = SelectNodes(g, request, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--resource-type: unknown resource type 'modle'"));
  EXPECT_THAT(bad.status().hint(), HasSubstr("did you mean 'model'"));
}

// ---- warnings ----

TEST(SelectorTest, SpecsThatMatchNothingAreReported) {
  auto g = Shop();
  auto r = Select(g, {"orders nothing_here", "tag:nope,orders"}, {"also_nothing"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->unmatched, ElementsAre("nothing_here", "tag:nope,orders"));
  EXPECT_THAT(r->warnings, ElementsAre("The selection criterion 'nothing_here' does not match any enabled nodes",
                                       "The selection criterion 'tag:nope,orders' does not match any enabled nodes"));
  EXPECT_THAT(Ids(g, r), ElementsAre("orders", "unique_orders_id", "relationships_orders"));
}

// ---- errors ----

TEST(SelectorTest, UnknownMethodSuggestsTheNearest) {
  Status s = ErrorOf("tg:nightly");
  EXPECT_EQ(s.message(), "--select 'tg:nightly': unknown selection method 'tg'");
  EXPECT_THAT(s.hint(), HasSubstr("did you mean 'tag'"));
  EXPECT_THAT(ErrorOf("+confg.materialized:table").hint(), HasSubstr("did you mean 'config'"));
  EXPECT_THAT(ErrorOf("exposure:weekly").message(), HasSubstr("the 'exposure' method is not supported"));
}

TEST(SelectorTest, MalformedGraphOperators) {
  for (std::string spec : {"++orders", "orders++", "@orders+", "or+ders", "orders+1+", "@@orders"}) {
    EXPECT_THAT(ErrorOf(spec).message(), HasSubstr("malformed graph operator")) << spec;
  }
  EXPECT_THAT(ErrorOf("+").message(), HasSubstr("no value"));
  EXPECT_THAT(ErrorOf("tag:").message(), HasSubstr("no value"));
  EXPECT_THAT(ErrorOf("orders,,tag:x").message(), HasSubstr("empty spec around ','"));
}

TEST(SelectorTest, BadMethodValuesAndArguments) {
  EXPECT_THAT(ErrorOf("config:table").message(), HasSubstr("the config method needs a key"));
  EXPECT_THAT(ErrorOf("tag.x:nightly").message(), HasSubstr("the tag method takes no '.' arguments"));
  Status s = ErrorOf("test_type:generc");
  EXPECT_THAT(s.message(), HasSubstr("unknown test type 'generc'"));
  EXPECT_THAT(s.hint(), HasSubstr("did you mean 'generic'"));
  EXPECT_THAT(ErrorOf("resource_type:modl").hint(), HasSubstr("did you mean 'model'"));
  EXPECT_THAT(ErrorOf("source:a.b.c.d").message(), HasSubstr("package.source_name.table"));
  EXPECT_THAT(ErrorOf("state:modifed").hint(), HasSubstr("did you mean 'modified'"));
  EXPECT_THAT(ErrorOf("result:failed").hint(), HasSubstr("did you mean 'fail'"));
}

TEST(SelectorTest, StateAndResultNeedTheirContext) {
  Status s = ErrorOf("state:modified+");
  EXPECT_EQ(s.message(),
            "--select 'state:modified+': state selection needs --state: a previous manifest.json to compare with");
  SelectionContext only_modified;
  only_modified.modified = [](size_t) { return false; };
  EXPECT_THAT(ErrorOf("state:new", only_modified).message(), HasSubstr("needs --state"));
  EXPECT_THAT(ErrorOf("result:error").message(), HasSubstr("needs --state: a previous run_results.json"));
}

TEST(SelectorTest, ParentOutOfRange) {
  auto g = Shop();
  g[3].parents.push_back(99);
  auto r = Select(g, {"orders"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("node 'model.shop.stg_orders' has parent index 99"));
}

// ---- selectors.yml ----

const tmpl::Environment& Env() {
  static const tmpl::Environment env = tmpl::Environment::Standard();
  return env;
}

flow::YamlNode Yaml(const std::string& text) {
  std::vector<Status> template_errors;
  auto doc = flow::ParseYaml(text, "selectors.yml", Env(), &template_errors);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_THAT(template_errors, IsEmpty());
  return doc.ok() ? *doc : flow::YamlNode();
}

constexpr const char* kSelectorsYml = R"(selectors:
  - name: nightly
    description: nightly models
    definition: 'tag:nightly'
  - name: tables_and_parents
    definition:
      method: config.materialized
      value: table
      parents: true
      parents_depth: 1
  - name: staging_kv
    definition:
      tag: staging
  - name: complex
    default: true
    definition:
      union:
        - intersection:
            - '@source:raw'
            - 'tag:nightly'
        - 'path:models/marts/finance'
        - exclude:
            - stg_customers
  - name: cautious_orders
    definition:
      method: fqn
      value: orders
      indirect_selection: cautious
  - name: children_but_nightly
    definition:
      method: fqn
      value: stg_orders
      children: true
      children_depth: 1
      exclude:
        - 'tag:nightly'
  - name: reuse
    definition: 'selector:nightly,config.materialized:table'
  - name: intersect_minus
    definition:
      intersection:
        - 'tag:nightly'
        - 'resource_type:model'
        - exclude:
            - method: config.materialized
              value: table
)";

std::vector<std::string> BySelector(const flow::YamlNode& doc, const std::string& name,
                                    IndirectSelection mode = IndirectSelection::kEager) {
  static const std::vector<SelectableNode> g = Shop();
  SelectionRequest request;
  request.selector = name;
  request.indirect = mode;
  SelectionContext context;
  context.selectors_yml = &doc;
  return Ids(g, SelectNodes(g, request, context));
}

TEST(SelectorYamlTest, DefinitionForms) {
  flow::YamlNode doc = Yaml(kSelectorsYml);
  EXPECT_THAT(BySelector(doc, "nightly"), Eager("tag:nightly"));
  EXPECT_THAT(BySelector(doc, "tables_and_parents"), Eager("1+config.materialized:table"));
  EXPECT_THAT(BySelector(doc, "staging_kv"), Eager("tag:staging"));
  EXPECT_THAT(BySelector(doc, "cautious_orders"), ElementsAre("orders", "unique_orders_id"));
  EXPECT_THAT(BySelector(doc, "cautious_orders", IndirectSelection::kEager), ElementsAre("orders", "unique_orders_id"));
  EXPECT_THAT(BySelector(doc, "children_but_nightly"), ElementsAre("stg_orders"));
  EXPECT_THAT(BySelector(doc, "reuse"), ElementsAre("orders", "unique_orders_id", "relationships_orders"));
  EXPECT_THAT(BySelector(doc, "intersect_minus"), ElementsAre("stg_customers", "not_null_stg_customers_id"));
}

TEST(SelectorYamlTest, UnionWithIntersectionAndExclude) {
  flow::YamlNode doc = Yaml(kSelectorsYml);
  // @source:raw reaches everything downstream of raw and its ancestors; with
  // tag:nightly that is stg_customers and orders (and their eager tests);
  // plus the finance folder; minus stg_customers and every test on it.
  EXPECT_THAT(BySelector(doc, "complex"),
              ElementsAre("orders", "customer_ltv", "unique_orders_id", "assert_positive_ltv"));
}

TEST(SelectorYamlTest, SelectorMethodInSelect) {
  flow::YamlNode doc = Yaml(kSelectorsYml);
  auto g = Shop();
  SelectionContext context;
  context.selectors_yml = &doc;
  EXPECT_THAT(Ids(g, Select(g, {"selector:nightly,resource_type:model"}, {}, IndirectSelection::kEmpty, context)),
              ElementsAre("stg_customers", "orders"));
  EXPECT_THAT(Ids(g, Select(g, {"selector:staging_kv+1"}, {"selector:nightly"}, IndirectSelection::kEmpty, context)),
              ElementsAre("stg_orders"));
}

TEST(SelectorYamlTest, DefaultSelector) {
  auto name = DefaultSelectorName(Yaml(kSelectorsYml));
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(*name, "complex");

  auto none = DefaultSelectorName(Yaml("selectors:\n  - name: a\n    definition: orders\n"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  const char* templated =
      "selectors:\n"
      "  - name: prod_only\n"
      "    default: \"{{ target.name == 'prod' }}\"\n"
      "    definition: orders\n";
  flow::YamlNode doc = Yaml(templated);
  auto prod = DefaultSelectorName(doc, Map({{"target", Map({{"name", "prod"}})}}));
  ASSERT_TRUE(prod.ok()) << prod.status().ToString();
  EXPECT_EQ(prod->value_or(""), "prod_only");
  auto dev = DefaultSelectorName(doc, Map({{"target", Map({{"name", "dev"}})}}));
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_FALSE(dev->has_value());

  auto two = DefaultSelectorName(
      Yaml("selectors:\n  - name: a\n    default: true\n    definition: x\n  - name: b\n    default: true\n"
           "    definition: y\n"));
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(two.status().message(), HasSubstr("selectors 'a' and 'b' are both marked default: true"));
  EXPECT_EQ(two.status().location().line, 6);
}

TEST(SelectorYamlTest, UnknownSelectorListsTheDefinedOnes) {
  flow::YamlNode doc = Yaml(kSelectorsYml);
  auto g = Shop();
  SelectionContext context;
  context.selectors_yml = &doc;
  SelectionRequest request;
  request.selector = "nigthly";
  auto r = SelectNodes(g, request, context);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--selector 'nigthly': no selector named 'nigthly' in selectors.yml");
  EXPECT_THAT(r.status().hint(), HasSubstr("did you mean 'nightly'"));
  EXPECT_THAT(r.status().hint(), HasSubstr("valid: nightly, tables_and_parents, staging_kv, complex"));

  auto in_select = Select(g, {"selector:nope"}, {}, IndirectSelection::kEager, context);
  ASSERT_FALSE(in_select.ok());
  EXPECT_THAT(in_select.status().message(), HasSubstr("--select 'selector:nope': no selector named 'nope'"));

  auto no_file = Select(g, {"selector:nightly"});
  ASSERT_FALSE(no_file.ok());
  EXPECT_THAT(no_file.status().hint(), HasSubstr("the project has no selectors.yml"));

  request.selector = "nightly";
  request.select = {"orders"};
  auto both = SelectNodes(g, request, context);
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.status().message(), HasSubstr("cannot be combined with --select"));
}

Status YamlError(const std::string& text) {
  flow::YamlNode doc = Yaml(text);
  auto g = Shop();
  SelectionContext context;
  context.selectors_yml = &doc;
  auto r = Select(g, {"orders"}, {}, IndirectSelection::kEager, context);
  EXPECT_FALSE(r.ok());
  return r.ok() ? Status() : r.status();
}

TEST(SelectorYamlTest, CycleMessage) {
  flow::YamlNode doc = Yaml(
      "selectors:\n"
      "  - name: a\n"
      "    definition: 'selector:b'\n"
      "  - name: b\n"
      "    definition: 'selector:a'\n");
  auto g = Shop();
  SelectionRequest request;
  request.selector = "a";
  SelectionContext context;
  context.selectors_yml = &doc;
  auto r = SelectNodes(g, request, context);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("selector 'a' refers to itself (a -> b -> a)"));
}

TEST(SelectorYamlTest, InvalidFilesSayWhere) {
  Status s = YamlError("selectors:\n  - name: a\n    definition:\n      method: tg\n      value: x\n");
  EXPECT_THAT(s.message(), HasSubstr("unknown selection method 'tg'"));
  EXPECT_EQ(s.location().ToString(), "selectors.yml:4:7");

  s = YamlError("selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      childen: true\n");
  EXPECT_THAT(s.message(), HasSubstr("unknown key 'childen'"));
  EXPECT_THAT(s.hint(), HasSubstr("did you mean 'children'"));
  EXPECT_EQ(s.location().line, 6);

  s = YamlError("selectors:\n  - name: a\n    definition:\n      union: 'tag:x'\n");
  EXPECT_THAT(s.message(), HasSubstr("'union' must be a list"));

  s = YamlError("selectors:\n  - name: a\n    definition:\n      union: [a]\n      exclude: [b]\n");
  EXPECT_THAT(s.message(), HasSubstr("takes no other keys"));

  s = YamlError(
      "selectors:\n  - name: a\n    definition:\n      union:\n        - a\n        - exclude: [b]\n"
      "        - exclude: [c]\n");
  EXPECT_THAT(s.message(), HasSubstr("only one 'exclude'"));

  s = YamlError("selectors:\n  - name: a\n    definition: x\n  - name: a\n    definition: y\n");
  EXPECT_THAT(s.message(), HasSubstr("selector 'a' is defined twice"));
  EXPECT_EQ(s.location().line, 4);

  s = YamlError("selectors:\n  - name: a\n");
  EXPECT_THAT(s.message(), HasSubstr("needs a 'definition'"));

  s = YamlError("selectors:\n  - name: a\n    definition: '++x'\n");
  EXPECT_THAT(s.message(), HasSubstr("selector 'a' '++x': malformed graph operator"));
  EXPECT_EQ(s.location().line, 3);

  s = YamlError(
      "selectors:\n  - name: a\n    definition:\n      method: fqn\n      value: x\n"
      "      indirect_selection: lazy\n");
  EXPECT_THAT(s.message(), HasSubstr("unknown indirect selection mode 'lazy'"));
  EXPECT_EQ(s.location().line, 6);

  s = YamlError("selectors:\n  - name: a\n    definition:\n      method: fqn\n");
  EXPECT_THAT(s.message(), HasSubstr("needs both 'method' and 'value'"));

  s = YamlError("select:\n  - name: a\n");
  EXPECT_THAT(s.message(), HasSubstr("'selectors' list"));
}

// ---- wildcards ----

TEST(SelectorWildcardTest, FnmatchAndPathGlob) {
  using internal::Fnmatch;
  using internal::PathGlobMatches;
  EXPECT_TRUE(Fnmatch("stg_orders", "stg_*"));
  EXPECT_TRUE(Fnmatch("a.b.c", "*.c"));
  EXPECT_TRUE(Fnmatch("abc", "a?c"));
  EXPECT_TRUE(Fnmatch("abc", "a[a-c]c"));
  EXPECT_FALSE(Fnmatch("abc", "a[!b]c"));
  EXPECT_TRUE(Fnmatch("a[c", "a[c"));  // an unterminated class is literal
  EXPECT_TRUE(Fnmatch("", "*"));
  EXPECT_FALSE(Fnmatch("Stg", "stg"));  // case-sensitive
  EXPECT_TRUE(PathGlobMatches("models/*/x.sql", "models/staging/x.sql"));
  EXPECT_FALSE(PathGlobMatches("models/*.sql", "models/staging/x.sql"));
  EXPECT_TRUE(PathGlobMatches("models/**/x.sql", "models/x.sql"));
  EXPECT_TRUE(PathGlobMatches("models/**", "models/a/b/c.sql"));
}

// ---- a large graph ----

// Every method and operator on a 10,000-node graph in one request.
TEST(SelectorScaleTest, TenThousandNodes) {
  // 2,000 chains of five models, each with a test, and tags on every tenth.
  std::vector<SelectableNode> g;
  for (size_t chain = 0; chain < 1000; ++chain) {
    for (size_t k = 0; k < 5; ++k) {
      std::string name = "m" + std::to_string(chain) + "_" + std::to_string(k);
      std::vector<size_t> parents;
      if (k > 0) parents.push_back(g.size() - 2);
      g.push_back(Node("model.big." + name, ResourceType::kModel, {"big", "f" + std::to_string(chain % 50), name},
                       "models/f" + std::to_string(chain % 50) + "/" + name + ".sql", parents));
      if (chain % 10 == 0) g.back().tags = {"nightly"};
      g.push_back(DataTest("test.big.t_" + name, "generic", "unique", {"big", "t_" + name}, "models/schema.yml",
                           {g.size() - 1}));
    }
  }
  ASSERT_EQ(g.size(), 10000u);
  SelectionRequest request;
  request.select = {"+m500_4 m7_0+ tag:nightly,config.materialized:view path:models/f3 f4.*", "@m9_2"};
  request.exclude = {"m7_3+"};
  request.indirect = IndirectSelection::kCautious;
  auto r = SelectNodes(g, request, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->nodes.size(), 100u);
}

}  // namespace
}  // namespace floe::models
