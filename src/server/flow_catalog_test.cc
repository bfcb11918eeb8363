#include "server/flow_catalog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/id.h"
#include "runtime/home.h"

namespace floe::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFlow = R"(id: hello
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi
)";

class FlowCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floe_catalog_" + NewId());
    auto store = state::OpenSqliteStore(dir_ / "floe.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    catalog_ = std::make_unique<FlowCatalog>(dir_ / "flows", runtime::BuiltinRegistry(), *store_, SystemClock());
  }
  void TearDown() override {
    catalog_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<FlowCatalog> catalog_;
};

TEST_F(FlowCatalogTest, SavedFlowsAreFilesWithRevisions) {
  int changes = 0;
  catalog_->OnChange([&](const FlowsFolder::Changes&) { ++changes; });
  auto saved = catalog_->Save(kFlow, "", "", true);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_TRUE(saved->created);
  EXPECT_EQ(saved->revision, 1);
  EXPECT_TRUE(fs::exists(dir_ / "flows" / "company.team" / "hello.yml"));
  EXPECT_EQ(changes, 1);
  // Creating it again is refused; updating it makes revision 2 in the same file.
  EXPECT_EQ(catalog_->Save(kFlow, "", "", true).status().code(), StatusCode::kAlreadyExists);
  std::string v2 = std::string(kFlow) + "description: second\n";
  auto updated = catalog_->Save(v2, "company.team", "hello");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->revision, 2);
  EXPECT_EQ(catalog_->Find("company.team", "hello")->description, "second");
  // An update naming another flow than its source is refused.
  EXPECT_FALSE(catalog_->Save(v2, "company.team", "other").ok());
  ASSERT_TRUE(catalog_->Delete("company.team", "hello").ok());
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "company.team" / "hello.yml"));
  EXPECT_EQ(catalog_->Find("company.team", "hello"), nullptr);
  auto revisions = store_->ListFlowRevisions("company.team", "hello");
  ASSERT_EQ(revisions->size(), 3u);
  EXPECT_TRUE(revisions->back().deleted);
  EXPECT_EQ(catalog_->Delete("company.team", "hello").code(), StatusCode::kNotFound);
}

TEST_F(FlowCatalogTest, AnInvalidFlowWritesNothingAndNamesItsPlace) {
  auto saved = catalog_->Save("id: x\nnamespace: a\ntasks:\n  - id: t\n    type: nope.Nope\n");
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.status().location().line, 5);
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "a"));
}

TEST_F(FlowCatalogTest, AFileEditedByHandBecomesARevisionAtTheNextRefresh) {
  fs::create_directories(dir_ / "flows" / "mine");
  std::ofstream(dir_ / "flows" / "mine" / "any-name.yaml") << kFlow;
  catalog_->Refresh();
  EXPECT_EQ(catalog_->Revision("company.team", "hello"), 1);
  // The API updates the file the flow came from, not a new one.
  auto updated = catalog_->Save(std::string(kFlow) + "description: x\n", "company.team", "hello");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_FALSE(fs::exists(dir_ / "flows" / "company.team"));
  EXPECT_EQ(updated->revision, 2);
}

}  // namespace
}  // namespace floe::server
