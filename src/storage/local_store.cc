#include "storage/local_store.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <system_error>

#include "core/time.h"

namespace floe::storage {
namespace fs = std::filesystem;
namespace {

Status WriteWhole(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out.flush()) return IoError("cannot write '" + path.string() + "'");
  return Status::Ok();
}

Status RenameInto(const fs::path& tmp, const fs::path& target) {
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return IoError("cannot write '" + target.string() + "'");
  }
  return Status::Ok();
}

std::string LastModified(const fs::path& path) {
  std::error_code ec;
  auto t = fs::last_write_time(path, ec);
  if (ec) return "";
  return FormatTimestamp(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(t)));
}

Status MakeParent(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return IoError("cannot create folder '" + path.parent_path().string() + "': " + ec.message());
  return Status::Ok();
}

class LocalMultipartUpload : public MultipartUpload {
 public:
  LocalMultipartUpload(fs::path target, fs::path parts_dir) : target_(std::move(target)), dir_(std::move(parts_dir)) {}
  ~LocalMultipartUpload() override { Abort().IgnoreError(); }

  Status UploadPart(int part_number, std::string_view data) override {
    if (part_number < 1 || part_number > 10000)
      return InvalidArgument("part number " + std::to_string(part_number) + " is outside 1..10000");
    fs::path part = dir_ / std::to_string(part_number);
    fs::path tmp = part;
    tmp += ".partial";
    RETURN_IF_ERROR(WriteWhole(tmp, data));
    RETURN_IF_ERROR(RenameInto(tmp, part));
    std::lock_guard lock(mu_);
    parts_[part_number] = part;
    return Status::Ok();
  }

  Status Complete() override {
    std::map<int, fs::path> parts;
    {
      std::lock_guard lock(mu_);
      parts = parts_;
    }
    fs::path joined = dir_ / "joined";
    {
      std::ofstream out(joined, std::ios::binary | std::ios::trunc);
      for (const auto& [n, part] : parts) {
        std::ifstream in(part, std::ios::binary);
        out << in.rdbuf();
      }
      if (!out.flush()) return IoError("cannot write '" + joined.string() + "'");
    }
    RETURN_IF_ERROR(MakeParent(target_));
    RETURN_IF_ERROR(RenameInto(joined, target_));
    return Abort();  // removes the parts
  }

  Status Abort() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove(dir_.parent_path(), ec);  // only if no other upload is using it
    return Status::Ok();
  }

 private:
  fs::path target_, dir_;
  std::mutex mu_;
  std::map<int, fs::path> parts_;
};

bool IsTemp(const fs::path& relative) {
  for (const auto& part : relative)
    if (part.string().starts_with(kLocalTempPrefix)) return true;
  return false;
}

}  // namespace

LocalStore::LocalStore(fs::path root) : root_(fs::absolute(std::move(root)).lexically_normal()) {}

Result<fs::path> LocalStore::PathOf(std::string_view key) const {
  RETURN_IF_ERROR(CheckObjectKey(key));
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    std::string_view part = key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == ".." || part.starts_with(kLocalTempPrefix))
      return InvalidArgument("key '" + std::string(key) +
                             "' cannot name a file in a local folder (a part of it is empty, '.', '..' or reserved)");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return root_ / fs::path(std::string(key));
}

fs::path LocalStore::TempBeside(const fs::path& target) {
  return target.parent_path() / (std::string(kLocalTempPrefix) + std::to_string(::getpid()) + "-" +
                                 std::to_string(counter_++) + "-" + target.filename().string());
}

std::string LocalStore::Uri(std::string_view key) const {
  std::string root = root_.string();
  if (!root.ends_with('/')) root += '/';
  return "file://" + root + std::string(key);
}

Result<ObjectInfo> LocalStore::Head(std::string_view key) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFound("no object " + Uri(key));
  auto size = fs::file_size(path, ec);
  if (ec) return IoError("cannot read " + Uri(key) + ": " + ec.message());
  return ObjectInfo{.key = std::string(key), .size = static_cast<int64_t>(size), .last_modified = LastModified(path)};
}

Result<std::string> LocalStore::Get(std::string_view key) {
  ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
  return GetRange(key, 0, info.size);
}

