#include "storage/fault_injecting_store.h"

namespace floe::storage {
namespace {

class FaultyMultipartUpload : public MultipartUpload {
 public:
  FaultyMultipartUpload(FaultInjectingStore& store, std::string key, std::unique_ptr<MultipartUpload> inner)
      : store_(store), key_(std::move(key)), inner_(std::move(inner)) {}
  Status UploadPart(int part_number, std::string_view data) override {
    RETURN_IF_ERROR(store_.MaybeFailBefore("upload part", key_));
    RETURN_IF_ERROR(inner_->UploadPart(part_number, data));
    return store_.MaybeFailAfter("upload part", key_);
  }
  Status Complete() override {
    RETURN_IF_ERROR(store_.MaybeFailBefore("complete upload", key_));
    RETURN_IF_ERROR(inner_->Complete());
    return store_.MaybeFailAfter("complete upload", key_);
  }
  Status Abort() override { return inner_->Abort(); }

 private:
  FaultInjectingStore& store_;
  std::string key_;
  std::unique_ptr<MultipartUpload> inner_;
};

}  // namespace

FaultInjectingStore::Counts FaultInjectingStore::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

bool FaultInjectingStore::Roll(double p) {
  if (p <= 0) return false;
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

Status FaultInjectingStore::MaybeFailBefore(std::string_view what, std::string_view key) {
  if (!Roll(plan_.fail_before)) return Status::Ok();
  std::lock_guard lock(mu_);
  ++counts_.failed_before;
  return Unavailable("injected fault: " + std::string(what) + " " + inner_.Uri(key) + " failed (503 SlowDown)");
}

Status FaultInjectingStore::MaybeFailAfter(std::string_view what, std::string_view key) {
  if (!Roll(plan_.fail_after)) return Status::Ok();
  std::lock_guard lock(mu_);
  ++counts_.failed_after;
  return Unavailable("injected fault: the answer to " + std::string(what) + " " + inner_.Uri(key) + " was lost");
}

std::string FaultInjectingStore::Damage(std::string data) {
  if (!data.empty() && Roll(plan_.short_read)) {
    std::lock_guard lock(mu_);
    ++counts_.short_reads;
    data.resize(data.size() / 2);
  } else if (!data.empty() && Roll(plan_.corrupt_read)) {
    std::lock_guard lock(mu_);
    ++counts_.corrupt_reads;
    data[rng_() % data.size()] ^= 0x20;
  }
  return data;
}

Result<ObjectInfo> FaultInjectingStore::Head(std::string_view key) {
  RETURN_IF_ERROR(MaybeFailBefore("head", key));
  return inner_.Head(key);
}

Result<std::string> FaultInjectingStore::Get(std::string_view key) {
  RETURN_IF_ERROR(MaybeFailBefore("get", key));
  ASSIGN_OR_RETURN(std::string data, inner_.Get(key));
  return Damage(std::move(data));
}

Result<std::string> FaultInjectingStore::GetRange(std::string_view key, int64_t offset, int64_t length) {
  RETURN_IF_ERROR(MaybeFailBefore("get range", key));
  ASSIGN_OR_RETURN(std::string data, inner_.GetRange(key, offset, length));
  return Damage(std::move(data));
}

Status FaultInjectingStore::GetToFile(std::string_view key, const std::filesystem::path& file) {
  ASSIGN_OR_RETURN(std::string data, Get(key));  // damaged, maybe: written whole all the same
  return WriteFileWhole(file, data);
}

Status FaultInjectingStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  RETURN_IF_ERROR(MaybeFailBefore("put", key));
  if (!data.empty() && Roll(plan_.short_write)) {
    {
      std::lock_guard lock(mu_);
      ++counts_.short_writes;
    }
    data = data.substr(0, data.size() / 2);
  }
  RETURN_IF_ERROR(inner_.Put(key, data, options));
  return MaybeFailAfter("put", key);
}

Status FaultInjectingStore::PutFile(std::string_view key, const std::filesystem::path& file,
                                    const PutOptions& options) {
  ASSIGN_OR_RETURN(std::string data, ReadFileWhole(file));
  return Put(key, data, options);
}

Result<std::unique_ptr<MultipartUpload>> FaultInjectingStore::StartMultipart(std::string_view key,
                                                                             const PutOptions& options) {
  RETURN_IF_ERROR(MaybeFailBefore("start upload", key));
  ASSIGN_OR_RETURN(std::unique_ptr<MultipartUpload> inner, inner_.StartMultipart(key, options));
  return std::unique_ptr<MultipartUpload>(
      std::make_unique<FaultyMultipartUpload>(*this, std::string(key), std::move(inner)));
}

Result<ListPage> FaultInjectingStore::List(std::string_view prefix, std::string_view delimiter,
                                           std::string_view continuation_token, int max_keys) {
  RETURN_IF_ERROR(MaybeFailBefore("list", prefix));
  return inner_.List(prefix, delimiter, continuation_token, max_keys);
}

Status FaultInjectingStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(MaybeFailBefore("delete", key));
  RETURN_IF_ERROR(inner_.Delete(key));
  return MaybeFailAfter("delete", key);
}

Status FaultInjectingStore::DeleteMany(const std::vector<std::string>& keys) {
  RETURN_IF_ERROR(MaybeFailBefore("delete many", keys.empty() ? "" : keys.front()));
  RETURN_IF_ERROR(inner_.DeleteMany(keys));
  return MaybeFailAfter("delete many", keys.empty() ? "" : keys.front());
}

Status FaultInjectingStore::Copy(std::string_view from_key, std::string_view to_key) {
  RETURN_IF_ERROR(MaybeFailBefore("copy", from_key));
  RETURN_IF_ERROR(inner_.Copy(from_key, to_key));
  return MaybeFailAfter("copy", to_key);
}

}  // namespace floe::storage
