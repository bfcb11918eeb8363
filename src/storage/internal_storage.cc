#include "storage/internal_storage.h"

#include <fstream>
#include <functional>
#include <system_error>

#include "storage/digest.h"
#include "storage/local_store.h"
#include "storage/object_stores.h"

namespace floe::storage {
namespace fs = std::filesystem;
namespace {

bool IsMd5Etag(const std::string& etag) {
  return etag.size() == 32 && etag.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Result<std::string> FileMd5(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read '" + path.string() + "'");
  Md5 md5;
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    md5.Update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  return md5.FinishHex();
}

// Worth another try: the store was unavailable, or a check found the bytes damaged.
bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded ||
         s.code() == StatusCode::kIoError;
}

}  // namespace

Status CheckStorageKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("empty storage key");
  if (key.front() == '/') return InvalidArgument("storage key '" + std::string(key) + "' must be relative");
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    std::string_view part = key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..")
      return InvalidArgument("storage key '" + std::string(key) + "' has an empty, '.' or '..' part");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

InternalStorage::InternalStorage(std::shared_ptr<ObjectStore> store, std::string prefix, int attempts)
    : store_(std::move(store)), prefix_(std::move(prefix)), attempts_(std::max(1, attempts)) {
  while (prefix_.ends_with('/')) prefix_.pop_back();
  if (!prefix_.empty()) prefix_ += '/';
  if (auto* local = dynamic_cast<LocalStore*>(store_.get())) local_root_ = local->root() / prefix_;
}

Result<std::unique_ptr<InternalStorage>> InternalStorage::Open(std::string_view location, ObjectStores& stores) {
  ASSIGN_OR_RETURN(ObjectUri uri, ParseObjectUri(location));
  if (uri.scheme == ObjectUri::Scheme::kFile) {
    fs::path root = "/" + uri.key;
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) return IoError("cannot create the storage folder '" + root.string() + "': " + ec.message());
    return std::make_unique<InternalStorage>(std::make_shared<LocalStore>(root), "");
  }
  ASSIGN_OR_RETURN(ObjectLocation at, stores.Open(location));
  // Fail now, clearly, on a missing bucket or wrong credentials, rather than
  // in the middle of the first execution.
  RETURN_IF_ERROR(at.store->List(at.key, "", "", 1).status());
  return std::make_unique<InternalStorage>(at.store, at.key);
}

Result<std::string> InternalStorage::KeyOf(std::string_view uri) const {
  if (!IsStorageUri(uri)) return InvalidArgument("'" + std::string(uri) + "' is not a floe:// storage URI");
  std::string_view rest = uri.substr(kScheme.size());
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  RETURN_IF_ERROR(CheckStorageKey(rest));
  return prefix_ + std::string(rest);
}

template <typename Fn>
Status InternalStorage::WithRetries(std::string_view what, Fn&& attempt) const {
  Status last;
  for (int i = 0; i < attempts_; ++i) {
    last = attempt();
    if (last.ok() || !Retryable(last)) return last;
  }
  return Status(last.code(),
                std::string(what) + ": " + last.message() + " (after " + std::to_string(attempts_) + " attempts)");
}

namespace {

// Whether `size` bytes, whose MD5 `md5()` gives, are the object `info`
// describes: the size always, the MD5 when the store's ETag is one (it is
// computed only then). `what` names the bytes in the error.
Status Matches(const ObjectInfo& info, int64_t size, const std::function<Result<std::string>()>& md5,
               std::string_view what) {
  if (size != info.size)
    return IoError(std::string(what) + " has " + std::to_string(size) + " bytes, the object " +
                   std::to_string(info.size));
  if (!IsMd5Etag(info.etag)) return Status::Ok();
  ASSIGN_OR_RETURN(std::string digest, md5());
  if (digest != info.etag) return IoError(std::string(what) + " has MD5 " + digest + ", the object " + info.etag);
  return Status::Ok();
}

}  // namespace

Status InternalStorage::AsSeenByFlows(const Status& s, std::string_view store_key, std::string_view uri) const {
  if (s.ok()) return s;
  std::string message = s.message();
  auto replace_all = [&](const std::string& from, std::string_view to) {
    if (from.empty()) return;
    for (size_t at = message.find(from); at != std::string::npos; at = message.find(from, at + to.size()))
      message.replace(at, from.size(), to);
  };
  replace_all(store_->Uri(store_key), uri);
  replace_all(store_->Uri(prefix_), "floe:///");
  return Status(s.code(), std::move(message));
}

Status InternalStorage::Verify(const std::string& store_key, int64_t size, const fs::path& local) const {
  ASSIGN_OR_RETURN(ObjectInfo info, store_->Head(store_key));
  return Matches(
      info, size, [&] { return FileMd5(local); }, "the local file '" + local.filename().string() + "'");
}

Result<std::string> InternalStorage::Upload(const fs::path& local, std::string_view key, bool move) const {
  RETURN_IF_ERROR(CheckStorageKey(key));
  std::string store_key = prefix_ + std::string(key);
  std::string uri = UriFor(key);
  std::error_code ec;
  auto size = static_cast<int64_t>(fs::file_size(local, ec));
  if (ec) return IoError("cannot store '" + local.filename().string() + "' as " + uri + ": " + ec.message());
  if (move && local_root_) {
    // Same store, same machine: a rename, no second copy of the bytes.
    RETURN_IF_ERROR(AsSeenByFlows(static_cast<LocalStore&>(*store_).MoveFileIn(store_key, local), store_key, uri));
    return uri;
  }
  Status stored = WithRetries("storing '" + local.filename().string() + "' as " + uri, [&]() -> Status {
    RETURN_IF_ERROR(store_->PutFile(store_key, local));
    return Verify(store_key, size, local);
  });
  RETURN_IF_ERROR(AsSeenByFlows(stored, store_key, uri));
  if (move) fs::remove(local, ec);
  return uri;
}

