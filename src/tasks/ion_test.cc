#include "tasks/ion.h"

#include <gtest/gtest.h>

#include "tmpl/json.h"

namespace floe::tasks {
namespace {

TEST(IonTest, ReadsKestrasRowsAndJsonLines) {
  auto rows = ParseIonValues(
      "{id:1,city:\"Paris\",amount:120.5e0,tags:[a,'b c'],when:2026-12-03T10:00:00Z,none:null.string}\n"
      "{\"id\":2,\"ok\":true} // a comment\n"
      "ann::{d:1.25d0,big:1_000}\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ(tmpl::ToJson((*rows)[0]),
            R"({"id":1,"city":"Paris","amount":120.5,"tags":["a","b c"],"when":"2026-12-03T10:00:00Z","none":null})");
  EXPECT_EQ(tmpl::ToJson((*rows)[1]), R"({"id":2,"ok":true})");
  EXPECT_EQ(tmpl::ToJson((*rows)[2]), R"({"d":1.25,"big":1000})");
}

TEST(IonTest, WritesWhatItReads) {
  auto value = tmpl::ParseJson(R"({"id":1,"name":"a \"b\"\n","x y":[1.5,null,false],"null":2})");
  ASSERT_TRUE(value.ok());
  std::string text = ToIon(*value);
  EXPECT_EQ(text, R"({id:1,name:"a \"b\"\n","x y":[1.5e0,null,false],"null":2})");
  auto back = ParseIonValues(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)[0].Equals(*value));
}

TEST(IonTest, BadTextNamesTheLine) {
  auto rows = ParseIonValues("{a:1}\n{b:\"unclosed}\n");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("line 2"), std::string::npos) << rows.status().message();
  EXPECT_FALSE(ParseIonValues("{a 1}").ok());
  EXPECT_FALSE(ParseIonValues("[1, 2").ok());
}

}  // namespace
}  // namespace floe::tasks
