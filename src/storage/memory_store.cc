#include "storage/memory_store.h"

#include "core/time.h"
#include "storage/digest.h"

namespace floe::storage {
namespace {

class MemoryMultipartUpload : public MultipartUpload {
 public:
  MemoryMultipartUpload(MemoryStore& store, std::string key, PutOptions options)
      : store_(store), key_(std::move(key)), options_(std::move(options)) {}

  Status UploadPart(int part_number, std::string_view data) override {
    if (part_number < 1 || part_number > 10000)
      return InvalidArgument("part number " + std::to_string(part_number) + " is outside 1..10000");
    std::lock_guard lock(mu_);
    parts_[part_number] = std::string(data);
    return Status::Ok();
  }
  Status Complete() override {
    std::string joined;
    {
      std::lock_guard lock(mu_);
      for (const auto& [n, data] : parts_) joined += data;
      parts_.clear();
    }
    return store_.Put(key_, joined, options_);
  }
  Status Abort() override {
    std::lock_guard lock(mu_);
    parts_.clear();
    return Status::Ok();
  }

 private:
  MemoryStore& store_;
  std::string key_;
  PutOptions options_;
  std::mutex mu_;
  std::map<int, std::string> parts_;
};

}  // namespace

std::string MemoryStore::Uri(std::string_view key) const { return "memory://" + name_ + "/" + std::string(key); }

Result<ObjectInfo> MemoryStore::Head(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound("no object " + Uri(key));
  return it->second.info;
}

Result<std::string> MemoryStore::Get(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound("no object " + Uri(key));
  return it->second.data;
}

Result<std::string> MemoryStore::GetRange(std::string_view key, int64_t offset, int64_t length) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound("no object " + Uri(key));
  const std::string& data = it->second.data;
  if (offset < 0 || length < 0) return InvalidArgument("a negative byte range of " + Uri(key));
  if (offset > static_cast<int64_t>(data.size()))
    return InvalidArgument("byte " + std::to_string(offset) + " is past the end of " + Uri(key));
  return data.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
}

Status MemoryStore::GetToFile(std::string_view key, const std::filesystem::path& file) {
  ASSIGN_OR_RETURN(std::string data, Get(key));
  return WriteFileWhole(file, data);
}

Status MemoryStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  RETURN_IF_ERROR(CheckObjectKey(key));
  Object o{.data = std::string(data),
           .info = {.key = std::string(key),
                    .size = static_cast<int64_t>(data.size()),
                    .etag = Md5Hex(data),
                    .last_modified = FormatTimestamp(SystemClock().Now()),
                    .content_type = options.content_type.empty() ? "application/octet-stream" : options.content_type,
                    .metadata = options.metadata}};
  std::lock_guard lock(mu_);
  objects_[std::string(key)] = std::move(o);
  return Status::Ok();
}

Status MemoryStore::PutFile(std::string_view key, const std::filesystem::path& file, const PutOptions& options) {
  ASSIGN_OR_RETURN(std::string data, ReadFileWhole(file));
  return Put(key, data, options);
}

Result<std::unique_ptr<MultipartUpload>> MemoryStore::StartMultipart(std::string_view key, const PutOptions& options) {
  RETURN_IF_ERROR(CheckObjectKey(key));
  return std::unique_ptr<MultipartUpload>(std::make_unique<MemoryMultipartUpload>(*this, std::string(key), options));
}

Result<ListPage> MemoryStore::List(std::string_view prefix, std::string_view delimiter,
                                   std::string_view continuation_token, int max_keys) {
  std::vector<std::string> keys;
  std::map<std::string, ObjectInfo> infos;
  {
    std::lock_guard lock(mu_);
    for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.starts_with(prefix); ++it) {
      keys.push_back(it->first);
      infos[it->first] = it->second.info;
    }
  }
  return PageOfKeys(keys, prefix, delimiter, continuation_token, max_keys,
                    [&](const std::string& key) -> Result<ObjectInfo> { return infos[key]; });
}

Status MemoryStore::Delete(std::string_view key) {
  std::lock_guard lock(mu_);
  if (auto it = objects_.find(key); it != objects_.end()) objects_.erase(it);
  return Status::Ok();
}

Status MemoryStore::DeleteMany(const std::vector<std::string>& keys) {
  for (const auto& key : keys) RETURN_IF_ERROR(Delete(key));
  return Status::Ok();
}

Status MemoryStore::Copy(std::string_view from_key, std::string_view to_key) {
  Object copy;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(from_key);
    if (it == objects_.end()) return NotFound("no object " + Uri(from_key));
    copy = it->second;
  }
  copy.info.key = std::string(to_key);
  std::lock_guard lock(mu_);
  objects_[std::string(to_key)] = std::move(copy);
  return Status::Ok();
}

}  // namespace floe::storage
