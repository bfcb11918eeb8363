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
