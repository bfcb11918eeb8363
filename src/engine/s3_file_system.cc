// s3:// inside DuckDB: a duckdb::FileSystem over floe's S3 client, so
// read_parquet / read_csv / read_json (with globs) and COPY ... TO (with
// PARTITION_BY) work on s3:// paths. Reads are ranged GETs with read-ahead;
// the tail of each object (where Parquet keeps its footer) is cached, so a
// footer is fetched once per query. Writes stream through a multipart upload
// (8 MiB parts), finished when DuckDB closes the file; COPY ... TO writes
// into a staging prefix first (staged_write.h), which LakeFileSystem's globs
// skip.
#include "engine/s3_file_system.h"

#include <list>
#include <mutex>

#include "core/strings.h"
#include "duckdb.hpp"
#include "duckdb/common/file_system.hpp"
#include "storage/s3_client.h"

namespace floe::engine {
namespace {

constexpr int64_t kReadAhead = 1 << 20;  // bytes fetched past a small read
constexpr int64_t kTailSize = 64 << 10;  // cached end of each object (Parquet footer)
constexpr size_t kTailCacheEntries = 256;
constexpr int64_t kPartSize = 8 << 20;

using S3Path = storage::ObjectUri;

[[noreturn]] void Throw(const Status& s) { throw duckdb::IOException(s.ToString()); }

template <typename T>
T Check(Result<T> r) {
  if (!r.ok()) Throw(r.status());
  return std::move(*r);
}

// DuckDB hands this file system only s3:// paths (CanHandleFile).
S3Path ParseS3Path(const std::string& path) { return Check(storage::ParseObjectUri(path)); }

// A path inside floe's staging of an unfinished write (staged_write.h): a
// component named ".floe-...".
bool IsStaging(const std::string& path) {
  return path.starts_with(".floe-") || path.find("/.floe-") != std::string::npos;
}

// "a/b" and "a/b/" both name the folder whose keys start with "a/b/".
std::string FolderPrefix(const std::string& key) { return key.empty() || key.back() == '/' ? key : key + "/"; }

}  // namespace

class S3FileHandle final : public duckdb::FileHandle {
 public:
  S3FileHandle(duckdb::FileSystem& fs, const std::string& file_path, duckdb::FileOpenFlags open_flags, S3Path where,
               int64_t size, storage::S3Client& s3)
      : duckdb::FileHandle(fs, file_path, open_flags), where_(std::move(where)), size_(size), s3_(s3) {}
  ~S3FileHandle() override {
    // DuckDB closes files it wrote; a handle dropped without Close (an
    // error) abandons its upload rather than leaving a partial object.
    if (!upload_id_.empty() && !closed_) s3_.AbortMultipartUpload(where_.bucket, where_.key, upload_id_).IgnoreError();
  }

  void Close() override {
    if (closed_ || !flags.OpenForWriting()) return;
    closed_ = true;
    if (upload_id_.empty()) {
      Status s = s3_.Put(where_.bucket, where_.key, pending_);
      if (!s.ok()) Throw(s);
      return;
    }
    if (!pending_.empty()) FlushPart();
    Status s = s3_.CompleteMultipartUpload(where_.bucket, where_.key, upload_id_, parts_);
    if (!s.ok()) {
      s3_.AbortMultipartUpload(where_.bucket, where_.key, upload_id_).IgnoreError();
      Throw(s);
    }
  }

  void Append(const char* data, int64_t n) {
    pending_.append(data, static_cast<size_t>(n));
    size_ += n;
    if (static_cast<int64_t>(pending_.size()) >= kPartSize) FlushPart();
  }

  void FlushPart() {
    if (upload_id_.empty()) upload_id_ = Check(s3_.CreateMultipartUpload(where_.bucket, where_.key));
    int number = static_cast<int>(parts_.size()) + 1;
    parts_.emplace_back(number, Check(s3_.UploadPart(where_.bucket, where_.key, upload_id_, number, pending_)));
    pending_.clear();
  }

