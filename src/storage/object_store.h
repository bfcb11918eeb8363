// ObjectStore: one interface over the places floe keeps files — a local
// folder, an S3 bucket, memory (tests) — so internal storage, tasks and (later)
// Iceberg tables read and write them the same way. Keys are '/'-separated
// names relative to the store's root, as in S3.
//
//   ASSIGN_OR_RETURN(ObjectLocation at, stores.Open("s3://lake/raw/orders.csv"));
//   RETURN_IF_ERROR(at.store->PutFile(at.key, "orders.csv"));
//   ASSIGN_OR_RETURN(std::string head, at.store->GetRange(at.key, 0, 100));
//
// Implementations are thread-safe. A Get returns the whole object or an
// error: never fewer bytes than the object holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace floe::storage {

struct ObjectInfo {
  std::string key;
  int64_t size = 0;
  std::string etag;  // without quotes; for S3 single-part uploads the MD5 of the bytes
  std::string last_modified;
  std::string content_type;
  std::map<std::string, std::string> metadata;  // user metadata, names lower-case
};

struct ListPage {
  std::vector<ObjectInfo> objects;           // sorted by key
  std::vector<std::string> common_prefixes;  // with a delimiter: the "folders" rolled up
  std::string next_token;                    // empty on the last page
};

struct PutOptions {
  std::string content_type;
  std::map<std::string, std::string> metadata;
};

// An upload in parts (S3: parts of at least 5 MiB but the last, at most
// 10,000). Parts may be uploaded concurrently and in any order; nothing is
// visible under the key before Complete. Destroying an upload that was not
// completed aborts it.
class MultipartUpload {
 public:
  virtual ~MultipartUpload() = default;
  virtual Status UploadPart(int part_number, std::string_view data) = 0;  // part numbers from 1
  virtual Status Complete() = 0;
  virtual Status Abort() = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The URI naming `key` in this store ("s3://lake/a/b", "file:///data/a/b").
  virtual std::string Uri(std::string_view key) const = 0;

  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  virtual Result<std::string> Get(std::string_view key) = 0;
  // `length` bytes from `offset`, fewer only at the end of the object.
  virtual Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) = 0;
  // Streams the object into `file`, which appears complete or not at all.
  virtual Status GetToFile(std::string_view key, const std::filesystem::path& file) = 0;
  virtual Status Put(std::string_view key, std::string_view data, const PutOptions& options = {}) = 0;
  // Streams a local file in (in parts when large).
  virtual Status PutFile(std::string_view key, const std::filesystem::path& file, const PutOptions& options = {}) = 0;
  virtual Result<std::unique_ptr<MultipartUpload>> StartMultipart(std::string_view key,
                                                                  const PutOptions& options = {}) = 0;
  // One page of keys starting with `prefix`, in key order. With a delimiter,
  // keys that have it after the prefix are rolled up into common_prefixes.
  virtual Result<ListPage> List(std::string_view prefix, std::string_view delimiter = "",
                                std::string_view continuation_token = "", int max_keys = 1000) = 0;
  // Deleting a key that does not exist succeeds, as in S3.
  virtual Status Delete(std::string_view key) = 0;
  virtual Status DeleteMany(const std::vector<std::string>& keys) = 0;
  virtual Status Copy(std::string_view from_key, std::string_view to_key) = 0;
};

// Every object under `prefix`, following continuation tokens.
Result<std::vector<ObjectInfo>> ListAll(ObjectStore& store, std::string_view prefix);
// The objects of every page `next_page(token)` yields, from the empty token
// on; `what` names the listing in errors (a token repeated is one, not a loop).
Result<std::vector<ObjectInfo>> CollectPages(const std::function<Result<ListPage>(const std::string&)>& next_page,
                                             std::string_view what);

// For stores that list by walking their keys: one page of `sorted_keys`
// (ascending, any prefix) the way S3 pages them, with opaque continuation
// tokens; `info` describes an object on the page.
Result<ListPage> PageOfKeys(const std::vector<std::string>& sorted_keys, std::string_view prefix,
                            std::string_view delimiter, std::string_view continuation_token, int max_keys,
                            const std::function<Result<ObjectInfo>(const std::string&)>& info);

// For stores that hold bytes in memory. WriteFileWhole writes through a
// temporary name, so the file appears whole or not at all.
Status WriteFileWhole(const std::filesystem::path& file, std::string_view data);
Result<std::string> ReadFileWhole(const std::filesystem::path& file);

// Checks a key the way every store does: not empty, no NUL, at most 1,024 bytes.
Status CheckObjectKey(std::string_view key);

// A URI split into its parts: "s3://bucket/key", "file:///abs/path", or a
// plain path (relative ones are made absolute).
struct ObjectUri {
  enum class Scheme { kFile, kS3 };
  Scheme scheme = Scheme::kFile;
  std::string bucket;  // S3 only
  std::string key;     // S3: the object key; file: the absolute path without its leading '/'
};
Result<ObjectUri> ParseObjectUri(std::string_view uri);

}  // namespace floe::storage
