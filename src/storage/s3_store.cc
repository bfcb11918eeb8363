#include "storage/s3_store.h"

#include <algorithm>
#include <mutex>

namespace floe::storage {
namespace {

class S3MultipartUpload : public MultipartUpload {
 public:
  S3MultipartUpload(std::shared_ptr<S3Client> client, std::string bucket, std::string key, std::string upload_id)
      : client_(std::move(client)), bucket_(std::move(bucket)), key_(std::move(key)), id_(std::move(upload_id)) {}
  ~S3MultipartUpload() override {
    if (!finished_) Abort().IgnoreError();  // best effort: an unfinished upload only costs storage
  }

  Status UploadPart(int part_number, std::string_view data) override {
    ASSIGN_OR_RETURN(std::string etag, client_->UploadPart(bucket_, key_, id_, part_number, data));
    std::lock_guard lock(mu_);
    parts_.emplace_back(part_number, std::move(etag));
    return Status::Ok();
  }
  Status Complete() override {
    std::vector<std::pair<int, std::string>> parts;
    {
      std::lock_guard lock(mu_);
      parts = parts_;
    }
    std::sort(parts.begin(), parts.end());
    Status s = client_->CompleteMultipartUpload(bucket_, key_, id_, parts);
    if (s.ok()) finished_ = true;
    return s;
  }
  Status Abort() override {
    finished_ = true;
    return client_->AbortMultipartUpload(bucket_, key_, id_);
  }

 private:
  std::shared_ptr<S3Client> client_;
  std::string bucket_, key_, id_;
  std::mutex mu_;
  std::vector<std::pair<int, std::string>> parts_;
  bool finished_ = false;
};

std::string Str(std::string_view s) { return std::string(s); }

}  // namespace

std::string S3Store::Uri(std::string_view key) const { return "s3://" + bucket_ + "/" + Str(key); }

Result<ObjectInfo> S3Store::Head(std::string_view key) { return client_->Head(bucket_, Str(key)); }

Result<std::string> S3Store::Get(std::string_view key) { return client_->Get(bucket_, Str(key)); }

Result<std::string> S3Store::GetRange(std::string_view key, int64_t offset, int64_t length) {
  return client_->GetRange(bucket_, Str(key), offset, length);
}

Status S3Store::GetToFile(std::string_view key, const std::filesystem::path& file) {
  return client_->GetToFile(bucket_, Str(key), file);
}

Status S3Store::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  return client_->Put(bucket_, Str(key), data, options);
}

Status S3Store::PutFile(std::string_view key, const std::filesystem::path& file, const PutOptions& options) {
  return client_->PutFile(bucket_, Str(key), file, options);
}

Result<std::unique_ptr<MultipartUpload>> S3Store::StartMultipart(std::string_view key, const PutOptions& options) {
  ASSIGN_OR_RETURN(std::string id, client_->CreateMultipartUpload(bucket_, Str(key), options));
  return std::unique_ptr<MultipartUpload>(std::make_unique<S3MultipartUpload>(client_, bucket_, Str(key), id));
}

Result<ListPage> S3Store::List(std::string_view prefix, std::string_view delimiter, std::string_view continuation_token,
                               int max_keys) {
  return client_->List(bucket_, Str(prefix), Str(delimiter), Str(continuation_token), max_keys);
}

Status S3Store::Delete(std::string_view key) { return client_->Delete(bucket_, Str(key)); }

Status S3Store::DeleteMany(const std::vector<std::string>& keys) { return client_->DeleteMany(bucket_, keys); }

Status S3Store::Copy(std::string_view from_key, std::string_view to_key) {
  return client_->Copy(bucket_, Str(from_key), bucket_, Str(to_key));
}

}  // namespace floe::storage
