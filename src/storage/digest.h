// MD5 for S3's integrity checks (Content-MD5 on uploads, the ETag of
// single-part objects on downloads), whole or fed in pieces.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace floe::storage {

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void Update(std::string_view data);
  std::string FinishRaw();  // 16 bytes; the object is spent after
  std::string FinishHex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string Md5Hex(std::string_view data);
std::string Md5Base64(std::string_view data);

}  // namespace floe::storage
