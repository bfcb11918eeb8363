#include "core/status.h"

#include <gtest/gtest.h>

namespace floe {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd number " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x));
  return Status::Ok();
}

TEST(StatusTest, OkAndError) {
  EXPECT_TRUE(Status().ok());
  Status s = InvalidArgument("bad");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "bad");
}

TEST(StatusTest, LocationAndHintAppearInMessage) {
  Status s = InvalidArgument("unknown key 'taks'").WithLocation({"flow.yml", 3, 1}).WithHint("did you mean 'tasks'?");
  EXPECT_EQ(s.ToString(), "flow.yml:3:1: unknown key 'taks' (did you mean 'tasks'?)");
}

TEST(StatusTest, ContextPrefixesMessage) {
  Status s = IoError("disk full").WithContext("writing output");
  EXPECT_EQ(s.message(), "writing output: disk full");
}

TEST(ResultTest, PropagatesThroughMacros) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd number 3");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_FALSE(CheckEven(5).ok());
}

TEST(SourceLocationTest, FormatsWhatIsKnown) {
  EXPECT_EQ((SourceLocation{"f", 0, 0}).ToString(), "f");
  EXPECT_EQ((SourceLocation{"f", 2, 0}).ToString(), "f:2");
  EXPECT_EQ((SourceLocation{"", 2, 5}).ToString(), "2:5");
}

}  // namespace
}  // namespace floe
