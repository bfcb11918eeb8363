#include "exec/secret_mask.h"

#include <gtest/gtest.h>

namespace floe::exec {
namespace {

TEST(SecretMask, MasksEveryOccurrence) {
  SecretMask mask;
  mask.Add("hunter2");
  EXPECT_EQ(mask.Mask("pw=hunter2; again hunter2"), "pw=******; again ******");
}

TEST(SecretMask, LongerSecretsFirst) {
  SecretMask mask;
  mask.Add("abc");
  mask.Add("abcdef");
  EXPECT_EQ(mask.Mask("x abcdef y abc"), "x ****** y ******");
}

TEST(SecretMask, IgnoresTinyValues) {
  SecretMask mask;
  mask.Add("1");
  EXPECT_TRUE(mask.empty());
  EXPECT_EQ(mask.Mask("1 2 3"), "1 2 3");
}

TEST(SecretMask, MaskedJsonStaysJson) {
  SecretMask mask;
  mask.Add("s3cr3t");
  EXPECT_EQ(mask.Mask(R"({"token":"s3cr3t"})"), R"({"token":"******"})");
}

TEST(SecretMask, MasksTheJsonEscapedFormOfAValue) {
  SecretMask mask;
  mask.Add("pa\"ss\\word");
  EXPECT_EQ(mask.Mask(R"({"token":"pa\"ss\\word"})"), R"({"token":"******"})");
  EXPECT_EQ(mask.Mask("pa\"ss\\word"), "******");
  EXPECT_TRUE(mask.Holds("x pa\"ss\\word y"));
  EXPECT_FALSE(mask.Holds("nothing"));
}

}  // namespace
}  // namespace floe::exec
