#include "server/zip_archive.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/id.h"

namespace floe::server {
namespace {

TEST(ZipArchiveTest, PythonsZipfileReadsItBack) {
  std::string binary("\0\x01\xff", 3);
  auto zip = ZipArchive({{"queries/a.sql", "select 1"}, {"b\xc3\xa9.bin", binary}, {"empty.txt", ""}});
  ASSERT_TRUE(zip.ok());
  auto dir = std::filesystem::temp_directory_path() / ("floe_zip_" + NewId());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.zip", std::ios::binary) << *zip;
  std::string cmd =
      "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; "
      "print(sorted((i.filename, z.read(i).hex()) for i in z.infolist()))\" " +
      (dir / "a.zip").string() + " > " + (dir / "out.txt").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir / "out.txt");
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "[('b\xc3\xa9.bin', '0001ff'), ('empty.txt', ''), ('queries/a.sql', '73656c6563742031')]\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace floe::server
