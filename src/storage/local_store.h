// LocalStore: an ObjectStore over a folder. Keys are paths under the root;
// writes go to a temporary name and are renamed into place, so a reader sees
// a whole object or none. Keys whose parts are empty, "." or ".." (legal in
// S3) cannot be files and are refused. Only bytes are kept: content types
// and user metadata are not.
#pragma once

#include <atomic>

#include "storage/object_store.h"

namespace floe::storage {

class LocalStore : public ObjectStore {
 public:
  explicit LocalStore(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  // The file behind `key` (which need not exist yet).
  Result<std::filesystem::path> PathOf(std::string_view key) const;

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

  // Moves `file` in under `key` (a rename when on the same file system).
  Status MoveFileIn(std::string_view key, const std::filesystem::path& file);

 private:
  // A fresh temporary path beside `target`, hidden from List.
  std::filesystem::path TempBeside(const std::filesystem::path& target);

  std::filesystem::path root_;
  std::atomic<uint64_t> counter_{0};
};

// Temporary files and folders of a LocalStore start with this; List skips them.
inline constexpr std::string_view kLocalTempPrefix = ".floe-tmp-";

}  // namespace floe::storage