  // Bytes [offset, offset + n) into `out`, through the read-ahead buffer.
  void ReadAt(char* out, int64_t n, int64_t offset, S3FileSystem& fs) {
    if (offset + n > size_) throw duckdb::IOException("read past the end of s3://" + where_.bucket + "/" + where_.key);
    while (n > 0) {
      if (offset >= buffer_start_ && offset < buffer_start_ + static_cast<int64_t>(buffer_.size())) {
        int64_t from = offset - buffer_start_;
        int64_t take = std::min<int64_t>(n, static_cast<int64_t>(buffer_.size()) - from);
        std::memcpy(out, buffer_.data() + from, static_cast<size_t>(take));
        out += take;
        offset += take;
        n -= take;
        continue;
      }
      if (offset >= size_ - kTailSize) {
        // The tail: shared by every handle of this object.
        std::string tail = fs.Tail(where_.bucket, where_.key, size_);
        buffer_start_ = std::max<int64_t>(0, size_ - kTailSize);
        buffer_ = std::move(tail);
        continue;
      }
      int64_t want = std::min(size_ - offset, std::max(n, kReadAhead));
      buffer_ = Check(s3_.GetRange(where_.bucket, where_.key, offset, want));
      buffer_start_ = offset;
      if (static_cast<int64_t>(buffer_.size()) != want)
        throw duckdb::IOException("s3://" + where_.bucket + "/" + where_.key + ": a ranged read returned " +
                                  std::to_string(buffer_.size()) + " of " + std::to_string(want) + " bytes");
    }
  }

  int64_t size() const { return size_; }
  int64_t position = 0;

 private:
  S3Path where_;
  int64_t size_;
  storage::S3Client& s3_;
  std::string buffer_;
  int64_t buffer_start_ = 0;
  std::string pending_;
  std::string upload_id_;
  std::vector<std::pair<int, std::string>> parts_;
  bool closed_ = false;
};

S3FileSystem::S3FileSystem() = default;
S3FileSystem::~S3FileSystem() = default;

storage::S3Client& S3FileSystem::Client() {
  std::lock_guard lock(mu_);
  if (!client_) {
    auto config = storage::S3ConfigFromEnvironment();
    if (!config.ok()) Throw(Status(config.status()).WithContext("s3:// paths in SQL"));
    client_ = std::make_unique<storage::S3Client>(std::move(*config));
  }
  return *client_;
}

std::string S3FileSystem::Tail(const std::string& bucket, const std::string& key, int64_t size) {
  std::string id = bucket + "/" + key + "@" + std::to_string(size);
  {
    std::lock_guard lock(mu_);
    for (auto it = tails_.begin(); it != tails_.end(); ++it) {
      if (it->first == id) {
        tails_.splice(tails_.begin(), tails_, it);
        return it->second;
      }
    }
  }
  int64_t start = std::max<int64_t>(0, size - kTailSize);
  std::string tail = Check(Client().GetRange(bucket, key, start, size - start));
  std::lock_guard lock(mu_);
  tails_.emplace_front(id, tail);
  if (tails_.size() > kTailCacheEntries) tails_.pop_back();
  return tail;
}

bool S3FileSystem::CanHandleFile(const std::string& path) { return path.rfind("s3://", 0) == 0; }

duckdb::unique_ptr<duckdb::FileHandle> S3FileSystem::OpenFile(const std::string& path, duckdb::FileOpenFlags flags,
                                                              duckdb::optional_ptr<duckdb::FileOpener>) {
  S3Path where = ParseS3Path(path);
  if (flags.OpenForWriting()) {
    if (flags.OpenForAppending()) throw duckdb::NotImplementedException("appending to s3:// objects");
    return duckdb::make_uniq<S3FileHandle>(*this, path, flags, where, 0, Client());
  }
  auto info = Client().Head(where.bucket, where.key);
  if (!info.ok()) {
    if (info.status().code() == StatusCode::kNotFound && flags.ReturnNullIfNotExists()) return nullptr;
    Throw(info.status());
  }
  return duckdb::make_uniq<S3FileHandle>(*this, path, flags, where, info->size, Client());
}

void S3FileSystem::Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes, duckdb::idx_t location) {
  handle.Cast<S3FileHandle>().ReadAt(static_cast<char*>(buffer), nr_bytes, static_cast<int64_t>(location), *this);
}

int64_t S3FileSystem::Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) {
  auto& h = handle.Cast<S3FileHandle>();
  int64_t n = std::min(nr_bytes, h.size() - h.position);
  if (n <= 0) return 0;
  h.ReadAt(static_cast<char*>(buffer), n, h.position, *this);
  h.position += n;
  return n;
}

void S3FileSystem::Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes, duckdb::idx_t location) {
  auto& h = handle.Cast<S3FileHandle>();
  if (static_cast<int64_t>(location) != h.size())
    throw duckdb::IOException("s3:// objects are written front to back; a write at " + std::to_string(location) +
                              " after " + std::to_string(h.size()) + " bytes is not possible");
  h.Append(static_cast<const char*>(buffer), nr_bytes);
}

