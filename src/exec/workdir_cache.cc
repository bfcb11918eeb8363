#include "exec/workdir_cache.h"

#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace floe::exec {
namespace {

constexpr std::string_view kMagic = "floe-workdir-cache 1 ";

int64_t Ms(Timestamp t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count(); }

// A relative path that stays inside the folder it is joined to.
bool SafeRelative(const std::string& path) {
  if (path.empty() || path[0] == '/') return false;
  for (const auto& part : std::filesystem::path(path))
    if (part == "..") return false;
  return true;
}

}  // namespace

Result<std::optional<Timestamp>> RestoreWorkdirCache(const storage::InternalStorage& storage, const WorkdirCache& cache,
                                                     const std::filesystem::path& dir,
                                                     const std::filesystem::path& scratch, Timestamp now,
                                                     const CacheLog& log) {
  std::string uri = storage::InternalStorage::UriFor(cache.key);
  auto size = storage.Size(uri);
  if (!size.ok()) {
    if (size.status().code() == StatusCode::kNotFound) return std::optional<Timestamp>();
    return size.status();
  }
  ASSIGN_OR_RETURN(std::filesystem::path local, storage.Materialize(uri, scratch));
  std::ifstream in(local, std::ios::binary);
  std::string header;
  std::getline(in, header);
  auto corrupt = [&](const std::string& why) {
    return FailedPrecondition("the WorkingDirectory cache " + uri + " is damaged (" + why + ")")
        .WithHint("delete it, or change the cache's patterns; the next run keeps a new one");
  };
  if (!header.starts_with(kMagic)) return corrupt("no header");
  Timestamp kept{std::chrono::milliseconds(std::atoll(header.c_str() + kMagic.size()))};
  if (cache.ttl && now > kept + *cache.ttl) {
    log(LogLevel::kInfo, "the cache kept at " + FormatTimestamp(kept) + " has expired (ttl " +
                             FormatDuration(*cache.ttl) + "); deleting it");
    RETURN_IF_ERROR(storage.Delete(uri));
    return std::optional<Timestamp>();
  }
  int files = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream sizes(line);
    size_t path_length = 0, content_length = 0;
    if (!(sizes >> path_length >> content_length) || path_length > 4096) return corrupt("a bad entry");
    std::string path(path_length, '\0');
    if (!in.read(path.data(), static_cast<std::streamsize>(path_length))) return corrupt("a cut path");
    if (!SafeRelative(path)) return corrupt("the path '" + path + "' leaves the folder");
    std::filesystem::path target = dir / path;
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    char buffer[1 << 16];
    size_t left = content_length;
    while (left > 0) {
      size_t n = std::min(left, sizeof buffer);
      if (!in.read(buffer, static_cast<std::streamsize>(n))) return corrupt("a cut file");
      out.write(buffer, static_cast<std::streamsize>(n));
      left -= n;
    }
    if (!out.flush()) return IoError("cannot write '" + target.string() + "'");
    ++files;
  }
  log(LogLevel::kInfo, "restored " + std::to_string(files) + " cached file(s) kept at " + FormatTimestamp(kept));
  // On the file system's clock: a file written after this changed.
  return std::optional<Timestamp>(std::chrono::time_point_cast<Timestamp::duration>(
      std::chrono::file_clock::to_sys(std::chrono::file_clock::now())));
}

Status SaveWorkdirCache(const storage::InternalStorage& storage, const WorkdirCache& cache,
                        const std::filesystem::path& dir, const std::filesystem::path& scratch,
                        std::optional<Timestamp> restored, Timestamp now, const CacheLog& log) {
  std::vector<std::pair<std::string, std::filesystem::path>> matched;
  bool changed = !restored;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    // An entry that cannot be read (a dangling symlink) is skipped, not the scan.
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec)) continue;
    std::string rel = std::filesystem::relative(it->path(), dir, entry_ec).generic_string();
    if (entry_ec) continue;
    bool wanted = false;
    for (const auto& p : cache.patterns) wanted = wanted || GlobMatches(p, rel);
    if (!wanted) continue;
    matched.emplace_back(rel, it->path());
    if (restored) {
      auto written = std::filesystem::last_write_time(it->path(), entry_ec);
      if (entry_ec || std::chrono::file_clock::to_sys(written) > *restored) changed = true;
    }
  }
  if (ec) return IoError("cannot list '" + dir.string() + "': " + ec.message());
  if (matched.empty()) {
    log(LogLevel::kInfo, "no file matches the cache's patterns; nothing to keep");
    return Status::Ok();
  }
  if (!changed) {
    log(LogLevel::kInfo, "the cached files did not change; the cache is kept as it was");
    return Status::Ok();
  }
  std::filesystem::create_directories(scratch, ec);
  std::filesystem::path archive = scratch / "workdir-cache.bin";
  {
    std::ofstream out(archive, std::ios::binary | std::ios::trunc);
    out << kMagic << Ms(now) << "\n";
    for (const auto& [rel, path] : matched) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      std::string bytes = content.str();
      out << rel.size() << " " << bytes.size() << "\n" << rel << bytes;
    }
    if (!out.flush()) return IoError("cannot write '" + archive.string() + "'");
  }
  ASSIGN_OR_RETURN(std::string uri, storage.MoveIn(archive, cache.key));
  log(LogLevel::kInfo, "kept " + std::to_string(matched.size()) + " file(s) in the cache " + uri);
  return Status::Ok();
}

}  // namespace floe::exec
