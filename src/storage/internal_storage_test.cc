#include "storage/internal_storage.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/id.h"

namespace floe::storage {
namespace {

TEST(InternalStorageTest, PutAndResolve) {
  auto root = std::filesystem::temp_directory_path() / ("floe_storage_" + NewId());
  InternalStorage storage(root);
  auto src = root.parent_path() / ("src_" + NewId());
  std::ofstream(src) << "hello";
  auto uri = storage.Put(src, "ns/flow/executions/e1/out.txt");
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(*uri, "floe:///ns/flow/executions/e1/out.txt");
  auto path = storage.LocalPath(*uri);
  ASSERT_TRUE(path.ok());
  std::ifstream in(*path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "hello");
  std::filesystem::remove_all(root);
  std::filesystem::remove(src);
}

TEST(InternalStorageTest, RejectsEscapingKeysAndMissingFiles) {
  InternalStorage storage("/tmp/floe_storage_never");
  EXPECT_FALSE(storage.Reserve("../etc/passwd").ok());
  EXPECT_FALSE(storage.Reserve("/abs").ok());
  EXPECT_FALSE(storage.Reserve("a//b").ok());
  EXPECT_FALSE(storage.LocalPath("floe:///a/../../etc/passwd").ok());
  EXPECT_EQ(storage.LocalPath("floe:///a/b").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(storage.LocalPath("s3://a/b").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace floe::storage
