#include "exec/secret_cipher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <vector>

#include "core/strings.h"

namespace floe::exec {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("floe_cipher_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  return dir;
}

std::string KeyOf(char c) { return Base64Encode(std::string(32, c)); }

TEST(SecretCipherTest, SealsAndOpensWithoutTheValueInClear) {
  SecretCipher cipher({.base64_key = KeyOf('k')});
  auto sealed = cipher.Seal("hunter2-is-secret", "input:token");
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_TRUE(SecretCipher::IsSealed(*sealed));
  EXPECT_THAT(*sealed, Not(HasSubstr("hunter2")));
  auto again = cipher.Seal("hunter2-is-secret", "input:token");
  EXPECT_NE(*sealed, *again);  // a fresh nonce each time
  auto opened = cipher.Open(*sealed, "input:token");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "hunter2-is-secret");
  EXPECT_EQ(*cipher.Open(*cipher.Seal("", "c"), "c"), "");
}

TEST(SecretCipherTest, RefusesAnotherContextAnotherKeyAndAlteredValues) {
  SecretCipher cipher({.base64_key = KeyOf('k')});
  std::string sealed = *cipher.Seal("value", "input:a");
  EXPECT_THAT(cipher.Open(sealed, "input:b").status().message(), HasSubstr("does not authenticate"));
  SecretCipher other({.base64_key = KeyOf('o')});
  EXPECT_THAT(other.Open(sealed, "input:a").status().message(), HasSubstr("encrypted with another key"));
  std::string altered = sealed;
  altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(cipher.Open(altered, "input:a").ok());
  EXPECT_FALSE(cipher.Open("plain text", "input:a").ok());
  EXPECT_FALSE(SecretCipher::IsSealed("plain text"));
}

TEST(SecretCipherTest, RejectsAKeyOfTheWrongSize) {
  SecretCipher cipher({.base64_key = Base64Encode("short")});
  auto sealed = cipher.Seal("x", "c");
  ASSERT_FALSE(sealed.ok());
  EXPECT_THAT(sealed.status().message(), HasSubstr("$FLOE_SECRET_KEY must hold a 32-byte key"));
}

TEST(SecretCipherTest, CreatesTheKeyFileOnFirstUseWithMode0600) {
  fs::path dir = TempDir("create");
  fs::path file = dir / "secret.key";
  SecretCipher cipher({.key_file = file});
  EXPECT_FALSE(fs::exists(file));  // nothing sealed yet: no key file
  std::string sealed = *cipher.Seal("value", "c");
  ASSERT_TRUE(fs::exists(file));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Another process (another cipher) reads the same key.
  SecretCipher later({.key_file = file});
  EXPECT_EQ(*later.Open(sealed, "c"), "value");
  // No temporary file left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1);
  fs::remove_all(dir);
}

TEST(SecretCipherTest, ConcurrentCreatorsAgreeOnOneKey) {
  fs::path dir = TempDir("race");
  fs::path file = dir / "secret.key";
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < keys.size(); ++i)
    threads.emplace_back([&, i] {
      auto key = LoadOrCreateKeyFile(file);
      keys[i] = key.ok() ? *key : "";
    });
  for (auto& t : threads) t.join();
  for (const auto& k : keys) {
    EXPECT_EQ(k.size(), 32u);
    EXPECT_EQ(k, keys[0]);
  }
  fs::remove_all(dir);
}

TEST(SecretCipherTest, RefusesAKeyFileOthersMayRead) {
  fs::path dir = TempDir("mode");
  fs::create_directories(dir);
  fs::path file = dir / "secret.key";
  std::ofstream(file) << KeyOf('k') << "\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  auto key = LoadOrCreateKeyFile(file);
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.status().ToString(), HasSubstr("may be read by other users"));
  EXPECT_THAT(key.status().ToString(), HasSubstr("chmod 600"));
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(LoadOrCreateKeyFile(file).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace floe::exec
