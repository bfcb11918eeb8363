#include "models/config_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace floe::models {
namespace {

TEST(ConfigKeysTest, KnowsDbtAndDuckdbKeys) {
  EXPECT_TRUE(IsKnownConfigKey("materialized"));
  EXPECT_TRUE(IsKnownConfigKey("pre-hook"));
  EXPECT_TRUE(IsKnownConfigKey("location"));
  EXPECT_FALSE(IsKnownConfigKey("materalized"));
  EXPECT_EQ(SuggestConfigKey("materalized"), "materialized");
  EXPECT_EQ(SuggestConfigKey("xyzzy_plugh_qux"), std::nullopt);
  EXPECT_EQ(NormalizeConfigKey("post-hook"), "post_hook");
}

TEST(ConfigKeysTest, MergeAppendsTagsAndHooksMergesMetaReplacesOthers) {
  tmpl::ValueMap config;
  MergeConfigValue(config, "tags", tmpl::Value("a"));
  MergeConfigValue(config, "tags", tmpl::Value(tmpl::ValueList{tmpl::Value("a"), tmpl::Value("b")}));
  EXPECT_EQ(config.Find("tags")->AsList().size(), 2u);
  MergeConfigValue(config, "meta", tmpl::Value::MakeMap({{"x", 1}}));
  MergeConfigValue(config, "meta", tmpl::Value::MakeMap({{"y", 2}}));
  EXPECT_EQ(config.Find("meta")->AsMap().size(), 2u);
  MergeConfigValue(config, "materialized", tmpl::Value("view"));
  MergeConfigValue(config, "materialized", tmpl::Value("table"));
  EXPECT_EQ(config.Find("materialized")->AsString(), "table");
  MergeConfigValue(config, "grants", tmpl::Value::MakeMap({{"select", "a"}}));
  MergeConfigValue(config, "grants", tmpl::Value::MakeMap({{"select", "b"}}));
  EXPECT_EQ(config.Find("grants")->Get("select")->AsList().size(), 2u);
}

TEST(ConfigKeysTest, MergeNeverMutatesSharedLists) {
  tmpl::Value shared(tmpl::ValueList{tmpl::Value("a")});
  tmpl::ValueMap one, two;
  MergeConfigValue(one, "tags", shared);
  MergeConfigValue(one, "tags", tmpl::Value("b"));
  EXPECT_EQ(shared.AsList().size(), 1u);
}

}  // namespace
}  // namespace floe::models
