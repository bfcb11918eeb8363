// S3Store: the ObjectStore of one bucket, over a shared S3Client.
#pragma once

#include <memory>

#include "storage/object_store.h"
#include "storage/s3_client.h"

namespace floe::storage {

class S3Store : public ObjectStore {
 public:
  S3Store(std::shared_ptr<S3Client> client, std::string bucket)
      : client_(std::move(client)), bucket_(std::move(bucket)) {}

  const std::string& bucket() const { return bucket_; }

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
  std::shared_ptr<S3Client> client_;
  std::string bucket_;
};

}  // namespace floe::storage
