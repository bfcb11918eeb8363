#include "storage/row_split.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/id.h"

namespace floe::storage {
namespace {

class RowSplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("floe_row_split_" + NewId());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The parts' contents after splitting `content` as `split` says.
  std::vector<std::string> Split(const std::string& content, const RowSplit& split) {
    std::ofstream(dir_ / "in.txt", std::ios::binary) << content;
    std::vector<std::filesystem::path> paths;
    auto rows = SplitRows(dir_ / "in.txt", split, [&](size_t i) {
      paths.push_back(dir_ / ("part-" + std::to_string(i)));
      return Result<std::filesystem::path>(paths.back());
    });
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> out;
    for (const auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      out.push_back(text.str());
    }
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(RowSplitTest, ByRowsBytesAndPartitions) {
  EXPECT_EQ(Split("1\n2\n3\n4\n5\n", {.rows = 2}), (std::vector<std::string>{"1\n2\n", "3\n4\n", "5\n"}));
  // A row is never cut: each part holds whole rows up to about the size.
  EXPECT_EQ(Split("aa\nbb\ncc\ndd\n", {.bytes = 7}), (std::vector<std::string>{"aa\nbb\n", "cc\ndd\n"}));
  EXPECT_EQ(Split("a_very_long_row\nb\n", {.bytes = 4}), (std::vector<std::string>{"a_very_long_row\n", "b\n"}));
  // Round-robin; every partition is written, the empty ones too.
  EXPECT_EQ(Split("1\n2\n3\n", {.partitions = 4}), (std::vector<std::string>{"1\n", "2\n", "3\n", ""}));
  // The last row may lack its separator; another separator splits rows.
  EXPECT_EQ(Split("a;b;c", {.rows = 2, .separator = ";"}), (std::vector<std::string>{"a;b;", "c;"}));
}

TEST_F(RowSplitTest, SizesAndBadSplitsAreClearErrors) {
  EXPECT_EQ(*ParseByteSize("512"), 512);
  EXPECT_EQ(*ParseByteSize("10KB"), 10 * 1024);
  EXPECT_EQ(*ParseByteSize("2mb"), 2 * 1024 * 1024);
  EXPECT_FALSE(ParseByteSize("ten").ok());
  EXPECT_FALSE(ParseByteSize("10XB").ok());
  EXPECT_FALSE(ParseByteSize("99999999999999999999").ok());
  EXPECT_FALSE(CheckRowSplit({}).ok());
  EXPECT_FALSE(CheckRowSplit({.rows = 1, .partitions = 2}).ok());
  EXPECT_FALSE(CheckRowSplit({.rows = 1, .separator = ""}).ok());
  auto missing =
      SplitRows(dir_ / "nowhere.txt", {.rows = 1}, [&](size_t) { return Result<std::filesystem::path>(dir_ / "x"); });
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace floe::storage
