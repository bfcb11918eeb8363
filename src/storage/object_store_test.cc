#include "storage/object_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "core/id.h"
#include "storage/fault_injecting_store.h"
#include "storage/internal_storage.h"
#include "storage/local_store.h"
#include "storage/memory_store.h"
#include "storage/object_stores.h"
#include "tests/support/object_store_contract.h"

namespace floe::storage {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("floe_store_" + NewId())) { fs::create_directories(path_); }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(ObjectStoreTest, LocalStoreKeepsTheContract) {
  TempDir dir;
  LocalStore store(dir.path());
  testing::CheckObjectStoreContract(store, "p/");
  // Nothing temporary is left behind, and deleting emptied the folders.
  std::vector<std::string> left;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) left.push_back(e.path().string());
  for (const auto& path : left) EXPECT_THAT(path, ::testing::Not(HasSubstr(kLocalTempPrefix)));
}

TEST(ObjectStoreTest, MemoryStoreKeepsTheContract) {
  MemoryStore store;
  testing::CheckObjectStoreContract(store, "p/");
}

TEST(ObjectStoreTest, FaultFreeWrapperKeepsTheContract) {
  MemoryStore inner;
  FaultInjectingStore store(inner, {});
  testing::CheckObjectStoreContract(store, "");
}

TEST(ObjectStoreTest, LocalStoreRefusesKeysThatCannotBeFiles) {
  TempDir dir;
  LocalStore store(dir.path());
  for (const std::string& key :
       std::vector<std::string>{"../escape", "a/../../b", "a//b", "/abs", "./a", std::string(kLocalTempPrefix) + "x"}) {
    Status s = store.Put(key, "x", {});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << key;
    EXPECT_THAT(s.message(), HasSubstr(key));
  }
  EXPECT_FALSE(fs::exists(dir.path().parent_path() / "escape"));
  EXPECT_EQ(store.Put("", "x", {}).code(), StatusCode::kInvalidArgument);
}

// A server that keeps answering with the same continuation token would
// loop a listing forever: it is an error instead.
TEST(ObjectStoreTest, ARepeatedContinuationTokenIsAnError) {
  int calls = 0;
  auto listed = CollectPages(
      [&](const std::string&) -> Result<ListPage> {
        ++calls;
        return ListPage{.objects = {{.key = "k"}}, .next_token = "again"};
      },
      "s3://lake/p");
  EXPECT_EQ(listed.status().code(), StatusCode::kIoError);
  EXPECT_THAT(listed.status().message(), HasSubstr("listing s3://lake/p: the same continuation token came back twice"));
  EXPECT_EQ(calls, 2);
}

TEST(ObjectStoreTest, ParsesUris) {
  auto s3 = ParseObjectUri("s3://lake/raw/a b.csv");
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->scheme, ObjectUri::Scheme::kS3);
  EXPECT_EQ(s3->bucket, "lake");
  EXPECT_EQ(s3->key, "raw/a b.csv");
  EXPECT_EQ(ParseObjectUri("s3://lake")->key, "");
  auto file = ParseObjectUri("file:///data/x.parquet");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->scheme, ObjectUri::Scheme::kFile);
  EXPECT_EQ(file->key, "data/x.parquet");
  auto relative = ParseObjectUri("some/file.csv");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ("/" + relative->key, (fs::current_path() / "some/file.csv").generic_string());
  for (const char* bad : {"s3://", "s3:///key", "file://relative", "gs://bucket/key", ""}) {
    auto r = ParseObjectUri(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseObjectUri("gs://b/k").status().message(), HasSubstr("unknown scheme 'gs://'"));
}

TEST(ObjectStoreTest, OpensLocalFilesByUri) {
  TempDir dir;
  ObjectStores stores;
  auto at = stores.Open((dir.path() / "a.txt").string());
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  ASSERT_TRUE(at->store->Put(at->key, "hello", {}).ok());
  EXPECT_EQ(testing::ReadFileBytes(dir.path() / "a.txt"), "hello");
  auto again = stores.Open("file://" + (dir.path() / "a.txt").string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->store->Get(again->key), "hello");
  EXPECT_EQ(again->store->Uri(again->key), "file://" + (dir.path() / "a.txt").string());
}

