// What every ObjectStore must do, checked the same way for each
// implementation: the unit tests run it on the local, in-memory and
// fault-free wrapped stores, the S3 integration test on moto (or s3rver).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/id.h"
#include "storage/object_store.h"

namespace floe::testing {

inline std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

inline std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs every check on `store`; keys are put under `prefix` (unique per run).
// `big` is a size worth a multipart upload for this store. `checks_abort`
// false leaves out whether aborting a multipart upload succeeds, for a test
// server that lacks AbortMultipartUpload (s3rver); the caller says so.
inline void CheckObjectStoreContract(storage::ObjectStore& store, const std::string& prefix, size_t big = 6 << 20,
                                     bool checks_abort = true) {
  using storage::ListPage;
  auto tmp = std::filesystem::temp_directory_path() / ("floe_contract_" + NewId());
  std::filesystem::create_directories(tmp);

  // Put/Get/Head/GetRange, byte-identical, including empty objects.
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}}) {
    SCOPED_TRACE(size);
    std::string key = prefix + "sizes/" + std::to_string(size);
    std::string data = RandomBytes(size, size + 7);
    ASSERT_TRUE(store.Put(key, data, {}).ok());
    auto back = store.Get(key);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, data);
    auto info = store.Head(key);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->size, static_cast<int64_t>(size));
    EXPECT_EQ(info->key, key);
  }
  {
    std::string key = prefix + "range";
    std::string data = RandomBytes(5000, 3);
    ASSERT_TRUE(store.Put(key, data, {}).ok());
    auto middle = store.GetRange(key, 100, 200);
    ASSERT_TRUE(middle.ok()) << middle.status().ToString();
    EXPECT_EQ(*middle, data.substr(100, 200));
    auto tail = store.GetRange(key, 4900, 500);  // past the end: what there is
    ASSERT_TRUE(tail.ok()) << tail.status().ToString();
    EXPECT_EQ(*tail, data.substr(4900));
  }

  // Files in and out, streamed; a big one in parts.
  {
    std::string data = RandomBytes(big, 11);
    auto in = tmp / "in.bin";
    std::ofstream(in, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
    ASSERT_TRUE(store.PutFile(prefix + "files/big.bin", in, {}).ok());
    auto out = tmp / "out.bin";
    Status got = store.GetToFile(prefix + "files/big.bin", out);
    ASSERT_TRUE(got.ok()) << got.ToString();
    EXPECT_TRUE(ReadFileBytes(out) == data);
    EXPECT_FALSE(std::filesystem::exists(tmp / "out.bin.part"));
  }
  {
    auto upload = store.StartMultipart(prefix + "multi", {});
    ASSERT_TRUE(upload.ok()) << upload.status().ToString();
    std::string a = RandomBytes(5 << 20, 1), b = RandomBytes(1234, 2);
    // Parts may arrive in any order and at once.
    std::thread second([&] { EXPECT_TRUE((*upload)->UploadPart(2, b).ok()); });
    EXPECT_TRUE((*upload)->UploadPart(1, a).ok());
    second.join();
    EXPECT_EQ(store.Head(prefix + "multi").status().code(), StatusCode::kNotFound);  // not before Complete
    Status done = (*upload)->Complete();
    ASSERT_TRUE(done.ok()) << done.ToString();
    auto back = store.Get(prefix + "multi");
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(*back == a + b);
  }
  {
    auto upload = store.StartMultipart(prefix + "aborted", {});
    ASSERT_TRUE(upload.ok());
    EXPECT_TRUE((*upload)->UploadPart(1, "x").ok());
    Status aborted = (*upload)->Abort();
    if (checks_abort) {
      EXPECT_TRUE(aborted.ok()) << aborted.ToString();
    }
    EXPECT_EQ(store.Head(prefix + "aborted").status().code(), StatusCode::kNotFound);
  }

  // Listing: order, delimiter roll-up, pagination without loss or repeats.
  std::set<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    std::string key = prefix + "list/" + (i % 5 == 0 ? "dir" + std::to_string(i) + "/x" : "k" + std::to_string(i));
    ASSERT_TRUE(store.Put(key, "v", {}).ok());
    expected.insert(key);
  }
  std::set<std::string> seen;
  std::string token, previous;
  int pages = 0;
  do {
    auto page = store.List(prefix + "list/", "", token, 7);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& o : page->objects) {
      EXPECT_GT(o.key, previous) << "keys come in order";
      previous = o.key;
      EXPECT_TRUE(seen.insert(o.key).second) << o.key << " listed twice";
    }
    token = page->next_token;
    ++pages;
  } while (!token.empty() && pages < 20);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 4);
  {
    std::set<std::string> objects, prefixes;
    std::string t;
    do {
      auto page = store.List(prefix + "list/", "/", t, 3);
      ASSERT_TRUE(page.ok());
      for (const auto& o : page->objects) EXPECT_TRUE(objects.insert(o.key).second);
      for (const auto& p : page->common_prefixes) EXPECT_TRUE(prefixes.insert(p).second) << p << " twice";
      t = page->next_token;
    } while (!t.empty());
    EXPECT_EQ(objects.size(), 20u);
    EXPECT_EQ(prefixes.size(), 5u);
    EXPECT_TRUE(prefixes.count(prefix + "list/dir0/"));
  }
  auto all = storage::ListAll(store, prefix + "list/");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 25u);
  auto none = store.List(prefix + "nothing-here/", "", "", 1000);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->objects.empty());

  // Copy, delete (one and many; a missing key is fine), missing keys.
  ASSERT_TRUE(store.Copy(prefix + "range", prefix + "copied").ok());
  EXPECT_EQ(*store.Get(prefix + "copied"), *store.Get(prefix + "range"));
  EXPECT_TRUE(store.Delete(prefix + "copied").ok());
  EXPECT_TRUE(store.Delete(prefix + "copied").ok());
  EXPECT_EQ(store.Get(prefix + "copied").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Head(prefix + "never").status().code(), StatusCode::kNotFound);
  Status missing = store.GetToFile(prefix + "never", tmp / "never");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("never"), std::string::npos) << missing.ToString();
  EXPECT_FALSE(std::filesystem::exists(tmp / "never"));
  std::vector<std::string> listed(expected.begin(), expected.end());
  ASSERT_TRUE(store.DeleteMany(listed).ok());
  auto after = storage::ListAll(store, prefix + "list/");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  std::filesystem::remove_all(tmp);
}

}  // namespace floe::testing
