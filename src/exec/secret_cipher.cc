#include "exec/secret_cipher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/strings.h"

namespace floe::exec {
namespace {

constexpr std::string_view kPrefix = "floe-secret:v1:";
constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// The first 8 hex digits of the key's SHA-256: names the key in a sealed
// value, so a wrong key is reported as such rather than as corruption.
std::string KeyId(std::string_view key) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Result<std::string> DecodeKey(std::string_view base64, std::string_view where) {
  std::string text(base64);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto key = Base64Decode(text);
  if (!key.ok() || key->size() != kKeySize)
    return InvalidArgument(std::string(where) + " must hold a 32-byte key, base64-encoded")
        .WithHint("make one with: head -c 32 /dev/urandom | base64");
  return *key;
}

}  // namespace

Result<std::string> LoadOrCreateKeyFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return IoError("cannot read the secret key file '" + path.string() + "': " + strerror(errno));
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return IoError("cannot create '" + path.parent_path().string() + "': " + ec.message());
    std::string key(kKeySize, '\0');
    if (RAND_bytes(Bytes(key), static_cast<int>(key.size())) != 1) return Internal("no random bytes for a secret key");
    std::string text = Base64Encode(key) + "\n";
    std::filesystem::path tmp = path;
    tmp += ".tmp." + std::to_string(::getpid()) + "." + KeyId(key);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return IoError("cannot create the secret key file '" + path.string() + "': " + strerror(errno));
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    // link() never replaces: when another process made the key first, its
    // key is the one everybody uses.
    int linked = written ? ::link(tmp.c_str(), path.c_str()) : -1;
    int link_errno = errno;
    ::unlink(tmp.c_str());
    if (!written) return IoError("cannot write the secret key file '" + path.string() + "'");
    if (linked != 0 && link_errno != EEXIST)
      return IoError("cannot create the secret key file '" + path.string() + "': " + strerror(link_errno));
    if (::stat(path.c_str(), &st) != 0)
      return IoError("cannot read the secret key file '" + path.string() + "': " + strerror(errno));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return FailedPrecondition("the secret key file '" + path.string() + "' may be read by other users")
        .WithHint("chmod 600 '" + path.string() + "'");
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) return IoError("cannot read the secret key file '" + path.string() + "'");
  return DecodeKey(buffer.str(), "the secret key file '" + path.string() + "'");
}

std::string SecretCipher::KeySourceName() const {
  return source_.base64_key.empty() ? "the key file '" + source_.key_file.string() + "'" : "$FLOE_SECRET_KEY";
}

Result<std::string> SecretCipher::Key() const {
  std::lock_guard lock(mu_);
  if (key_) return *key_;
  if (!source_.base64_key.empty()) {
    ASSIGN_OR_RETURN(key_, DecodeKey(source_.base64_key, "$FLOE_SECRET_KEY"));
  } else if (!source_.key_file.empty()) {
    ASSIGN_OR_RETURN(key_, LoadOrCreateKeyFile(source_.key_file));
  } else {
    return FailedPrecondition("no key to encrypt SECRET inputs with")
        .WithHint("set FLOE_SECRET_KEY to a base64-encoded 32-byte key");
  }
  return *key_;
}

bool SecretCipher::IsSealed(std::string_view text) { return text.starts_with(kPrefix); }

Result<std::string> SecretCipher::Seal(std::string_view plaintext, std::string_view context) const {
  ASSIGN_OR_RETURN(std::string key, Key());
  std::string nonce(kNonceSize, '\0');
  if (RAND_bytes(Bytes(nonce), static_cast<int>(nonce.size())) != 1) return Internal("no random bytes for a nonce");
  std::string cipher(plaintext.size(), '\0');
  std::string tag(kTagSize, '\0');
  CipherCtx c;
  int len = 0;
  bool ok = c.ctx && EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce)) == 1 &&
            EVP_EncryptUpdate(c.ctx, nullptr, &len, Bytes(context), static_cast<int>(context.size())) == 1 &&
            EVP_EncryptUpdate(c.ctx, Bytes(cipher), &len, Bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(c.ctx, Bytes(cipher) + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), Bytes(tag)) == 1;
  if (!ok) return Internal("cannot encrypt a secret value (OpenSSL AES-256-GCM failed)");
  return std::string(kPrefix) + KeyId(key) + ":" + Base64Encode(nonce + cipher + tag);
}

Result<std::string> SecretCipher::Open(std::string_view sealed, std::string_view context) const {
  if (!IsSealed(sealed)) return InvalidArgument("not an encrypted secret value");
  std::string_view rest = sealed.substr(kPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return InvalidArgument("malformed encrypted secret value");
  std::string_view key_id = rest.substr(0, colon);
  auto blob = Base64Decode(rest.substr(colon + 1));
  if (!blob.ok() || blob->size() < kNonceSize + kTagSize) return InvalidArgument("malformed encrypted secret value");
  ASSIGN_OR_RETURN(std::string key, Key());
  if (KeyId(key) != key_id)
    return FailedPrecondition("the secret value was encrypted with another key (id " + std::string(key_id) + ") than " +
                              KeySourceName() + " (id " + KeyId(key) + ")")
        .WithHint("use the key the execution was created with (FLOE_SECRET_KEY or <home>/secret.key)");
  std::string_view nonce = std::string_view(*blob).substr(0, kNonceSize);
  std::string_view cipher = std::string_view(*blob).substr(kNonceSize, blob->size() - kNonceSize - kTagSize);
  std::string tag = blob->substr(blob->size() - kTagSize);
  std::string plain(cipher.size(), '\0');
  CipherCtx c;
  int len = 0;
  bool ok = c.ctx && EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce)) == 1 &&
            EVP_DecryptUpdate(c.ctx, nullptr, &len, Bytes(context), static_cast<int>(context.size())) == 1 &&
            EVP_DecryptUpdate(c.ctx, Bytes(plain), &len, Bytes(cipher), static_cast<int>(cipher.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), Bytes(tag)) == 1 &&
            EVP_DecryptFinal_ex(c.ctx, Bytes(plain) + len, &len) == 1;
  if (!ok) return FailedPrecondition("an encrypted secret value does not authenticate (altered, or moved)");
  return plain;
}

}  // namespace floe::exec
