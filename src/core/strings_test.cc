#include "core/strings.h"

#include <gtest/gtest.h>

namespace floe {
namespace {

TEST(StringsTest, EditDistance) {
  EXPECT_EQ(EditDistance("taks", "tasks"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("Tasks", "tasks"), 0u);
}

TEST(StringsTest, DidYouMean) {
  std::vector<std::string> keys = {"id", "namespace", "tasks", "inputs", "outputs"};
  EXPECT_EQ(DidYouMean("taks", keys), "did you mean 'tasks'?");
  EXPECT_EQ(DidYouMean("zzzzzzzz", keys), "");
}

TEST(StringsTest, GlobsStayInASegmentUnlessTheyCross) {
  EXPECT_TRUE(GlobMatches("*.csv", "a.csv"));
  EXPECT_FALSE(GlobMatches("*.csv", "dir/a.csv"));
  EXPECT_TRUE(GlobMatches("orders/*/*.parquet", "orders/region=1/data_0.parquet"));
  EXPECT_FALSE(GlobMatches("orders/*.parquet", "orders/region=1/data_0.parquet"));
  EXPECT_TRUE(GlobMatches("orders/**.parquet", "orders/region=1/data_0.parquet"));
  EXPECT_TRUE(GlobMatches("data_?.csv", "data_1.csv"));
  EXPECT_FALSE(GlobMatches("data_?.csv", "data_10.csv"));
}

}  // namespace
}  // namespace floe

namespace floe {
namespace {

TEST(StringsTest, ParseHeaderLine) {
  auto h = ParseHeaderLine("Content-Type:  text/csv \r\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, "content-type");
  EXPECT_EQ(h->second, "text/csv");
  EXPECT_EQ(ParseHeaderLine("X-Empty:\r\n")->second, "");
  EXPECT_FALSE(ParseHeaderLine("HTTP/1.1 200 OK\r\n"));
  EXPECT_FALSE(ParseHeaderLine("\r\n"));
}

}  // namespace
}  // namespace floe

namespace floe {
namespace {

TEST(StringsTest, JsonQuoteKeepsUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonQuote("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  // A lone continuation byte, a truncated sequence, an overlong form and a surrogate.
  EXPECT_EQ(JsonQuote("a\x80"
                      "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(JsonQuote("\xE2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote("bad \xFF\xFE bytes\n"), "\"bad \\ufffd\\ufffd bytes\\n\"");
}

}  // namespace
}  // namespace floe
