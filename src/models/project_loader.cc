// LoadProject: dbt_project.yml, the files of every resource folder, property
// files and installed packages, in a deterministic order.

#include <algorithm>
#include <set>
#include <system_error>

#include "core/parallel.h"
#include "core/strings.h"
#include "models/config_keys.h"
#include "models/internal/load_util.h"
#include "models/internal/loader.h"
#include "models/project.h"

namespace floe::models {

namespace fs = std::filesystem;
using flow::YamlNode;

std::string_view ResourceTypeName(ResourceType type) {
  switch (type) {
    case ResourceType::kModel:
      return "model";
    case ResourceType::kSeed:
      return "seed";
    case ResourceType::kSnapshot:
      return "snapshot";
    case ResourceType::kTest:
      return "test";
    case ResourceType::kAnalysis:
      return "analysis";
    case ResourceType::kOperation:
      return "operation";
  }
  return "?";
}

namespace internal {
namespace {

const std::vector<std::string>& KnownProjectKeys() {
  static const std::vector<std::string> kKeys = {"name",
                                                 "version",
                                                 "config-version",
                                                 "profile",
                                                 "model-paths",
                                                 "source-paths",
                                                 "seed-paths",
                                                 "data-paths",
                                                 "test-paths",
                                                 "analysis-paths",
                                                 "macro-paths",
                                                 "snapshot-paths",
                                                 "docs-paths",
                                                 "asset-paths",
                                                 "target-path",
                                                 "log-path",
                                                 "packages-install-path",
                                                 "modules-path",
                                                 "clean-targets",
                                                 "require-dbt-version",
                                                 "vars",
                                                 "on-run-start",
                                                 "on-run-end",
                                                 "models",
                                                 "seeds",
                                                 "snapshots",
                                                 "sources",
                                                 "tests",
                                                 "data_tests",
                                                 "analyses",
                                                 "metrics",
                                                 "semantic-models",
                                                 "saved-queries",
                                                 "exposures",
                                                 "unit_tests",
                                                 "dispatch",
                                                 "query-comment",
                                                 "quoting",
                                                 "restrict-access",
                                                 "flags",
                                                 "dbt-cloud",
                                                 "quoting"};
  return kKeys;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

Status ReadPaths(const YamlNode& doc, std::string_view key, std::vector<std::string>* out) {
  const YamlNode* n = doc.Find(key);
  if (n == nullptr) return Status::Ok();
  ASSIGN_OR_RETURN(*out, ReadStringList(*n, "dbt_project.yml `" + std::string(key) + ":`"));
  return Status::Ok();
}

Status ReadHooks(const YamlNode& doc, std::string_view key, std::vector<std::string>* out) {
  const YamlNode* n = doc.Find(key);
  if (n == nullptr) return Status::Ok();
  ASSIGN_OR_RETURN(*out, ReadStringList(*n, "dbt_project.yml `" + std::string(key) + ":`"));
  return Status::Ok();
}

}  // namespace

Result<ProjectFile> ReadProjectFile(const fs::path& root, const std::string& display_prefix,
                                    std::vector<Warning>* warnings) {
  ProjectFile file;
  file.root = root;
  file.display_path = display_prefix + "dbt_project.yml";
  auto text = ReadWholeFile(root / "dbt_project.yml");
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      return NotFound("no dbt_project.yml in " + root.string())
          .WithHint("point at the folder that holds the project's dbt_project.yml");
    }
    return std::move(text).status();
  }
  ASSIGN_OR_RETURN(file.doc, ParseYamlFile(*text, file.display_path));
  const YamlNode& doc = file.doc;
  if (doc.is_null()) return InvalidArgument("dbt_project.yml is empty").WithLocation({file.display_path, 1, 1});
  RETURN_IF_ERROR(ExpectMap(doc, file.display_path));
  WarnUnknownKeys(doc, KnownProjectKeys(), file.display_path, warnings);

