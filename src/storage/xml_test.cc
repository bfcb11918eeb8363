#include "storage/xml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace floe::storage {
namespace {

using ::testing::HasSubstr;

TEST(XmlTest, ListBucketResult) {
  auto doc = ParseXml(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>lake</Name><IsTruncated>true</IsTruncated>
  <Contents><Key>a &amp; b.csv</Key><Size>12</Size></Contents>
  <Contents><Key>caf&#xE9;/&#20013;.parquet</Key><Size>0</Size></Contents>
  <NextContinuationToken><![CDATA[tok<1>]]></NextContinuationToken>
  <Empty/>
</ListBucketResult>)");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "ListBucketResult");
  EXPECT_EQ(doc->ChildText("Name"), "lake");
  auto contents = doc->Children("Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0]->ChildText("Key"), "a & b.csv");
  EXPECT_EQ(contents[1]->ChildText("Key"), "caf\xc3\xa9/\xe4\xb8\xad.parquet");
  EXPECT_EQ(doc->ChildText("NextContinuationToken"), "tok<1>");
  EXPECT_NE(doc->Child("Empty"), nullptr);
  EXPECT_EQ(doc->Child("Missing"), nullptr);
}

TEST(XmlTest, NamespacePrefixesAreDropped) {
  auto doc = ParseXml("<s3:Error><s3:Code>NoSuchKey</s3:Code></s3:Error>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->ChildText("Code"), "NoSuchKey");
}

TEST(XmlTest, MalformedInputSaysWhere) {
  for (std::string_view bad : {"", "<a>", "<a></b>", "<a>&bogus;</a>", "<a>&#xD800;</a>", "<a b=c></a>",
                               "<a></a><b></b>", "<a><![CDATA[x</a>", "text"}) {
    auto doc = ParseXml(bad);
    EXPECT_FALSE(doc.ok()) << bad;
    EXPECT_THAT(doc.status().message(), HasSubstr("malformed XML at byte")) << bad;
  }
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<a>";
  EXPECT_THAT(ParseXml(deep).status().message(), HasSubstr("nested deeper than 256"));
}

}  // namespace
}  // namespace floe::storage
