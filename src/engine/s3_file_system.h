// s3:// paths inside DuckDB (see s3_file_system.cc). Internal to engine: it
// includes DuckDB's headers.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "duckdb.hpp"
#include "duckdb/common/virtual_file_system.hpp"

namespace floe::storage {
class S3Client;
}

namespace floe::engine {

class S3FileSystem final : public duckdb::FileSystem {
 public:
  S3FileSystem();
  ~S3FileSystem() override;

  duckdb::unique_ptr<duckdb::FileHandle> OpenFile(const std::string& path, duckdb::FileOpenFlags flags,
                                                  duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  void Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes, duckdb::idx_t location) override;
  int64_t Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override;
  void Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes, duckdb::idx_t location) override;
  int64_t Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override;
  int64_t GetFileSize(duckdb::FileHandle& handle) override;
  duckdb::timestamp_t GetLastModifiedTime(duckdb::FileHandle& handle) override;
  void FileSync(duckdb::FileHandle& handle) override;
  void Seek(duckdb::FileHandle& handle, duckdb::idx_t location) override;
  duckdb::idx_t SeekPosition(duckdb::FileHandle& handle) override;
  bool CanSeek() override { return true; }
  bool OnDiskFile(duckdb::FileHandle&) override { return false; }
  bool FileExists(const std::string& filename, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool DirectoryExists(const std::string& directory, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  void CreateDirectory(const std::string& directory, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  void RemoveFile(const std::string& filename, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool ListFiles(const std::string& directory, const std::function<void(const std::string&, bool)>& callback,
                 duckdb::FileOpener* opener) override;
  duckdb::vector<duckdb::OpenFileInfo> Glob(const std::string& path, duckdb::FileOpener* opener) override;
  bool CanHandleFile(const std::string& path) override;
  std::string GetName() const override;

  // The last 64 KiB of an object (a Parquet footer), cached per object.
  std::string Tail(const std::string& bucket, const std::string& key, int64_t size);

  // The client, made from the AWS CLI's settings on first use; throws
  // duckdb::IOException when they are incomplete.
  storage::S3Client& Client();

 private:
  std::mutex mu_;
  std::unique_ptr<storage::S3Client> client_;             // made on first use, from the AWS CLI's settings
  std::list<std::pair<std::string, std::string>> tails_;  // most recent first
};

// The file system of every database floe opens (DBConfig::file_system):
// DuckDB's own, plus s3:// through S3FileSystem, and globs that never return
// floe's staging of unfinished writes (a path component named ".floe-...",
// see staged_write.h) unless the pattern itself names one: DuckDB's local
// globs do not skip hidden names, so `lake/**/*.parquet` would otherwise read
// a half-written file a killed write left.
class LakeFileSystem final : public duckdb::VirtualFileSystem {
 public:
  LakeFileSystem();

  duckdb::vector<duckdb::OpenFileInfo> Glob(const std::string& path, duckdb::FileOpener* opener) override;

  S3FileSystem& s3() { return *s3_; }

 private:
  S3FileSystem* s3_;  // owned by the base class, as a sub-system
};

}  // namespace floe::engine