  Project& s = file.settings;
  const YamlNode* name = doc.Find("name");
  if (name == nullptr) {
    return InvalidArgument("dbt_project.yml has no `name:`")
        .WithLocation(doc.location)
        .WithHint("add `name: my_project` (letters, digits and underscores)");
  }
  ASSIGN_OR_RETURN(s.name, ReadString(*name, "dbt_project.yml `name:`"));
  if (!IsIdentifier(s.name)) {
    return InvalidArgument("project name '" + s.name + "' is not valid: use letters, digits and underscores")
        .WithLocation(name->location);
  }
  file.name = s.name;
  s.root = root;
  s.profile = s.name;
  if (const YamlNode* n = doc.Find("profile"); n && !n->is_null()) {
    ASSIGN_OR_RETURN(s.profile, ReadString(*n, "dbt_project.yml `profile:`"));
  }
  if (const YamlNode* n = doc.Find("version"); n && !n->is_null()) {
    ASSIGN_OR_RETURN(s.version, ReadString(*n, "dbt_project.yml `version:`"));
  }
  if (const YamlNode* n = doc.Find("config-version"); n && !n->is_null()) {
    ASSIGN_OR_RETURN(int v, ReadInt(*n, "dbt_project.yml `config-version:`"));
    if (v != 2)
      return InvalidArgument("config-version " + std::to_string(v) + " is not supported: use 2")
          .WithLocation(n->location);
  }
  RETURN_IF_ERROR(ReadPaths(doc, "source-paths", &s.model_paths));  // before dbt 1.0
  RETURN_IF_ERROR(ReadPaths(doc, "model-paths", &s.model_paths));
  RETURN_IF_ERROR(ReadPaths(doc, "data-paths", &s.seed_paths));  // before dbt 1.0
  RETURN_IF_ERROR(ReadPaths(doc, "seed-paths", &s.seed_paths));
  RETURN_IF_ERROR(ReadPaths(doc, "test-paths", &s.test_paths));
  RETURN_IF_ERROR(ReadPaths(doc, "macro-paths", &s.macro_paths));
  RETURN_IF_ERROR(ReadPaths(doc, "snapshot-paths", &s.snapshot_paths));
  RETURN_IF_ERROR(ReadPaths(doc, "analysis-paths", &s.analysis_paths));
  RETURN_IF_ERROR(ReadPaths(doc, "docs-paths", &s.docs_paths));
  RETURN_IF_ERROR(ReadPaths(doc, "clean-targets", &s.clean_targets));
  if (const YamlNode* n = doc.Find("target-path"); n && !n->is_null()) {
    ASSIGN_OR_RETURN(s.target_path, ReadString(*n, "dbt_project.yml `target-path:`"));
  }
  for (const char* key : {"modules-path", "packages-install-path"}) {
    if (const YamlNode* n = doc.Find(key); n && !n->is_null()) {
      ASSIGN_OR_RETURN(s.packages_install_path, ReadString(*n, "dbt_project.yml `" + std::string(key) + ":`"));
    }
  }
  if (const YamlNode* n = doc.Find("require-dbt-version"); n && !n->is_null()) {
    ASSIGN_OR_RETURN(std::vector<std::string> versions, ReadStringList(*n, "dbt_project.yml `require-dbt-version:`"));
    for (const auto& v : versions) s.require_dbt_version += (s.require_dbt_version.empty() ? "" : ", ") + v;
  }
  s.vars = tmpl::Value(tmpl::ValueMap());
  if (const YamlNode* n = doc.Find("vars"); n && !n->is_null()) {
    RETURN_IF_ERROR(ExpectMap(*n, "dbt_project.yml `vars:`"));
    s.vars = n->ToValue();
  }
  RETURN_IF_ERROR(ReadHooks(doc, "on-run-start", &s.on_run_start));
  RETURN_IF_ERROR(ReadHooks(doc, "on-run-end", &s.on_run_end));
  return file;
}

Result<ProjectTrees> BuildTrees(const ProjectFile& file, const RenderOptions& render, std::vector<Warning>* warnings) {
  ProjectTrees trees;
  const YamlNode& doc = file.doc;
  ASSIGN_OR_RETURN(trees.models, ConfigTree::Parse(doc.Find("models"), "models", render, warnings));
  ASSIGN_OR_RETURN(trees.seeds, ConfigTree::Parse(doc.Find("seeds"), "seeds", render, warnings));
  const char* tests_key = doc.Find("data_tests") ? "data_tests" : "tests";
  ASSIGN_OR_RETURN(trees.tests, ConfigTree::Parse(doc.Find(tests_key), tests_key, render, warnings));
  ASSIGN_OR_RETURN(trees.snapshots, ConfigTree::Parse(doc.Find("snapshots"), "snapshots", render, warnings));
  ASSIGN_OR_RETURN(trees.sources, ConfigTree::Parse(doc.Find("sources"), "sources", render, warnings));
  return trees;
}

tmpl::Value LoadState::TreeConfig(const PackageLoad& pkg, ConfigTree ProjectTrees::*tree,
                                  const std::vector<std::string>& fqn) {
  tmpl::ValueMap config;
  if (pkg.own_trees != nullptr) (pkg.own_trees->*tree).Apply(fqn, config);
  (root_trees->*tree).Apply(fqn, config);
  return tmpl::Value(std::move(config));
}

}  // namespace internal

