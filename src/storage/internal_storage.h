// InternalStorage: where an execution's files live (query results, collected
// output files, uploaded FILE inputs), addressed by floe:// URIs whatever the
// store behind them:
//
//   floe:///<namespace>/<flow>/executions/<execution>/tasks/<task>/<taskrun>/<name>
//
// The store is a local folder (the default, <home>/storage) or an S3 prefix
// (`--storage s3://bucket/prefix`). Every transfer is checked: the stored
// object must have the file's size (and MD5, where the store's ETag is one),
// and a download must match the object; a transfer that fails a check or
// meets a transient error is retried, then fails with what went wrong.
//
//   ObjectStores stores;
//   ASSIGN_OR_RETURN(auto storage, InternalStorage::Open("s3://lake/floe", stores));
//   ASSIGN_OR_RETURN(std::string uri, storage->Put(local_file, "dev/hello/executions/01J.../out.parquet"));
//   RETURN_IF_ERROR(storage->Fetch(uri, "/tmp/out.parquet"));
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "storage/object_store.h"

namespace floe::storage {

class ObjectStores;

inline constexpr std::string_view kScheme = "floe://";

class InternalStorage {
 public:
  // Files live under `prefix` ("" or "a/b") of `store`.
  InternalStorage(std::shared_ptr<ObjectStore> store, std::string prefix, int attempts = 3);
  // A local folder (a path or file:// URI, created if missing) or s3://bucket[/prefix].
  static Result<std::unique_ptr<InternalStorage>> Open(std::string_view location, ObjectStores& stores);

  // Where the files are: "file:///home/.floe/storage/", "s3://lake/floe/".
  std::string Location() const { return store_->Uri(prefix_); }

  // Copies `local` to `key` (a relative, '/'-separated path without '..').
  Result<std::string> Put(const std::filesystem::path& local, std::string_view key) const;
  // Same, but `local` is consumed: a local store renames it into place.
  Result<std::string> MoveIn(const std::filesystem::path& local, std::string_view key) const;
  // Downloads a floe:// URI's file to `local` (whole or not at all).
  Status Fetch(std::string_view uri, const std::filesystem::path& local) const;
  // A floe:// URI's content.
  Result<std::string> Read(std::string_view uri) const;
  // A floe:// URI's size in bytes; NotFound when there is no such file.
  Result<int64_t> Size(std::string_view uri) const;
  // Deletes a floe:// URI's file; NotFound when there is none.
  Status Delete(std::string_view uri) const;
  // The floe:// URIs of the files in folder `folder_key` (a key such as
  // "executions/ID") and below it, sorted.
  Result<std::vector<std::string>> List(std::string_view folder_key) const;
  // A local file with a floe:// URI's content: the stored file itself when
  // the store is a local folder (read it, do not change it), else a download
  // into `download_dir`.
  Result<std::filesystem::path> Materialize(std::string_view uri, const std::filesystem::path& download_dir) const;

  static std::string UriFor(std::string_view key) { return std::string(kScheme) + "/" + std::string(key); }
  static bool IsStorageUri(std::string_view uri) { return uri.starts_with(kScheme); }

 private:
  Result<std::string> KeyOf(std::string_view uri) const;  // the store key behind a floe:// URI
  Result<std::string> Upload(const std::filesystem::path& local, std::string_view key, bool move) const;
  // The object as stored, checked against what was expected.
  // `s` with the store's own name of the key (a folder's path, a bucket's
  // key) replaced by its floe:/// URI: flows and their users see URIs only.
  Status AsSeenByFlows(const Status& s, std::string_view store_key, std::string_view uri) const;
  Status Verify(const std::string& store_key, int64_t size, const std::filesystem::path& local) const;
  template <typename Fn>
  Status WithRetries(std::string_view what, Fn&& attempt) const;

  std::shared_ptr<ObjectStore> store_;
  std::string prefix_;
  int attempts_;
  std::optional<std::filesystem::path> local_root_;  // when the store is a local folder
};

// Checks an internal-storage key: relative, no empty, '.' or '..' part.
Status CheckStorageKey(std::string_view key);

}  // namespace floe::storage
