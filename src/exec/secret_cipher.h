// SecretCipher: seals SECRET input values before the store keeps them
// (AES-256-GCM, OpenSSL) and opens them when an execution runs again
// (resume, restart, replay, recovery).
//
//   SecretCipher cipher({.key_file = home / "secret.key"});
//   ASSIGN_OR_RETURN(std::string sealed, cipher.Seal("s3cr3t", "input:token"));
//   // sealed == "floe-secret:v1:<key id>:<base64 of nonce, ciphertext, tag>"
//   ASSIGN_OR_RETURN(std::string plain, cipher.Open(sealed, "input:token"));
//
// The key is a 32-byte value, given base64-encoded ($FLOE_SECRET_KEY) or
// read from a key file, which is created (random, mode 0600, atomically: a
// concurrent creator's key wins and both use it) the first time a value is
// sealed. The key is loaded on first use, so a home whose flows have no
// SECRET input never gets a key file. `context` is authenticated with the
// value (a sealed value moved to another input does not open). Thread-safe.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace floe::exec {

class SecretCipher {
 public:
  struct KeySource {
    std::string base64_key;          // when set, the key (32 bytes, base64); the file is not used
    std::filesystem::path key_file;  // else this file (base64 text), created when absent
  };

  explicit SecretCipher(KeySource source) : source_(std::move(source)) {}

  // "floe-secret:v1:<key id>:<base64>": a fresh random nonce each call.
  Result<std::string> Seal(std::string_view plaintext, std::string_view context) const;
  // The value Seal was given. InvalidArgument when `sealed` is not a sealed
  // value, FailedPrecondition (naming the key's source) when it was sealed
  // with another key or does not authenticate.
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

  // Whether `text` has the form Seal produces (to mask it when shown).
  static bool IsSealed(std::string_view text);

 private:
  Result<std::string> Key() const;  // 32 bytes, loaded (or created) once
  std::string KeySourceName() const;

  KeySource source_;
  mutable std::mutex mu_;
  mutable std::optional<std::string> key_;  // guarded by mu_
};

// Reads the base64 key in `path`, or creates the file with a new random key
// (mode 0600; written to a temporary file and linked into place, so no reader
// sees half a key and a concurrent creator's key wins). Refuses a key file
// that group or others may read. Exposed for tests.
Result<std::string> LoadOrCreateKeyFile(const std::filesystem::path& path);

}  // namespace floe::exec
