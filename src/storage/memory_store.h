// MemoryStore: an ObjectStore in memory, for tests and for wrapping with
// FaultInjectingStore. Behaves as S3 does (any key, metadata kept, ETag the
// MD5 of the bytes, parts joined only on Complete).
#pragma once

#include <map>
#include <mutex>

#include "storage/object_store.h"

namespace floe::storage {

class MemoryStore : public ObjectStore {
 public:
  explicit MemoryStore(std::string name = "memory") : name_(std::move(name)) {}

  std::string Uri(std::string_view key) const override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Status GetToFile(std::string_view key, const std::filesystem::path& file) override;
  Status Put(std::string_view key, std::string_view data, const PutOptions& options) override;
  Status PutFile(std::string_view key, const std::filesystem::path& file, const PutOptions& options) override;
  Result<std::unique_ptr<MultipartUpload>> StartMultipart(std::string_view key, const PutOptions& options) override;
  Result<ListPage> List(std::string_view prefix, std::string_view delimiter, std::string_view continuation_token,
                        int max_keys) override;
  Status Delete(std::string_view key) override;
  Status DeleteMany(const std::vector<std::string>& keys) override;
  Status Copy(std::string_view from_key, std::string_view to_key) override;

 private:
  struct Object {
    std::string data;
    ObjectInfo info;
  };

  std::string name_;
  std::mutex mu_;
  std::map<std::string, Object, std::less<>> objects_;
};

}  // namespace floe::storage
