#include "exec/local_file_access.h"

#include <algorithm>

namespace floe::exec {
namespace fs = std::filesystem;
namespace {

// `path` with symlinks resolved as far as it exists.
fs::path Canonical(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : out;
}

bool Inside(const fs::path& path, const fs::path& root) {
  if (root.empty()) return false;
  auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  // A trailing separator in root shows up as an empty last part.
  return r == root.end() || (std::next(r) == root.end() && r->empty());
}

}  // namespace

LocalFileAccess::LocalFileAccess(fs::path namespace_files, std::vector<fs::path> allowed)
    : namespace_files_(std::move(namespace_files)) {
  for (auto& a : allowed)
    if (!a.empty()) allowed_.push_back(Canonical(a));
}

Result<fs::path> LocalFileAccess::Resolve(std::string_view given) const {
  std::string_view p = given;
  if (p.starts_with("file://")) {
    p.remove_prefix(7);
    if (!p.starts_with('/'))
      return InvalidArgument("'" + std::string(given) + "' is not a local file URI like file:///folder/file");
  }
  if (p.empty()) return InvalidArgument("an empty file path");
  fs::path path{std::string(p)};
  fs::path ns_root = namespace_files_.empty() ? fs::path() : Canonical(namespace_files_);
  fs::path target;
  if (path.is_relative()) {
    for (const auto& part : path)
      if (part == "..")
        return InvalidArgument("'" + std::string(given) + "' leaves the namespace's files ('..')")
            .WithHint("a relative path names one of the flow's namespace files");
    if (namespace_files_.empty()) return NotFound("no namespace files to find '" + std::string(given) + "' in");
    target = Canonical(namespace_files_ / path);
    // A symlink among the namespace files may not lead out of them.
    if (!Inside(target, ns_root))
      return FailedPrecondition("'" + std::string(given) + "' leads out of the namespace's files (a symbolic link)");
  } else {
    target = Canonical(path);
    bool allowed = Inside(target, ns_root) ||
                   std::any_of(allowed_.begin(), allowed_.end(), [&](const fs::path& a) { return Inside(target, a); });
    if (!allowed)
      return FailedPrecondition("'" + std::string(given) +
                                "' is outside the flow's namespace files and the folders floe may read")
          .WithHint(
              "put the file among the namespace's files, or add its folder to FLOE_ALLOWED_PATHS "
              "(folders separated by ':'; see docs/SECURITY.md)");
  }
  std::error_code ec;
  if (!fs::is_regular_file(target, ec)) return NotFound("no file at '" + std::string(given) + "'");
  return target;
}

}  // namespace floe::exec
