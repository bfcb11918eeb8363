#include "storage/internal_storage.h"

#include <system_error>

namespace floe::storage {

Status InternalStorage::CheckKey(std::string_view key) const {
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

Result<std::pair<std::filesystem::path, std::string>> InternalStorage::Reserve(std::string_view key) const {
  RETURN_IF_ERROR(CheckKey(key));
  std::filesystem::path path = root_ / std::filesystem::path(std::string(key));
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return IoError("cannot create storage folder '" + path.parent_path().string() + "': " + ec.message());
  return std::make_pair(path, UriFor(key));
}

Result<std::string> InternalStorage::Put(const std::filesystem::path& local, std::string_view key) const {
  ASSIGN_OR_RETURN(auto reserved, Reserve(key));
  std::error_code ec;
  // Copy to a temporary name, then rename: a reader never sees half a file.
  std::filesystem::path tmp = reserved.first;
  tmp += ".partial";
  std::filesystem::copy_file(local, tmp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return IoError("cannot store '" + local.string() + "' as " + reserved.second + ": " + ec.message());
  std::filesystem::rename(tmp, reserved.first, ec);
  if (ec) return IoError("cannot store '" + local.string() + "' as " + reserved.second + ": " + ec.message());
  return reserved.second;
}

Result<std::filesystem::path> InternalStorage::LocalPath(std::string_view uri) const {
  if (!IsStorageUri(uri)) return InvalidArgument("'" + std::string(uri) + "' is not a floe:// storage URI");
  std::string_view rest = uri.substr(kScheme.size());
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  RETURN_IF_ERROR(CheckKey(rest));
  std::filesystem::path path = root_ / std::filesystem::path(std::string(rest));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("no file in storage at " + std::string(uri));
  return path;
}

}  // namespace floe::storage