Result<std::string> LocalStore::GetRange(std::string_view key, int64_t offset, int64_t length) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("no object " + Uri(key));
  if (offset < 0 || length < 0) return InvalidArgument("a negative byte range of " + Uri(key));
  in.seekg(0, std::ios::end);
  auto size = static_cast<int64_t>(in.tellg());
  if (offset > size) return InvalidArgument("byte " + std::to_string(offset) + " is past the end of " + Uri(key));
  length = std::min(length, size - offset);
  std::string data(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  if (in.gcount() != length) return IoError("cannot read " + Uri(key));
  return data;
}

Status LocalStore::GetToFile(std::string_view key, const fs::path& file) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFound("no object " + Uri(key));
  fs::path tmp = file;
  tmp += ".part";
  fs::copy_file(path, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return IoError("cannot copy " + Uri(key) + " to '" + file.string() + "': " + ec.message());
  return RenameInto(tmp, file);
}

Status LocalStore::Put(std::string_view key, std::string_view data, const PutOptions&) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  RETURN_IF_ERROR(MakeParent(path));
  fs::path tmp = TempBeside(path);
  RETURN_IF_ERROR(WriteWhole(tmp, data));
  return RenameInto(tmp, path);
}

Status LocalStore::PutFile(std::string_view key, const fs::path& file, const PutOptions&) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  RETURN_IF_ERROR(MakeParent(path));
  fs::path tmp = TempBeside(path);
  std::error_code ec;
  fs::copy_file(file, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return IoError("cannot store '" + file.string() + "' as " + Uri(key) + ": " + ec.message());
  return RenameInto(tmp, path);
}

Status LocalStore::MoveFileIn(std::string_view key, const fs::path& file) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  RETURN_IF_ERROR(MakeParent(path));
  std::error_code ec;
  fs::rename(file, path, ec);
  if (!ec) return Status::Ok();
  RETURN_IF_ERROR(PutFile(key, file, {}));  // another file system: copy
  fs::remove(file, ec);
  return Status::Ok();
}

Result<std::unique_ptr<MultipartUpload>> LocalStore::StartMultipart(std::string_view key, const PutOptions&) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  fs::path dir = root_ / (std::string(kLocalTempPrefix) + "uploads") / std::to_string(counter_++);
  dir += "-" + std::to_string(::getpid());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create '" + dir.string() + "': " + ec.message());
  return std::unique_ptr<MultipartUpload>(std::make_unique<LocalMultipartUpload>(path, dir));
}

Result<ListPage> LocalStore::List(std::string_view prefix, std::string_view delimiter,
                                  std::string_view continuation_token, int max_keys) {
  // Walk the deepest folder the prefix names, then filter and sort as S3 does.
  std::string_view folder = prefix.substr(0, prefix.rfind('/') == std::string_view::npos ? 0 : prefix.rfind('/'));
  fs::path start = root_;
  if (!folder.empty()) {
    auto p = PathOf(folder);
    if (!p.ok()) return ListPage{};  // no file can have such a name
    start = *p;
  }
  std::vector<std::string> keys;
  std::error_code ec;
  if (fs::is_directory(start, ec)) {
    for (fs::recursive_directory_iterator it(start, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      fs::path relative = it->path().lexically_relative(root_);
      if (IsTemp(relative)) continue;
      std::string key = relative.generic_string();
      if (key.starts_with(prefix)) keys.push_back(std::move(key));
    }
    if (ec) return IoError("cannot list " + Uri(prefix) + ": " + ec.message());
  }
  std::sort(keys.begin(), keys.end());
  return PageOfKeys(keys, prefix, delimiter, continuation_token, max_keys,
                    [this](const std::string& key) { return Head(key); });
}

Status LocalStore::Delete(std::string_view key) {
  ASSIGN_OR_RETURN(fs::path path, PathOf(key));
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return IoError("cannot delete " + Uri(key) + ": " + ec.message());
  // Drop folders left empty, up to the root: S3 has no folders to leave behind.
  for (fs::path dir = path.parent_path(); dir != root_ && dir.string().starts_with(root_.string());
       dir = dir.parent_path()) {
    if (!fs::is_empty(dir, ec) || ec || !fs::remove(dir, ec)) break;
  }
  return Status::Ok();
}

Status LocalStore::DeleteMany(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) RETURN_IF_ERROR(Delete(key));
  return Status::Ok();
}

Status LocalStore::Copy(std::string_view from_key, std::string_view to_key) {
  ASSIGN_OR_RETURN(fs::path from, PathOf(from_key));
  std::error_code ec;
  if (!fs::is_regular_file(from, ec)) return NotFound("no object " + Uri(from_key));
  return PutFile(to_key, from, {});
}

}  // namespace floe::storage
