#include "iceberg/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace floe::iceberg {
namespace {

using ::testing::HasSubstr;

TypePtr T(const std::string& name) { return *ParsePrimitiveType(name); }

// The hash test vectors of the spec's Appendix B.
TEST(ValuesTest, BucketHashesMatchTheSpecsVectors) {
  EXPECT_EQ(*BucketHash(*T("int"), tmpl::Value(int64_t{34})), 2017239379);
  EXPECT_EQ(*BucketHash(*T("long"), tmpl::Value(int64_t{34})), 2017239379);
  EXPECT_EQ(*BucketHash(*T("decimal(9,2)"), tmpl::Value(int64_t{1420})), -500754589);  // 14.20
  EXPECT_EQ(*BucketHash(*T("date"), tmpl::Value(int64_t{17486})), -653330422);         // 2017-11-16
  EXPECT_EQ(*BucketHash(*T("time"), tmpl::Value(int64_t{81068000000})), -662762989);   // 22:31:08
  EXPECT_EQ(*BucketHash(*T("timestamp"), tmpl::Value(int64_t{1510871468000000})), -2047944441);
  EXPECT_EQ(*BucketHash(*T("timestamptz"), tmpl::Value(int64_t{1510871468000001})), -1207196810);
  EXPECT_EQ(*BucketHash(*T("string"), tmpl::Value("iceberg")), 1210000089);
  const unsigned char uuid[] = {0xf7, 0x9c, 0x3e, 0x09, 0x67, 0x7c, 0x4b, 0xbd,
                                0xa4, 0x79, 0x3f, 0x34, 0x9c, 0xb7, 0x85, 0xe7};
  EXPECT_EQ(*BucketHash(*T("uuid"), tmpl::Value(std::string(reinterpret_cast<const char*>(uuid), 16))), 1488055340);
  EXPECT_EQ(*BucketHash(*T("binary"), tmpl::Value(std::string("\x00\x01\x02\x03", 4))), -188683207);
  EXPECT_EQ(*BucketHash(*T("fixed[4]"), tmpl::Value(std::string("\x00\x01\x02\x03", 4))), -188683207);
  EXPECT_THAT(BucketHash(*T("double"), tmpl::Value(1.0)).status().message(), HasSubstr("bucket does not apply"));
}

TEST(ValuesTest, TransformsAsTheSpecDefinesThem) {
  auto apply = [](const std::string& transform, const std::string& type, tmpl::Value v) {
    auto r = ApplyTransform(*ParseTransform(transform), *T(type), v);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : tmpl::Value();
  };
  EXPECT_EQ(apply("bucket[16]", "int", tmpl::Value(int64_t{34})).AsInt(), 2017239379 % 16);
  EXPECT_EQ(apply("truncate[10]", "int", tmpl::Value(int64_t{1})).AsInt(), 0);
  EXPECT_EQ(apply("truncate[10]", "int", tmpl::Value(int64_t{-1})).AsInt(), -10);
  EXPECT_EQ(apply("truncate[10]", "long", tmpl::Value(int64_t{-10})).AsInt(), -10);
  EXPECT_EQ(apply("truncate[50]", "decimal(9,2)", tmpl::Value(int64_t{1065})).AsInt(), 1050);  // 10.65 -> 10.50
  EXPECT_EQ(apply("truncate[3]", "string", tmpl::Value("iceberg")).AsString(), "ice");
  EXPECT_EQ(apply("truncate[2]", "string", tmpl::Value("\xc3\xa9t\xc3\xa9")).AsString(), "\xc3\xa9t")
      << "code points, not bytes";
  EXPECT_EQ(apply("truncate[2]", "binary", tmpl::Value("\x01\x02\x03")).AsString(), "\x01\x02");
  // 2017-11-16 is day 17486; 2017-11-16T22:31:08Z is 1510871468000000 micros.
  EXPECT_EQ(apply("day", "date", tmpl::Value(int64_t{17486})).AsInt(), 17486);
  EXPECT_EQ(apply("year", "date", tmpl::Value(int64_t{17486})).AsInt(), 47);
  EXPECT_EQ(apply("month", "date", tmpl::Value(int64_t{17486})).AsInt(), 47 * 12 + 10);
  EXPECT_EQ(apply("day", "timestamptz", tmpl::Value(int64_t{1510871468000000})).AsInt(), 17486);
  EXPECT_EQ(apply("hour", "timestamp", tmpl::Value(int64_t{1510871468000000})).AsInt(), 17486 * 24 + 22);
  // Before 1970: floor, not truncation toward zero.
  EXPECT_EQ(apply("day", "timestamp", tmpl::Value(int64_t{-1})).AsInt(), -1);
  EXPECT_EQ(apply("year", "date", tmpl::Value(int64_t{-1})).AsInt(), -1);   // 1969-12-31
  EXPECT_EQ(apply("month", "date", tmpl::Value(int64_t{-1})).AsInt(), -1);  // 1969-12
  EXPECT_EQ(apply("hour", "timestamp", tmpl::Value(int64_t{-1})).AsInt(), -1);
  EXPECT_TRUE(apply("void", "long", tmpl::Value(int64_t{5})).is_null());
  EXPECT_TRUE(apply("bucket[4]", "long", tmpl::Value()).is_null());
  EXPECT_THAT(ApplyTransform(*ParseTransform("hour"), *T("date"), tmpl::Value(int64_t{1})).status().message(),
              HasSubstr("transform hour does not apply to a date column"));
}

TEST(ValuesTest, BoundsUseTheSingleValueSerialization) {
  EXPECT_EQ(*ToBound(*T("int"), tmpl::Value(int64_t{1})), std::string("\x01\x00\x00\x00", 4));
  EXPECT_EQ(*ToBound(*T("long"), tmpl::Value(int64_t{-2})), std::string("\xfe\xff\xff\xff\xff\xff\xff\xff", 8));
  EXPECT_EQ(*ToBound(*T("boolean"), tmpl::Value(true)), "\x01");
  EXPECT_EQ(*ToBound(*T("double"), tmpl::Value(1.0)), std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8));
  EXPECT_EQ(*ToBound(*T("float"), tmpl::Value(1.0)), std::string("\x00\x00\x80\x3f", 4));
  EXPECT_EQ(*ToBound(*T("decimal(9,2)"), tmpl::Value(int64_t{1420})), "\x05\x8c");  // 14.20, minimal bytes
  EXPECT_EQ(*ToBound(*T("decimal(9,2)"), tmpl::Value(int64_t{-1})), "\xff");
  EXPECT_EQ(*ToBound(*T("decimal(9,2)"), tmpl::Value(int64_t{128})), std::string("\x00\x80", 2));
  EXPECT_EQ(*ToBound(*T("string"), tmpl::Value("ice")), "ice");
  for (auto [type, value] :
       std::vector<std::pair<std::string, tmpl::Value>>{{"int", tmpl::Value(int64_t{-7})},
                                                        {"long", tmpl::Value(int64_t{1} << 40)},
                                                        {"date", tmpl::Value(int64_t{17486})},
                                                        {"timestamptz", tmpl::Value(int64_t{1510871468000001})},
                                                        {"double", tmpl::Value(-2.5)},
                                                        {"decimal(18,4)", tmpl::Value(int64_t{-123456789012})},
                                                        {"string", tmpl::Value("é")},
                                                        {"boolean", tmpl::Value(false)}}) {
    auto bytes = ToBound(*T(type), value);
    ASSERT_TRUE(bytes.ok()) << type;
    auto back = FromBound(*T(type), *bytes);
    ASSERT_TRUE(back.ok()) << type << ": " << back.status().ToString();
    EXPECT_EQ(back->is_int() ? back->AsInt() : 0, value.is_int() ? value.AsInt() : 0) << type;
    if (value.is_string()) {
      EXPECT_EQ(back->AsString(), value.AsString());
    }
    if (value.is_number() && !value.is_int()) {
      EXPECT_EQ(back->AsDouble(), value.AsDouble());
    }
  }
  // Promoted columns: an int bound of a long column, a date bound of a timestamp.
  EXPECT_EQ(FromBound(*T("long"), std::string("\xff\xff\xff\xff", 4))->AsInt(), -1);
  EXPECT_EQ(FromBound(*T("timestamp"), std::string("\x01\x00\x00\x00", 4))->AsInt(), 86400000000);
  EXPECT_EQ(FromBound(*T("double"), std::string("\x00\x00\x80\x3f", 4))->AsDouble(), 1.0);
  EXPECT_THAT(FromBound(*T("int"), "abc").status().message(), HasSubstr("a bound of 3 bytes is not a int"));
  EXPECT_THAT(ToBound(*T("long"), tmpl::Value("x")).status().message(), HasSubstr("is not a value of type long"));
}

}  // namespace
}  // namespace floe::iceberg
