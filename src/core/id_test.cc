#include "core/id.h"

#include <gtest/gtest.h>

#include <set>

namespace floe {
namespace {

TEST(IdTest, LengthAndAlphabet) {
  std::string id = NewId();
  ASSERT_EQ(id.size(), 26u);
  for (char c : id) EXPECT_NE(std::string("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(c), std::string::npos);
}

TEST(IdTest, SortableAndUniqueWithinOneMillisecond) {
  std::string prev = NewId();
  std::set<std::string> seen{prev};
  for (int i = 0; i < 10000; ++i) {
    std::string next = NewId();
    EXPECT_LT(prev, next);
    EXPECT_TRUE(seen.insert(next).second);
    prev = next;
  }
}

TEST(IdTest, EncodesTimeInLeadingDigits) {
  EXPECT_LT(EncodeId(1000, 0xFFFF, ~0ull), EncodeId(1001, 0, 0));
  EXPECT_EQ(EncodeId(0, 0, 0), std::string(26, '0'));
}

}  // namespace
}  // namespace floe