Result<std::string> InternalStorage::Put(const fs::path& local, std::string_view key) const {
  return Upload(local, key, false);
}

Result<std::string> InternalStorage::MoveIn(const fs::path& local, std::string_view key) const {
  return Upload(local, key, true);
}

Status InternalStorage::Fetch(std::string_view uri, const fs::path& local) const {
  ASSIGN_OR_RETURN(std::string key, KeyOf(uri));
  fs::path tmp = local;
  tmp += ".part";
  Status s = WithRetries("reading " + std::string(uri), [&]() -> Status {
    ASSIGN_OR_RETURN(ObjectInfo info, store_->Head(key));
    RETURN_IF_ERROR(store_->GetToFile(key, tmp));
    std::error_code ec;
    auto size = static_cast<int64_t>(fs::file_size(tmp, ec));
    if (ec) return IoError("cannot read the download '" + tmp.string() + "': " + ec.message());
    return Matches(
        info, size, [&] { return FileMd5(tmp); }, "the download");
  });
  std::error_code ec;
  if (!s.ok()) {
    fs::remove(tmp, ec);
    if (s.code() == StatusCode::kNotFound) return NotFound("no file in storage at " + std::string(uri));
    return AsSeenByFlows(s, key, uri);
  }
  fs::rename(tmp, local, ec);
  if (ec) return IoError("cannot write '" + local.string() + "': " + ec.message());
  return Status::Ok();
}

Result<int64_t> InternalStorage::Size(std::string_view uri) const {
  ASSIGN_OR_RETURN(std::string key, KeyOf(uri));
  ObjectInfo info;
  Status s = WithRetries("reading the size of " + std::string(uri), [&]() -> Status {
    ASSIGN_OR_RETURN(info, store_->Head(key));
    return Status::Ok();
  });
  if (s.code() == StatusCode::kNotFound) return NotFound("no file in storage at " + std::string(uri));
  RETURN_IF_ERROR(AsSeenByFlows(s, key, uri));
  return info.size;
}

Status InternalStorage::Delete(std::string_view uri) const {
  ASSIGN_OR_RETURN(std::string key, KeyOf(uri));
  Status s = WithRetries("checking " + std::string(uri), [&]() -> Status { return store_->Head(key).status(); });
  if (s.code() == StatusCode::kNotFound) return NotFound("no file in storage at " + std::string(uri));
  RETURN_IF_ERROR(AsSeenByFlows(s, key, uri));
  s = WithRetries("deleting " + std::string(uri), [&]() -> Status { return store_->Delete(key); });
  return AsSeenByFlows(s, key, uri);
}

Result<std::vector<std::string>> InternalStorage::List(std::string_view folder_key) const {
  RETURN_IF_ERROR(CheckStorageKey(folder_key));
  std::vector<std::string> uris;
  std::string token;
  do {
    ListPage page;
    Status s = WithRetries("listing " + UriFor(folder_key) + "/", [&]() -> Status {
      ASSIGN_OR_RETURN(page, store_->List(prefix_ + std::string(folder_key) + "/", "", token));
      return Status::Ok();
    });
    RETURN_IF_ERROR(s);
    for (const auto& object : page.objects) uris.push_back(UriFor(object.key.substr(prefix_.size())));
    token = page.next_token;
  } while (!token.empty());
  return uris;
}

Result<std::string> InternalStorage::Read(std::string_view uri) const {
  ASSIGN_OR_RETURN(std::string key, KeyOf(uri));
  std::string data;
  Status s = WithRetries("reading " + std::string(uri), [&]() -> Status {
    ASSIGN_OR_RETURN(ObjectInfo info, store_->Head(key));
    ASSIGN_OR_RETURN(data, store_->Get(key));
    return Matches(
        info, static_cast<int64_t>(data.size()), [&]() -> Result<std::string> { return Md5Hex(data); },
        "what was read");
  });
  if (s.code() == StatusCode::kNotFound) return NotFound("no file in storage at " + std::string(uri));
  RETURN_IF_ERROR(AsSeenByFlows(s, key, uri));
  return data;
}

Result<fs::path> InternalStorage::Materialize(std::string_view uri, const fs::path& download_dir) const {
  ASSIGN_OR_RETURN(std::string key, KeyOf(uri));
  if (local_root_) {
    ASSIGN_OR_RETURN(fs::path path, static_cast<LocalStore&>(*store_).PathOf(key));
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return NotFound("no file in storage at " + std::string(uri));
    return path;
  }
  std::error_code ec;
  fs::create_directories(download_dir, ec);
  if (ec) return IoError("cannot create '" + download_dir.string() + "': " + ec.message());
  // The copy keeps the file's name (tools look at extensions), behind a hash
  // of the whole key so two URIs never share one.
  fs::path local = download_dir / (Md5Hex(key).substr(0, 12) + "-" + fs::path(key).filename().string());
  if (fs::is_regular_file(local, ec)) return local;
  RETURN_IF_ERROR(Fetch(uri, local));
  return local;
}

}  // namespace floe::storage
