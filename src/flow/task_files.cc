#include "flow/task_files.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "core/strings.h"
#include "tmpl/json.h"

namespace floe::flow {
namespace {

// A relative path that stays inside the folder: no absolute paths, no '..'.
bool SafeRelative(const std::filesystem::path& p) {
  if (p.empty() || p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

// Whether `link`, resolved, lies inside `root` (already canonical).
bool LeadsInside(const std::filesystem::path& link, const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::path target = std::filesystem::weakly_canonical(link, ec);
  if (ec) return false;
  auto [r, t] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
  return r == root.end();
}

Result<std::vector<std::string>> Globs(TaskContext& ctx, std::string_view property, const tmpl::Value& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.AsString());
  } else if (v.is_list()) {
    for (const auto& p : v.AsList()) {
      if (!p.is_string()) return ctx.PropertyError(property, "must be a list of glob patterns");
      out.push_back(p.AsString());
    }
  } else if (!v.is_null()) {
    return ctx.PropertyError(property, "must be a list of glob patterns");
  }
  return out;
}

}  // namespace

Status WriteInputFiles(TaskContext& ctx, std::string_view property, const tmpl::Value& files,
                       const std::filesystem::path& dir) {
  tmpl::Value map = files;
  if (map.is_string()) {
    auto parsed = tmpl::ParseJson(map.AsString());
    if (!parsed.ok() || !parsed->is_map()) return ctx.PropertyError(property, "must be a map of file name -> content");
    map = *parsed;
  }
  if (!map.is_map()) return ctx.PropertyError(property, "must be a map of file name -> content");
  for (const auto& [name, content] : map.AsMap()) {
    std::filesystem::path rel(name);
    if (!SafeRelative(rel))
      return ctx.PropertyError(property, "file name '" + name + "' must be a relative path inside the folder");
    std::filesystem::path target = dir / rel;
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) return IoError("cannot create folder for input file '" + name + "': " + ec.message());
    std::string text = content.is_string() ? content.AsString() : tmpl::ToJson(content);
    if (text.starts_with("floe://") || text.starts_with("file://") || text.starts_with("s3://")) {
      Result<std::filesystem::path> resolved = ctx.ResolveFile(text);
      if (!resolved.ok()) return ctx.PropertyError(property, "'" + name + "': " + resolved.status().message());
      const std::filesystem::path& source = *resolved;
      std::filesystem::copy_file(source, target, std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) return IoError("cannot copy '" + text + "' to input file '" + name + "': " + ec.message());
      continue;
    }
    std::ofstream out(target, std::ios::binary);
    out << text;
    if (!out.flush()) return IoError("cannot write input file '" + target.string() + "'");
  }
  return Status::Ok();
}

Result<tmpl::Value> CollectOutputFiles(TaskContext& ctx, std::string_view property, const tmpl::Value& patterns,
                                       const std::filesystem::path& dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> globs, Globs(ctx, property, patterns));
  tmpl::ValueMap found;
  std::error_code ec;
  std::vector<std::string> files;
  // Symbolic links to files outside the folder are never stored: a task
  // could otherwise publish any file floe can read.
  std::set<std::string> escaping, warned;
  std::filesystem::path root = std::filesystem::weakly_canonical(dir, ec);
  if (ec) return IoError("cannot list the working folder: " + ec.message());
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string rel = it->path().lexically_relative(dir).generic_string();
    if (it->is_symlink(ec) && !LeadsInside(it->path(), root)) escaping.insert(rel);
    files.push_back(std::move(rel));
  }
  if (ec) return IoError("cannot list the working folder: " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& glob : globs) {
    bool any = false;
    for (const auto& f : files) {
      if (!GlobMatches(glob, f)) continue;
      any = true;
      if (found.Find(f)) continue;
      if (escaping.count(f)) {
        if (warned.insert(f).second)
          ctx.Log(LogLevel::kWarn,
                  "output file '" + f + "' is a symbolic link that leads out of the working folder: not stored");
        continue;
      }
      ASSIGN_OR_RETURN(std::string uri, ctx.StoreFile(dir / f, f));
      found.Set(f, tmpl::Value(uri));
    }
    if (!any) ctx.Log(LogLevel::kWarn, "output file pattern '" + glob + "' matched no file");
  }
  return tmpl::Value(std::move(found));
}

Status CopyNamespaceFiles(TaskContext& ctx, std::string_view property, const tmpl::Value& setting,
                          const std::filesystem::path& dir) {
  bool enabled = false;
  std::vector<std::string> include, exclude;
  if (setting.is_bool()) {
    enabled = setting.AsBool();
  } else if (setting.is_map()) {
    enabled = true;
    for (const auto& [k, v] : setting.AsMap()) {
      if (k == "enabled") {
        enabled = ConditionHolds(v);
      } else if (k == "include" || k == "exclude") {
        ASSIGN_OR_RETURN(auto globs, Globs(ctx, property, v));
        (k == "include" ? include : exclude) = std::move(globs);
      } else {
        return ctx.PropertyError(property, "unknown key '" + k + "' (enabled, include, exclude)");
      }
    }
  } else {
    return ctx.PropertyError(property, "must be true/false or {enabled, include, exclude}");
  }
  if (!enabled) return Status::Ok();
  std::filesystem::path source = ctx.NamespaceFilesDir();
  std::error_code ec;
  if (source.empty() || !std::filesystem::is_directory(source, ec)) {
    ctx.Log(LogLevel::kWarn,
            "namespace '" + ctx.FlowNamespace() + "' has no files (looked in '" + source.string() + "')");
    return Status::Ok();
  }
  std::filesystem::path root = std::filesystem::weakly_canonical(source, ec);
  for (auto it = std::filesystem::recursive_directory_iterator(source, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string rel = it->path().lexically_relative(source).generic_string();
    if (it->is_symlink(ec) && !LeadsInside(it->path(), root)) {
      ctx.Log(LogLevel::kWarn, "namespace file '" + rel + "' is a symbolic link out of the namespace's files: skipped");
      continue;
    }
    bool wanted = include.empty();
    for (const auto& g : include) wanted = wanted || GlobMatches(g, rel);
    for (const auto& g : exclude) wanted = wanted && !GlobMatches(g, rel);
    if (!wanted) continue;
    std::filesystem::path target = dir / rel;
    std::filesystem::create_directories(target.parent_path(), ec);
    std::filesystem::copy_file(it->path(), target, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return IoError("cannot copy namespace file '" + rel + "': " + ec.message());
  }
  if (ec) return IoError("cannot list namespace files in '" + source.string() + "': " + ec.message());
  return Status::Ok();
}

}  // namespace floe::flow