// Internal storage over a store that fails, loses answers, cuts and damages
// bytes: each transfer gives back exactly what was stored, or an error that
// says what happened — never damaged data.
TEST(ObjectStoreTest, InternalStorageNeverReturnsDamagedData) {
  TempDir dir;
  MemoryStore inner;
  auto faulty = std::make_shared<FaultInjectingStore>(inner, FaultPlan{.seed = 42,
                                                                       .fail_before = 0.15,
                                                                       .fail_after = 0.1,
                                                                       .short_read = 0.15,
                                                                       .corrupt_read = 0.15,
                                                                       .short_write = 0.15});
  InternalStorage storage(faulty, "exec");
  int stored = 0, read_back = 0, failures = 0;
  for (int i = 0; i < 300; ++i) {
    std::string data = testing::RandomBytes(1 + i * 37 % 5000, i);
    fs::path local = dir.path() / ("in" + std::to_string(i));
    std::ofstream(local, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
    auto uri = storage.Put(local, "f/" + std::to_string(i));
    if (!uri.ok()) {
      ++failures;
      EXPECT_THAT(uri.status().message(), HasSubstr("after 3 attempts"));
      continue;
    }
    ++stored;
    // What the store holds is exactly what was put.
    EXPECT_TRUE(*inner.Get("exec/f/" + std::to_string(i)) == data) << i;
    fs::path out = dir.path() / ("out" + std::to_string(i));
    Status fetched = storage.Fetch(*uri, out);
    auto read = storage.Read(*uri);
    if (fetched.ok()) {
      ++read_back;
      EXPECT_TRUE(testing::ReadFileBytes(out) == data) << i;
    } else {
      ++failures;
      EXPECT_THAT(fetched.message(), HasSubstr("after 3 attempts"));
      EXPECT_FALSE(fs::exists(out));
    }
    if (read.ok()) {
      EXPECT_TRUE(*read == data) << i;
    } else {
      ++failures;
      EXPECT_THAT(read.status().message(), HasSubstr(*uri));
    }
  }
  FaultInjectingStore::Counts c = faulty->counts();
  std::printf(
      "faults: %d before, %d after, %d short reads, %d corrupt reads, %d short writes; "
      "%d stored, %d read back, %d clear failures\n",
      c.failed_before, c.failed_after, c.short_reads, c.corrupt_reads, c.short_writes, stored, read_back, failures);
  // Every kind of fault happened, often; most transfers still got through.
  EXPECT_GT(c.failed_before, 50);
  EXPECT_GT(c.failed_after, 20);
  EXPECT_GT(c.short_reads, 50);
  EXPECT_GT(c.corrupt_reads, 30);
  EXPECT_GT(c.short_writes, 30);
  EXPECT_GT(stored, 250);
  EXPECT_GT(read_back, 200);
  EXPECT_GT(failures, 0);
}

TEST(ObjectStoreTest, InternalStorageOnALocalFolder) {
  TempDir dir;
  ObjectStores stores;
  auto storage = InternalStorage::Open((dir.path() / "storage").string(), stores);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  fs::path src = dir.path() / "src.txt";
  std::ofstream(src) << "hello";
  auto uri = (*storage)->Put(src, "ns/flow/executions/e1/out.txt");
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(*uri, "floe:///ns/flow/executions/e1/out.txt");
  EXPECT_EQ(*(*storage)->Read(*uri), "hello");
  // Read in place: no copy of a local store's file.
  auto path = (*storage)->Materialize(*uri, dir.path() / "downloads");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, dir.path() / "storage/ns/flow/executions/e1/out.txt");
  // MoveIn consumes the file.
  auto moved = (*storage)->MoveIn(src, "ns/moved.txt");
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(fs::exists(src));
  EXPECT_EQ(*(*storage)->Read(*moved), "hello");

  for (const char* bad : {"floe:///a/../../etc/passwd", "floe:///a//b", "s3://a/b"})
    EXPECT_EQ((*storage)->Read(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  EXPECT_EQ((*storage)->Read("floe:///a/b").status().code(), StatusCode::kNotFound);
  EXPECT_THAT((*storage)->Read("floe:///a/b").status().message(), HasSubstr("floe:///a/b"));
  EXPECT_FALSE((*storage)->Put(src, "../up").ok());
}

TEST(ObjectStoreTest, InternalStorageDownloadsFromARemoteStore) {
  TempDir dir;
  auto store = std::make_shared<MemoryStore>();
  InternalStorage storage(store, "prefix/");
  ASSERT_TRUE(store->Put("prefix/a/b/data.csv", "x,y\n1,2\n", {}).ok());
  auto path = storage.Materialize("floe:///a/b/data.csv", dir.path());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(path->extension(), ".csv");
  EXPECT_EQ(testing::ReadFileBytes(*path), "x,y\n1,2\n");
  EXPECT_EQ(storage.Location(), "memory://memory/prefix/");
}

}  // namespace
}  // namespace floe::storage
