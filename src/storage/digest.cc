#include "storage/digest.h"

#include <openssl/evp.h>

#include "core/strings.h"

namespace floe::storage {

struct Md5::Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

Md5::Md5() : ctx_(std::make_unique<Ctx>()) { EVP_DigestInit_ex(ctx_->ctx, EVP_md5(), nullptr); }
Md5::~Md5() = default;

void Md5::Update(std::string_view data) { EVP_DigestUpdate(ctx_->ctx, data.data(), data.size()); }

std::string Md5::FinishRaw() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->ctx, md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Md5::FinishHex() {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : FinishRaw()) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Md5Hex(std::string_view data) {
  Md5 md5;
  md5.Update(data);
  return md5.FinishHex();
}

std::string Md5Base64(std::string_view data) {
  Md5 md5;
  md5.Update(data);
  return Base64Encode(md5.FinishRaw());
}

}  // namespace floe::storage
