#include "storage/object_store.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace floe::storage {

Result<std::vector<ObjectInfo>> CollectPages(const std::function<Result<ListPage>(const std::string&)>& next_page,
                                             std::string_view what) {
  std::vector<ObjectInfo> all;
  std::string token;
  do {
    ASSIGN_OR_RETURN(ListPage page, next_page(token));
    for (auto& o : page.objects) all.push_back(std::move(o));
    if (!page.next_token.empty() && page.next_token == token)
      return IoError("listing " + std::string(what) + ": the same continuation token came back twice");
    token = std::move(page.next_token);
  } while (!token.empty());
  return all;
}

Result<std::vector<ObjectInfo>> ListAll(ObjectStore& store, std::string_view prefix) {
  return CollectPages([&](const std::string& token) { return store.List(prefix, "", token); }, store.Uri(prefix));
}

Result<ListPage> PageOfKeys(const std::vector<std::string>& sorted_keys, std::string_view prefix,
                            std::string_view delimiter, std::string_view continuation_token, int max_keys,
                            const std::function<Result<ObjectInfo>(const std::string&)>& info) {
  // A token is "k" + the last key returned, or "p" + the last common prefix
  // returned (every key under it was rolled up into it already).
  std::string_view after = continuation_token.empty() ? "" : continuation_token.substr(1);
  bool after_prefix = continuation_token.starts_with('p');
  auto first = std::upper_bound(sorted_keys.begin(), sorted_keys.end(), after,
                                [](std::string_view a, const std::string& b) { return a < b; });
  ListPage page;
  int count = 0;
  std::string last;
  for (auto it = first; it != sorted_keys.end(); ++it) {
    const std::string& key = *it;
    if (!key.starts_with(prefix) || (after_prefix && key.starts_with(after))) continue;
    std::string rolled;
    if (!delimiter.empty()) {
      size_t at = key.find(delimiter, prefix.size());
      if (at != std::string::npos) rolled = key.substr(0, at + delimiter.size());
    }
    if (!rolled.empty() && !page.common_prefixes.empty() && page.common_prefixes.back() == rolled) continue;
    if (count == std::max(1, max_keys)) {
      page.next_token = last;
      break;
    }
    ++count;
    if (!rolled.empty()) {
      page.common_prefixes.push_back(rolled);
      last = "p" + rolled;
      continue;
    }
    ASSIGN_OR_RETURN(ObjectInfo o, info(key));
    page.objects.push_back(std::move(o));
    last = "k" + key;
  }
  return page;
}

Status WriteFileWhole(const std::filesystem::path& file, std::string_view data) {
  std::filesystem::path tmp = file;
  tmp += ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out.flush()) return IoError("cannot write '" + tmp.string() + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return IoError("cannot write '" + file.string() + "'");
  }
  return Status::Ok();
}

Result<std::string> ReadFileWhole(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFound("cannot read '" + file.string() + "'");
  std::stringstream data;
  data << in.rdbuf();
  if (in.bad()) return IoError("cannot read '" + file.string() + "'");
  return data.str();
}

Status CheckObjectKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("an object key cannot be empty");
  if (key.size() > 1024)
    return InvalidArgument("object key '" + std::string(key.substr(0, 64)) + "...' is longer than 1,024 bytes");
  if (key.find('\0') != std::string_view::npos) return InvalidArgument("an object key cannot hold a NUL byte");
  return Status::Ok();
}

Result<ObjectUri> ParseObjectUri(std::string_view uri) {
  ObjectUri out;
  if (uri.starts_with("s3://")) {
    std::string_view rest = uri.substr(5);
    size_t slash = rest.find('/');
    out.scheme = ObjectUri::Scheme::kS3;
    out.bucket = std::string(rest.substr(0, slash));
    out.key = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
    if (out.bucket.empty()) return InvalidArgument("'" + std::string(uri) + "' names no bucket (s3://bucket/key)");
    return out;
  }
  std::string_view path = uri;
  if (path.starts_with("file://")) {
    path.remove_prefix(7);
    if (!path.starts_with('/'))
      return InvalidArgument("'" + std::string(uri) + "': a file:// URI needs an absolute path (file:///path)");
  } else if (size_t scheme = path.find("://");
             scheme != std::string_view::npos && path.substr(0, scheme).find('/') == std::string_view::npos) {
    return InvalidArgument("'" + std::string(uri) + "': unknown scheme '" + std::string(path.substr(0, scheme)) +
                           "://' (floe reads s3://, file:// and plain paths)");
  }
  if (path.empty()) return InvalidArgument("an empty path names no file");
  std::string absolute = std::filesystem::absolute(std::string(path)).lexically_normal().generic_string();
  out.key = absolute.substr(1);
  return out;
}

}  // namespace floe::storage
