#include "server/multipart.h"

#include <gtest/gtest.h>

namespace floe::server {
namespace {

TEST(MultipartTest, ReadsFieldsAndFilesAsBrowsersAndCurlSendThem) {
  std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"name\"\r\n\r\n"
      "ada\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"data\"; filename=\"rows; 1.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n"
      "a,b\r\n1,2\r\n\r\n"
      "--XyZ--\r\n";
  auto parts = ParseMultipart("multipart/form-data; boundary=XyZ", body);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "name");
  EXPECT_FALSE((*parts)[0].filename);
  EXPECT_EQ((*parts)[0].data, "ada");
  EXPECT_EQ((*parts)[1].name, "data");
  EXPECT_EQ((*parts)[1].filename, "rows; 1.csv");  // a ';' inside quotes is part of the name
  EXPECT_EQ((*parts)[1].content_type, "text/csv");
  EXPECT_EQ((*parts)[1].data, "a,b\r\n1,2\r\n");  // CRLFs inside the data are kept
}

TEST(MultipartTest, AQuotedBoundaryAndBinaryDataWork) {
  static constexpr char kBytes[] = "\0\x01\xff--not-the-boundary";
  std::string data(kBytes, sizeof kBytes - 1);  // the NUL inside included
  std::string body =
      "--b 1\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n" + data + "\r\n--b 1--";
  auto parts = ParseMultipart("multipart/form-data; boundary=\"b 1\"", body);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].data, data);
}

TEST(MultipartTest, MalformedBodiesAreErrorsSayingWhy) {
  auto error = [](std::string_view type, std::string_view body) {
    auto parts = ParseMultipart(type, body);
    EXPECT_FALSE(parts.ok());
    return parts.ok() ? std::string() : parts.status().message();
  };
  EXPECT_NE(error("multipart/form-data", "--x--").find("boundary"), std::string::npos);
  EXPECT_NE(error("multipart/form-data; boundary=x", "no delimiter here").find("boundary"), std::string::npos);
  EXPECT_NE(error("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhalf")
                .find("not closed"),
            std::string::npos);
  EXPECT_NE(error("multipart/form-data; boundary=x", "--x\r\nContent-Type: text/plain\r\n\r\nv\r\n--x--")
                .find("Content-Disposition"),
            std::string::npos);
  EXPECT_NE(error("multipart/form-data; boundary=x", "--x\r\nno end of headers").find("end of headers"),
            std::string::npos);
}

TEST(MultipartTest, UrlEncodedFormsAndTheContentTypeChoose) {
  auto parts = ParseUrlEncoded("name=Ada+Lovelace&note=a%26b&empty=&flag");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 4u);
  EXPECT_EQ((*parts)[0].data, "Ada Lovelace");
  EXPECT_EQ((*parts)[1].data, "a&b");
  EXPECT_EQ((*parts)[2].data, "");
  EXPECT_EQ((*parts)[3].name, "flag");
  EXPECT_FALSE(ParseUrlEncoded("bad=%zz").ok());

  HttpRequest request;
  EXPECT_TRUE(ParseForm(request)->empty());  // no body: no inputs
  request.body = "{}";
  request.headers.Set("Content-Type", "application/xml");
  EXPECT_FALSE(ParseForm(request).ok());
}

}  // namespace
}  // namespace floe::server
