// Kestra's namespace file tasks: UploadFiles, DownloadFiles, DeleteFiles.
// Namespace files live in <flows>/_files/<namespace>/; Kestra names them
// with a leading '/' ("/scripts/etl.py"). A flow reaches its own namespace's
// files and those of the namespaces under it, never a sibling team's.
#include <algorithm>
#include <fstream>

#include "core/strings.h"
#include "tasks/builtin.h"
#include "tmpl/json.h"
#include "tmpl/template.h"

namespace floe::tasks {
namespace {

namespace fs = std::filesystem;
using flow::PropertyType;
using tmpl::Value;

Result<fs::path> NamespaceDir(flow::TaskContext& ctx) {
  ASSIGN_OR_RETURN(std::string ns, ctx.StringOr("namespace", ctx.FlowNamespace()));
  const std::string& own = ctx.FlowNamespace();
  if (ns != own && !ns.starts_with(own + "."))
    return ctx.PropertyError("namespace", "a flow of '" + own + "' reaches the files of '" + own +
                                              "' and the namespaces under it, not '" + ns + "'");
  fs::path own_dir = ctx.NamespaceFilesDir();
  if (own_dir.empty()) return FailedPrecondition("no flows folder: namespace files have nowhere to live");
  return own_dir.parent_path() / ns;
}

// "/scripts/a.py" or "scripts/a.py" -> "scripts/a.py"; '..' is refused.
Result<std::string> NamespacePath(flow::TaskContext& ctx, std::string_view property, std::string path) {
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  fs::path p(path);
  if (path.empty() || p.is_absolute())
    return ctx.PropertyError(property, "'" + path + "' is not a namespace file path");
  for (const auto& part : p)
    if (part == "..") return ctx.PropertyError(property, "'" + path + "' leaves the namespace's files");
  return p.lexically_normal().generic_string();
}

// Every namespace file matching one of `globs` (Kestra's "/scripts/**").
Result<std::vector<std::string>> Matching(flow::TaskContext& ctx, const fs::path& dir, std::string_view property) {
  ASSIGN_OR_RETURN(std::optional<Value> files, ctx.Property(property));
  if (!files) return ctx.PropertyError(property, "required property '" + std::string(property) + "' is missing");
  std::vector<std::string> globs;
  if (files->is_string()) {
    globs.push_back(files->AsString());
  } else if (files->is_list()) {
    for (const auto& g : files->AsList()) globs.push_back(tmpl::ToDisplayString(g, tmpl::Dialect::kPebble));
  } else {
    return ctx.PropertyError(property, "must be a glob or a list of globs");
  }
  for (auto& g : globs)
    while (!g.empty() && g.front() == '/') g.erase(0, 1);
  std::vector<std::string> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return found;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string rel = it->path().lexically_relative(dir).generic_string();
    for (const auto& g : globs)
      if (GlobMatches(g, rel)) {
        found.push_back(rel);
        break;
      }
  }
  if (ec) return IoError("cannot list the namespace files in '" + dir.string() + "': " + ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

class UploadFilesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(fs::path dir, NamespaceDir(ctx));
    ASSIGN_OR_RETURN(std::string conflict, ctx.StringOr("conflict", "OVERWRITE"));
    ASSIGN_OR_RETURN(std::string destination, ctx.StringOr("destination", "/"));
    ASSIGN_OR_RETURN(std::optional<Value> files, ctx.Property("files"));
    if (!files) return ctx.PropertyError("files", "required property 'files' is missing");
    std::vector<std::pair<std::string, std::string>> uploads;  // namespace path, source URI
    if (files->is_map()) {
      for (const auto& [to, from] : files->AsMap()) {
        ASSIGN_OR_RETURN(std::string path, NamespacePath(ctx, "files", to));
        uploads.emplace_back(path, tmpl::ToDisplayString(from, tmpl::Dialect::kPebble));
      }
    } else if (files->is_list()) {
      for (const auto& from : files->AsList()) {
        std::string uri = tmpl::ToDisplayString(from, tmpl::Dialect::kPebble);
        std::string name = uri.substr(uri.find_last_of('/') + 1);
        ASSIGN_OR_RETURN(std::string path, NamespacePath(ctx, "files", destination + "/" + name));
        uploads.emplace_back(path, uri);
      }
    } else {
      return ctx.PropertyError("files", "must be a map of namespace path -> URI, or a list of URIs");
    }
    tmpl::ValueList written;
    for (const auto& [path, uri] : uploads) {
      fs::path target = dir / path;
      std::error_code ec;
      if (fs::exists(target, ec)) {
        if (conflict == "ERROR") return ctx.PropertyError("files", "namespace file '/" + path + "' already exists");
        if (conflict == "SKIP") {
          ctx.Log(LogLevel::kInfo, "namespace file '/" + path + "' exists: skipped");
          continue;
        }
      }
      auto local = ctx.ResolveFile(uri);
      if (!local.ok()) return ctx.PropertyError("files", local.status().ToString());
      fs::create_directories(target.parent_path(), ec);
      if (ec) return IoError("cannot create '" + target.parent_path().string() + "': " + ec.message());
      // Copied beside it, then renamed: a reader never sees half a file.
      fs::path partial = target;
      partial += ".uploading";
      fs::copy_file(*local, partial, fs::copy_options::overwrite_existing, ec);
      if (!ec) fs::rename(partial, target, ec);
      if (ec) {
        fs::remove(partial, ec);
        return IoError("cannot write namespace file '/" + path + "'");
      }
      written.push_back(Value("/" + path));
    }
    ctx.Log(LogLevel::kInfo, "uploaded " + std::to_string(written.size()) + " namespace file(s)");
    return Value::MakeMap({{"files", Value(std::move(written))}});
  }
};

class DownloadFilesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(fs::path dir, NamespaceDir(ctx));
    ASSIGN_OR_RETURN(std::vector<std::string> found, Matching(ctx, dir, "files"));
    tmpl::ValueMap uris;
    for (const auto& rel : found) {
      ASSIGN_OR_RETURN(std::string uri, ctx.StoreFile(dir / rel, "files/" + rel));
      uris.Set("/" + rel, Value(uri));
    }
    return Value::MakeMap({{"files", Value(std::move(uris))}});
  }
};

