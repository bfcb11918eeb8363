#include "server/zip_archive.h"

#include <zlib.h>

#include <cstdint>

namespace floe::server {
namespace {

void Put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void Put32(std::string& out, uint32_t v) {
  Put16(out, v & 0xFFFF);
  Put16(out, v >> 16);
}

constexpr uint32_t kDosDate = (2026 - 1980) << 9 | 1 << 5 | 1;  // 2026-01-01: zip needs one; files carry none here
constexpr uint32_t kUtf8Names = 1 << 11;

}  // namespace

Result<std::string> ZipArchive(const std::vector<std::pair<std::string, std::string>>& files) {
  if (files.size() > 0xFFFF) return InvalidArgument("more than 65,535 files: too many for a zip without zip64");
  std::string out, central;
  for (const auto& [name, data] : files) {
    if (data.size() >= 0xFFFFFFFFull || out.size() >= 0xFFFFFFFFull)
      return InvalidArgument("'" + name + "' is past 4 GiB into the archive: too large for a zip without zip64");
    uint32_t crc = static_cast<uint32_t>(
        crc32_z(crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
    uint32_t offset = static_cast<uint32_t>(out.size());
    auto header = [&](std::string& h, bool central_entry) {
      Put32(h, central_entry ? 0x02014b50 : 0x04034b50);
      if (central_entry) Put16(h, 20);  // made by
      Put16(h, 20);                     // version needed: 2.0
      Put16(h, kUtf8Names);
      Put16(h, 0);  // stored
      Put16(h, 0);  // time
      Put16(h, kDosDate);
      Put32(h, crc);
      Put32(h, static_cast<uint32_t>(data.size()));
      Put32(h, static_cast<uint32_t>(data.size()));
      Put16(h, static_cast<uint32_t>(name.size()));
      Put16(h, 0);  // extra
      if (central_entry) {
        Put16(h, 0);  // comment
        Put16(h, 0);  // disk
        Put16(h, 0);  // internal attributes
        Put32(h, 0);  // external attributes
        Put32(h, offset);
      }
      h += name;
    };
    header(out, false);
    out += data;
    header(central, true);
  }
  if (out.size() + central.size() >= 0xFFFFFFFFull) return InvalidArgument("the archive would pass 4 GiB");
  uint32_t central_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, 0x06054b50);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, static_cast<uint32_t>(files.size()));
  Put16(out, static_cast<uint32_t>(files.size()));
  Put32(out, static_cast<uint32_t>(central.size()));
  Put32(out, central_offset);
  Put16(out, 0);
  return out;
}

}  // namespace floe::server
