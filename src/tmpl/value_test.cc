#include "tmpl/value.h"

#include <gtest/gtest.h>

#include "tmpl/json.h"

namespace floe::tmpl {
namespace {

TEST(ValueTest, MapKeepsInsertionOrderAndReplacesInPlace) {
  ValueMap m;
  m.Set("b", 1);
  m.Set("a", 2);
  m.Set("b", 3);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.entries()[0].first, "b");
  EXPECT_EQ(m.Find("b")->AsInt(), 3);
  EXPECT_TRUE(m.Erase("b"));
  EXPECT_EQ(m.Find("a")->AsInt(), 2);
  EXPECT_EQ(m.Find("b"), nullptr);
}

TEST(ValueTest, ListsAreSharedLikeJinja) {
  Value a(ValueList{1, 2});
  Value b = a;
  b.MutableList().push_back(3);
  EXPECT_EQ(a.AsList().size(), 3u);
}

TEST(ValueTest, EqualityAcrossNumberKinds) {
  EXPECT_TRUE(Value(1).Equals(Value(1.0)));
  EXPECT_FALSE(Value("1").Equals(Value(1)));
  EXPECT_TRUE(Value(ValueList{1, "a"}).Equals(Value(ValueList{1, "a"})));
}

TEST(ValueTest, Truthiness) {
  EXPECT_FALSE(Value().Truthy());
  EXPECT_FALSE(Value("").Truthy());
  EXPECT_FALSE(Value(ValueList{}).Truthy());
  EXPECT_FALSE(Value::Undefined("x").Truthy());
  EXPECT_TRUE(Value("0").Truthy());
}

TEST(JsonTest, RoundTripKeepsTypesAndOrder) {
  auto v = ParseJson(R"({"z": 1, "a": [true, null, 2.5, "s\n"], "n": -3})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(ToJson(*v), R"({"z":1,"a":[true,null,2.5,"s\n"],"n":-3})");
  EXPECT_TRUE(v->Get("z")->is_int());
}

TEST(JsonTest, InvalidJsonSaysWhere) {
  auto v = ParseJson("{\"a\": }");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("line 1"), std::string::npos) << v.status().message();
}

TEST(JsonTest, DoublesReadBack) {
  EXPECT_EQ(FormatDouble(1.0), "1.0");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1e20), "1e+20");
}

}  // namespace
}  // namespace floe::tmpl

namespace floe::tmpl {
namespace {

TEST(ValueTest, LargeMapsStayConsistentAcrossTheIndexThreshold) {
  ValueMap m;
  for (int i = 0; i < 100; ++i) m.Set("k" + std::to_string(i), i);
  m.Set("k5", 500);
  ASSERT_EQ(m.size(), 100u);
  EXPECT_EQ(m.Find("k5")->AsInt(), 500);
  EXPECT_EQ(m.Find("k99")->AsInt(), 99);
  EXPECT_EQ(m.Find("nope"), nullptr);
  for (int i = 0; i < 95; ++i) EXPECT_TRUE(m.Erase("k" + std::to_string(i)));
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m.entries()[0].first, "k95");
  EXPECT_EQ(m.Find("k97")->AsInt(), 97);
  EXPECT_EQ(m.Find("k3"), nullptr);
}

}  // namespace
}  // namespace floe::tmpl