class DeleteFilesTask final : public flow::Task {
 public:
  Result<Value> Run(flow::TaskContext& ctx) override {
    ASSIGN_OR_RETURN(fs::path dir, NamespaceDir(ctx));
    ASSIGN_OR_RETURN(bool delete_parents, ctx.BoolOr("deleteParentFolder", false));
    ASSIGN_OR_RETURN(std::vector<std::string> found, Matching(ctx, dir, "files"));
    tmpl::ValueList deleted;
    for (const auto& rel : found) {
      std::error_code ec;
      fs::remove(dir / rel, ec);
      if (ec) return IoError("cannot delete namespace file '/" + rel + "': " + ec.message());
      deleted.push_back(Value("/" + rel));
      // Folders left empty go too when asked, up to the namespace's own.
      for (fs::path parent = (dir / rel).parent_path(); delete_parents && parent != dir && fs::is_empty(parent, ec);
           parent = parent.parent_path())
        fs::remove(parent, ec);
    }
    ctx.Log(LogLevel::kInfo, "deleted " + std::to_string(deleted.size()) + " namespace file(s)");
    return Value::MakeMap({{"files", Value(std::move(deleted))}});
  }
};

flow::PropertySpec NamespaceProperty() {
  return {.name = "namespace", .type = PropertyType::kString, .description = "The flow's own by default."};
}

}  // namespace

void RegisterNamespaceTasks(flow::TaskRegistry& registry) {
  registry.Register({
      .name = "namespace.UploadFiles",
      .aliases = {"io.kestra.plugin.core.namespace.UploadFiles"},
      .description = "Writes files (URIs) as namespace files: `files` maps a namespace path to a URI, or lists URIs "
                     "put under `destination`; outputs files.",
      .properties = {NamespaceProperty(),
                     {.name = "files", .type = PropertyType::kAny, .required = true},
                     {.name = "destination", .type = PropertyType::kString, .description = "For a list: '/' default."},
                     {.name = "conflict",
                      .type = PropertyType::kEnum,
                      .description = "When the file exists: OVERWRITE (default), ERROR or SKIP.",
                      .enum_values = {"OVERWRITE", "ERROR", "SKIP"}}},
      .factory = [] { return std::make_unique<UploadFilesTask>(); },
  });
  registry.Register({
      .name = "namespace.DownloadFiles",
      .aliases = {"io.kestra.plugin.core.namespace.DownloadFiles"},
      .description = "Copies the namespace files matching `files` (globs) into the execution's storage: outputs "
                     "files (namespace path -> URI).",
      .properties = {NamespaceProperty(), {.name = "files", .type = PropertyType::kAny, .required = true}},
      .factory = [] { return std::make_unique<DownloadFilesTask>(); },
  });
  registry.Register({
      .name = "namespace.DeleteFiles",
      .aliases = {"io.kestra.plugin.core.namespace.DeleteFiles"},
      .description = "Deletes the namespace files matching `files` (globs): outputs files.",
      .properties = {NamespaceProperty(),
                     {.name = "files", .type = PropertyType::kAny, .required = true},
                     {.name = "deleteParentFolder",
                      .type = PropertyType::kBool,
                      .description = "Also remove folders left empty; false by default."}},
      .factory = [] { return std::make_unique<DeleteFilesTask>(); },
  });
}

}  // namespace floe::tasks
