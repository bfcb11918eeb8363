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