namespace {

using internal::LoadState;
using internal::NameKey;
using internal::PackageLoad;
using internal::ProjectFile;
using internal::ProjectTrees;

// Regular files under `dir` (symlinks followed), as '/'-separated paths
// relative to it, sorted. A missing folder has no files.
Result<std::vector<std::string>> ListFiles(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  auto options = fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied;
  fs::recursive_directory_iterator it(dir, options, ec), end;
  if (ec) return IoError("cannot list " + dir.string() + ": " + ec.message());
  const size_t prefix = dir.native().size() + 1;
  for (; it != end; it.increment(ec)) {
    if (ec) return IoError("cannot list " + dir.string() + ": " + ec.message());
    const std::string& native = it->path().native();
    std::string_view base = std::string_view(native).substr(native.rfind('/') + 1);
    if (!base.empty() && base[0] == '.') {  // .git, editor files
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    out.emplace_back(native.substr(prefix));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view Extension(std::string_view rel) {
  size_t slash = rel.rfind('/');
  size_t dot = rel.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  return rel.substr(dot);
}

std::string Stem(std::string_view rel) {
  size_t slash = rel.rfind('/');
  std::string_view base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  size_t dot = base.rfind('.');
  return std::string(dot == std::string_view::npos ? base : base.substr(0, dot));
}

// {package, folders..., name}.
std::vector<std::string> MakeFqn(const std::string& package, std::string_view rel, const std::string& name) {
  std::vector<std::string> fqn{package};
  size_t start = 0;
  for (size_t slash = rel.find('/'); slash != std::string_view::npos; slash = rel.find('/', start)) {
    fqn.emplace_back(rel.substr(start, slash - start));
    start = slash + 1;
  }
  fqn.push_back(name);
  return fqn;
}

std::string JoinPath(const std::string& folder, const std::string& rel) {
  if (folder.empty() || folder == ".") return rel;
  std::string out = fs::path(folder).lexically_normal().generic_string();
  if (!out.empty() && out.back() == '/') out.pop_back();
  return out + "/" + rel;
}

// Names of `{% snapshot name %}` blocks in a snapshot file, in order.
std::vector<std::string> SnapshotBlockNames(std::string_view text) {
  std::vector<std::string> names;
  for (size_t pos = text.find("{%"); pos != std::string_view::npos; pos = text.find("{%", pos + 2)) {
    size_t p = pos + 2;
    if (p < text.size() && (text[p] == '-' || text[p] == '+')) ++p;
    while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
    if (text.compare(p, 8, "snapshot") != 0) continue;
    p += 8;
    if (p >= text.size() || !std::isspace(static_cast<unsigned char>(text[p]))) continue;
    while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
    size_t start = p;
    while (p < text.size() && (std::isalnum(static_cast<unsigned char>(text[p])) || text[p] == '_')) ++p;
    if (p > start) names.emplace_back(text.substr(start, p - start));
  }
  return names;
}

class Loader {
 public:
  Loader(Project& project, LoadState& state) : project_(project), state_(state) {}

  // Reads the SQL of every node LoadFiles found, on every core: for 10,000
  // small files the system calls cost more than anything else in loading.
  // The first unreadable file (in discovery order) is the error.
  Status ReadCode() {
    std::vector<Status> results(unread_.size());
    ParallelFor(unread_.size(), 256, [&](size_t k) {
      Node& n = project_.nodes[unread_[k]];
      auto text = internal::ReadWholeFile(n.package_root / n.original_file_path);
      if (text.ok()) {
        n.raw_code = std::move(*text);
      } else {
        results[k] = text.status();
      }
    });
    unread_.clear();
    for (auto& r : results)
      if (!r.ok()) return r;
    return Status::Ok();
  }

  // Discovers every file of one package and reads all but the nodes' SQL
  // (ReadCode reads that).
  Status LoadFiles(PackageLoad& pkg) {
    const Project& s = pkg.file->settings;
    // Room for every file found (moving 10,000 nodes as the vector grows is not free).
    auto make_room = [&](size_t files) {
      std::vector<Node>& nodes = project_.nodes;
      if (nodes.size() + files > nodes.capacity()) nodes.reserve(std::max(nodes.size() + files, 2 * nodes.capacity()));
    };
    const std::string& package = s.name;
    const bool default_docs = s.docs_paths.empty();
    std::set<std::string> property_seen;  // original_file_path, as folders may overlap
    auto add_property_file = [&](const std::string& original) {
      if (property_seen.insert(original).second) pkg.property_files.push_back(pkg.file->root / original);
    };
    auto add_docs = [&](const std::string& original) -> Status {
      if (!docs_seen_.insert(NameKey(package, original)).second) return Status::Ok();
      ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(pkg.file->root / original));
      project_.docs.push_back({package, original, std::move(text)});
      return Status::Ok();
    };
    auto is_yaml = [](std::string_view ext) { return ext == ".yml" || ext == ".yaml"; };

    for (const auto& folder : s.model_paths) {
      ASSIGN_OR_RETURN(auto files, ListFiles(pkg.file->root / folder));
      make_room(files.size());
      for (const auto& rel : files) {
        std::string_view ext = Extension(rel);
        std::string original = JoinPath(folder, rel);
        if (ext == ".sql") {
          RETURN_IF_ERROR(AddNode(pkg, ResourceType::kModel, folder, rel, &ProjectTrees::models, true));
        } else if (ext == ".py") {
          return InvalidArgument("Python models are not supported: " + pkg.display_prefix + original)
              .WithLocation({pkg.display_prefix + original, 1, 1})
              .WithHint("floe builds SQL models in process; rewrite it as a .sql model or run it in a flow task");
        } else if (is_yaml(ext)) {
          add_property_file(original);
        } else if (ext == ".md" && default_docs) {
          RETURN_IF_ERROR(add_docs(original));
        }
      }
    }
    for (const auto& folder : s.seed_paths) {
      ASSIGN_OR_RETURN(auto files, ListFiles(pkg.file->root / folder));
      for (const auto& rel : files) {
        std::string_view ext = Extension(rel);
        if (ext == ".csv") {
          RETURN_IF_ERROR(AddNode(pkg, ResourceType::kSeed, folder, rel, &ProjectTrees::seeds, false));
        } else if (is_yaml(ext)) {
          add_property_file(JoinPath(folder, rel));
        } else if (ext == ".md" && default_docs) {
          RETURN_IF_ERROR(add_docs(JoinPath(folder, rel)));
        }
      }
    }
    for (const auto& folder : s.test_paths) {
      ASSIGN_OR_RETURN(auto files, ListFiles(pkg.file->root / folder));
      for (const auto& rel : files) {
        std::string_view ext = Extension(rel);
        if (ext == ".sql") {
          if (rel.rfind("generic/", 0) == 0) {
            RETURN_IF_ERROR(AddMacroFile(pkg, JoinPath(folder, rel)));
          } else {
            RETURN_IF_ERROR(AddNode(pkg, ResourceType::kTest, folder, rel, &ProjectTrees::tests, true));
          }
        } else if (is_yaml(ext)) {
          add_property_file(JoinPath(folder, rel));
        }
      }
    }
    for (const auto& folder : s.analysis_paths) {
      ASSIGN_OR_RETURN(auto files, ListFiles(pkg.file->root / folder));
      for (const auto& rel : files) {
        std::string_view ext = Extension(rel);
        if (ext == ".sql") {
          // dbt_project.yml has no `analyses:` tree; analyses take the models tree's paths.
          RETURN_IF_ERROR(AddNode(pkg, ResourceType::kAnalysis, folder, rel, nullptr, true));
        } else if (is_yaml(ext)) {
          add_property_file(JoinPath(folder, rel));
        } else if (ext == ".md" && default_docs) {
          RETURN_IF_ERROR(add_docs(JoinPath(folder, rel)));
        }
      }
    }
    for (const auto& folder : s.macro_paths) {
      ASSIGN_OR_RETURN(auto files, ListFiles(pkg.file->root / folder));
      for (const auto& rel : files) {
        std::string_view ext = Extension(rel);
        if (ext == ".sql") {
          RETURN_IF_ERROR(AddMacroFile(pkg, JoinPath(folder, rel)));
        } else if (is_yaml(ext)) {
          add_property_file(JoinPath(folder, rel));
        } else if (ext == ".md" && default_docs) {
          RETURN_IF_ERROR(add_docs(JoinPath(folder, rel)));
        }
      }
    }
    for (const auto& folder : s.snapshot_paths) {
      ASSIGN_OR_RETURN(auto files, ListFiles(pkg.file->root / folder));
      for (const auto& rel : files) {
        std::string_view ext = Extension(rel);
        if (ext == ".sql") {
          RETURN_IF_ERROR(AddSnapshotFile(pkg, folder, rel));
        } else if (is_yaml(ext)) {
          add_property_file(JoinPath(folder, rel));
        } else if (ext == ".md" && default_docs) {
          RETURN_IF_ERROR(add_docs(JoinPath(folder, rel)));
        }
      }
    }
    for (const auto& folder : s.docs_paths) {
      ASSIGN_OR_RETURN(auto files, ListFiles(pkg.file->root / folder));
      for (const auto& rel : files) {
        if (Extension(rel) == ".md") RETURN_IF_ERROR(add_docs(JoinPath(folder, rel)));
      }
    }
    return Status::Ok();
  }

 private:
  Status AddNode(const PackageLoad& pkg, ResourceType type, const std::string& folder, const std::string& rel,
                 ConfigTree ProjectTrees::*tree, bool read_code) {
    const std::string& package = pkg.file->name;
    Node node;
    node.resource_type = type;
    node.package = package;
    node.name = Stem(rel);
    node.unique_id.reserve(package.size() + node.name.size() + 10);
    node.unique_id.append(ResourceTypeName(type)).append(".").append(package).append(".").append(node.name);
    node.path = rel;
    node.original_file_path = JoinPath(folder, rel);
    node.package_root = pkg.file->root;
    node.fqn = MakeFqn(package, rel, node.name);
    node.config = tree != nullptr ? state_.TreeConfig(pkg, tree, node.fqn) : tmpl::Value(tmpl::ValueMap());
    if (const tmpl::Value* meta = node.config.Get("meta")) node.meta = *meta;
    const size_t index = project_.nodes.size();
    if (read_code) unread_.push_back(index);
    std::string key = NameKey(package, node.name);
    switch (type) {
      case ResourceType::kModel:
        state_.models[key].push_back(index);
        break;
      case ResourceType::kSeed:
        state_.seeds[key].push_back(index);
        break;
      case ResourceType::kAnalysis:
        state_.analyses[key].push_back(index);
        break;
      default:
        break;
    }
    project_.nodes.push_back(std::move(node));
    return Status::Ok();
  }

  Status AddMacroFile(const PackageLoad& pkg, const std::string& original) {
    MacroFile macro;
    macro.package = pkg.file->name;
    macro.original_file_path = original;
    macro.absolute_path = pkg.file->root / original;
    ASSIGN_OR_RETURN(macro.text, internal::ReadWholeFile(macro.absolute_path));
    project_.macros.push_back(std::move(macro));
    return Status::Ok();
  }

  Status AddSnapshotFile(const PackageLoad& pkg, const std::string& folder, const std::string& rel) {
    SnapshotFile file;
    file.package = pkg.file->name;
    file.path = rel;
    file.original_file_path = JoinPath(folder, rel);
    file.package_root = pkg.file->root;
    ASSIGN_OR_RETURN(file.text, internal::ReadWholeFile(pkg.file->root / file.original_file_path));
    // dbt's fqn for a snapshot ends with its block's name; a file usually
    // holds one block, which names the path the tree applies to.
    std::vector<std::string> blocks = SnapshotBlockNames(file.text);
    for (const auto& b : blocks) state_.snapshot_names.emplace(NameKey(file.package, b), project_.snapshots.size());
    // dbt's snapshot fqn holds the file name too: [package, folders..., file stem, block].
    std::vector<std::string> fqn = MakeFqn(file.package, rel, Stem(rel));
    if (blocks.size() == 1) fqn.push_back(blocks[0]);
    file.config = state_.TreeConfig(pkg, &ProjectTrees::snapshots, fqn);
    project_.snapshots.push_back(std::move(file));
    return Status::Ok();
  }

  Project& project_;
  LoadState& state_;
  std::set<std::string> docs_seen_;
  std::vector<size_t> unread_;  // nodes whose SQL ReadCode reads
};

// Resolves packages.yml entries to installed folders; errors for those
// missing. Then adds every other installed package (transitive
// dependencies, which deps installs side by side).
Result<std::vector<std::pair<std::string, fs::path>>> FindPackages(const ProjectFile& root_file,
                                                                   std::vector<Warning>* warnings) {
  std::vector<std::pair<std::string, fs::path>> found;  // display prefix, root
  std::set<fs::path> seen_roots;
  ASSIGN_OR_RETURN(auto specs, internal::ReadPackageSpecs(root_file.root, ""));
  const fs::path install = root_file.root / root_file.settings.packages_install_path;
  const std::string install_display = fs::path(root_file.settings.packages_install_path).generic_string() + "/";
  std::set<std::string> installed_names;
  for (const auto& spec : specs) {
    using Kind = internal::PackageSpec::Kind;
    if (spec.kind == Kind::kLocal) {
      fs::path dir = (root_file.root / spec.location).lexically_normal();
      std::error_code ec;
      if (!fs::exists(dir / "dbt_project.yml", ec)) {
        return NotFound("local package '" + spec.location + "' has no dbt_project.yml (looked in " + dir.string() + ")")
            .WithLocation(spec.where);
      }
      fs::path canonical = fs::weakly_canonical(dir, ec);
      if (seen_roots.insert(canonical).second) {
        std::string display = fs::path(spec.location).lexically_normal().generic_string();
        if (!display.empty() && display.back() != '/') display += "/";
        found.emplace_back(display, canonical);
      }
      continue;
    }
    std::vector<std::string> candidates;
    if (std::string locked = internal::LockedName(root_file.root, spec); !locked.empty()) candidates.push_back(locked);
    std::string base = spec.location;
    while (!base.empty() && base.back() == '/') base.pop_back();
    base = base.substr(base.rfind('/') + 1);
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".git") == 0) base.resize(base.size() - 4);
    if (spec.kind == Kind::kGit && !spec.subdirectory.empty()) base = fs::path(spec.subdirectory).filename().string();
    candidates.push_back(base);
    std::string underscored = base;
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    candidates.push_back(underscored);
    bool ok = false;
    for (const auto& c : candidates) {
      std::error_code ec;
      if (fs::exists(install / c / "dbt_project.yml", ec)) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      return FailedPrecondition("package '" + base + "' is not installed; run `floe models deps`")
          .WithLocation(spec.where)
          .WithHint("deps installs packages.yml's entries into " + install_display);
    }
  }
  // Every installed package, whatever listed it (packages of packages too).
  std::error_code ec;
  std::vector<fs::path> dirs;
  if (fs::is_directory(install, ec)) {
    for (const auto& entry : fs::directory_iterator(install, ec)) {
      if (entry.path().filename().string().rfind('.', 0) == 0) continue;
      if (fs::exists(entry.path() / "dbt_project.yml", ec)) dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    fs::path canonical = fs::weakly_canonical(d, ec);
    if (!seen_roots.insert(canonical).second) continue;  // a `local:` package dbt deps linked here
    found.emplace_back(install_display + d.filename().string() + "/", canonical);
  }
  (void)warnings;
  return found;
}

tmpl::Value MakeVarFunction(const tmpl::Value& root_vars, const std::string& package, const tmpl::Value& own_vars) {
  return tmpl::Value::MakeCallable("var", [root_vars, package, own_vars](tmpl::CallArgs& args) -> Result<tmpl::Value> {
    const tmpl::Value* name = args.Arg(0, "name");
    if (name == nullptr || !name->is_string()) return InvalidArgument("var() needs a variable name");
    const std::string& n = name->AsString();
    // dbt's order: the root project's vars scoped to this package, the root's
    // global vars, then the package's own dbt_project.yml vars.
    if (const tmpl::Value* scoped = root_vars.Get(package)) {
      if (const tmpl::Value* v = scoped->Get(n)) return *v;
    }
    if (const tmpl::Value* v = root_vars.Get(n)) return *v;
    if (const tmpl::Value* v = own_vars.Get(n)) return *v;
    if (const tmpl::Value* fallback = args.Arg(1, "default")) return *fallback;
    return InvalidArgument("Required var '" + n + "' not found in config: vars supplied to " + package + " = {}");
  });
}

}  // namespace

Result<Project> LoadProject(const LoadOptions& options) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(options.project_dir, ec), ec);
  if (ec) return IoError("cannot resolve " + options.project_dir.string() + ": " + ec.message());

  Project project;
  ASSIGN_OR_RETURN(ProjectFile root_file, internal::ReadProjectFile(root, "", &project.warnings));
  {
    // Settings first; nodes and the rest are filled below.
    std::vector<Warning> warnings = std::move(project.warnings);
    project = root_file.settings;
    project.warnings = std::move(warnings);
  }

  LoadState state;
  state.project = &project;
  auto render_for = [&](const std::string& package, const tmpl::Value& own_vars) {
    internal::RenderOptions render;
    tmpl::ValueMap context;
    context.Set("var", MakeVarFunction(project.vars, package, own_vars));
    if (!options.target.is_null()) context.Set("target", options.target);
    render.context = tmpl::Value(std::move(context));
    render.unrendered = {"pre-hook",  "post-hook",  "pre_hook",  "post_hook",
                         "+pre-hook", "+post-hook", "+pre_hook", "+post_hook"};
    if (options.target.is_null()) render.keep_if_mentions = "target";
    return render;
  };
  state.render = render_for(project.name, project.vars);
  ASSIGN_OR_RETURN(ProjectTrees root_trees, internal::BuildTrees(root_file, state.render, &project.warnings));
  state.root_trees = &root_trees;

  // Packages: each is a project of its own.
  ASSIGN_OR_RETURN(auto package_dirs, FindPackages(root_file, &project.warnings));
  std::vector<std::unique_ptr<ProjectFile>> package_files;
  std::vector<std::unique_ptr<ProjectTrees>> package_trees;
  std::vector<PackageLoad> loads;
  loads.push_back({&root_file, nullptr, "", {}});
  std::set<std::string> package_names{project.name};
  for (const auto& [display, dir] : package_dirs) {
    std::vector<Warning> ignored;  // a package's own unknown keys are its authors' business
    ASSIGN_OR_RETURN(ProjectFile file, internal::ReadProjectFile(dir, display, &ignored));
    if (!package_names.insert(file.name).second) {
      if (file.name == project.name) continue;  // the root project, linked into its own packages folder
      return InvalidArgument("two installed packages are named '" + file.name + "'")
          .WithLocation({file.display_path, 1, 1});
    }
    auto f = std::make_unique<ProjectFile>(std::move(file));
    internal::RenderOptions render = render_for(f->name, f->settings.vars);
    ASSIGN_OR_RETURN(ProjectTrees trees, internal::BuildTrees(*f, render, &ignored));
    package_trees.push_back(std::make_unique<ProjectTrees>(std::move(trees)));
    project.packages.push_back({f->name, f->root});
    loads.push_back({f.get(), package_trees.back().get(), display, {}});
    package_files.push_back(std::move(f));
  }

  Loader loader(project, state);
  for (auto& pkg : loads) RETURN_IF_ERROR(loader.LoadFiles(pkg));
  RETURN_IF_ERROR(loader.ReadCode());
  for (auto& pkg : loads) {
    for (const auto& file : pkg.property_files) RETURN_IF_ERROR(internal::LoadPropertyFile(file, pkg, state));
  }

  // Names that ref() resolves must be unique within a package: models
  // (name and version) and seeds share one namespace.
  std::unordered_map<std::string, size_t> refable, others;
  for (size_t i = 0; i < project.nodes.size(); ++i) {
    const Node& n = project.nodes[i];
    const tmpl::Value* enabled = n.config.Get("enabled");
    if (enabled != nullptr && enabled->is_bool() && !enabled->AsBool()) continue;  // dbt allows a disabled twin
    bool is_refable = n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSeed;
    std::string key = NameKey(n.package, n.name);
    if (n.version) key += ".v" + *n.version;
    if (!is_refable) key = std::string(ResourceTypeName(n.resource_type)) + ":" + key;
    auto [it, inserted] = (is_refable ? refable : others).emplace(key, i);
    if (inserted) continue;
    const Node& first = project.nodes[it->second];
    std::string what =
        first.resource_type == n.resource_type ? std::string(ResourceTypeName(n.resource_type)) + "s" : "resources";
    return InvalidArgument("dbt found two " + what + " with the name \"" + n.name + "\" in package '" + n.package +
                           "': " + first.original_file_path + " and " + n.original_file_path)
        .WithLocation({n.original_file_path, 1, 1})
        .WithHint("rename one of them, or disable one with `enabled: false`");
  }

  root_trees.models.ReportUnused(&project.warnings);
  root_trees.seeds.ReportUnused(&project.warnings);
  root_trees.tests.ReportUnused(&project.warnings);
  root_trees.snapshots.ReportUnused(&project.warnings);
  root_trees.sources.ReportUnused(&project.warnings);
  return project;
}

}  // namespace floe::models