int64_t S3FileSystem::Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) {
  auto& h = handle.Cast<S3FileHandle>();
  h.Append(static_cast<const char*>(buffer), nr_bytes);
  return nr_bytes;
}

int64_t S3FileSystem::GetFileSize(duckdb::FileHandle& handle) { return handle.Cast<S3FileHandle>().size(); }

duckdb::timestamp_t S3FileSystem::GetLastModifiedTime(duckdb::FileHandle&) { return duckdb::timestamp_t(0); }

void S3FileSystem::FileSync(duckdb::FileHandle&) {}  // the object is written when the file is closed

void S3FileSystem::Seek(duckdb::FileHandle& handle, duckdb::idx_t location) {
  handle.Cast<S3FileHandle>().position = static_cast<int64_t>(location);
}

duckdb::idx_t S3FileSystem::SeekPosition(duckdb::FileHandle& handle) {
  return static_cast<duckdb::idx_t>(handle.Cast<S3FileHandle>().position);
}

bool S3FileSystem::FileExists(const std::string& filename, duckdb::optional_ptr<duckdb::FileOpener>) {
  S3Path where = ParseS3Path(filename);
  if (where.key.empty()) return false;
  auto info = Client().Head(where.bucket, where.key);
  if (info.ok()) return true;
  if (info.status().code() == StatusCode::kNotFound) return false;
  Throw(info.status());
}

bool S3FileSystem::DirectoryExists(const std::string& directory, duckdb::optional_ptr<duckdb::FileOpener>) {
  S3Path where = ParseS3Path(directory);
  std::string prefix = FolderPrefix(where.key);
  auto page = Client().List(where.bucket, prefix, "", "", 1);
  if (!page.ok()) Throw(page.status());
  return !page->objects.empty();
}

void S3FileSystem::CreateDirectory(const std::string&, duckdb::optional_ptr<duckdb::FileOpener>) {
  // S3 has no folders: a key's prefix exists once an object is under it.
}

void S3FileSystem::RemoveFile(const std::string& filename, duckdb::optional_ptr<duckdb::FileOpener>) {
  S3Path where = ParseS3Path(filename);
  Status s = Client().Delete(where.bucket, where.key);
  if (!s.ok()) Throw(s);
}

bool S3FileSystem::ListFiles(const std::string& directory,
                             const std::function<void(const std::string&, bool)>& callback, duckdb::FileOpener*) {
  S3Path where = ParseS3Path(directory);
  std::string prefix = FolderPrefix(where.key);
  std::string token;
  bool any = false;
  do {
    auto page = Client().List(where.bucket, prefix, "/", token);
    if (!page.ok()) Throw(page.status());
    for (const auto& o : page->objects) {
      any = true;
      callback(o.key.substr(prefix.size()), false);
    }
    for (const auto& p : page->common_prefixes) {
      any = true;
      std::string name = p.substr(prefix.size());
      if (!name.empty() && name.back() == '/') name.pop_back();
      callback(name, true);
    }
    token = page->next_token;
  } while (!token.empty());
  return any;
}

duckdb::vector<duckdb::OpenFileInfo> S3FileSystem::Glob(const std::string& path, duckdb::FileOpener*) {
  S3Path where = ParseS3Path(path);
  duckdb::vector<duckdb::OpenFileInfo> out;
  if (!HasGlob(where.key)) {
    if (FileExists(path, nullptr)) out.emplace_back(path);
    return out;
  }
  // List everything under the literal part before the first wildcard.
  std::string literal = where.key.substr(0, where.key.find_first_of("*?["));
  auto all = Client().ListAll(where.bucket, literal);
  if (!all.ok()) Throw(all.status());
  for (const auto& o : *all)
    if (GlobMatches(where.key, o.key)) out.emplace_back("s3://" + where.bucket + "/" + o.key);
  std::sort(out.begin(), out.end());
  return out;
}

std::string S3FileSystem::GetName() const { return "S3FileSystem"; }

LakeFileSystem::LakeFileSystem() {
  auto s3 = duckdb::make_uniq<S3FileSystem>();
  s3_ = s3.get();
  RegisterSubSystem(std::move(s3));
}

duckdb::vector<duckdb::OpenFileInfo> LakeFileSystem::Glob(const std::string& path, duckdb::FileOpener* opener) {
  auto all = VirtualFileSystem::Glob(path, opener);
  if (IsStaging(path)) return all;
  duckdb::vector<duckdb::OpenFileInfo> out;
  for (auto& file : all)
    if (!IsStaging(file.path)) out.push_back(std::move(file));
  return out;
}

}  // namespace floe::engine
