#include "models/packages.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <system_error>

#include "core/strings.h"
#include "models/internal/load_util.h"
#include "models/internal/loader.h"

namespace floe::models {

namespace fs = std::filesystem;
using flow::YamlNode;

namespace internal {

Result<std::vector<PackageSpec>> ReadPackageSpecs(const fs::path& root, const std::string& display_prefix) {
  std::vector<PackageSpec> specs;
  std::string name = "packages.yml";
  auto text = ReadWholeFile(root / name);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) {
    name = "dependencies.yml";
    text = ReadWholeFile(root / name);
    if (!text.ok() && text.status().code() == StatusCode::kNotFound) return specs;
  }
  if (!text.ok()) return std::move(text).status();
  const std::string display = display_prefix + name;
  ASSIGN_OR_RETURN(YamlNode doc, ParseYamlFile(*text, display));
  if (doc.is_null()) return specs;
  RETURN_IF_ERROR(ExpectMap(doc, display));
  const YamlNode* list = doc.Find("packages");
  if (list == nullptr || list->is_null()) return specs;
  RETURN_IF_ERROR(ExpectList(*list, display + " `packages:`"));
  RenderOptions render;
  render.context = tmpl::Value(tmpl::ValueMap());
  auto read = [&](const YamlNode& n, std::string_view what) -> Result<std::string> {
    if (!n.is_scalar()) return WrongShape(n, what, "a string");
    ASSIGN_OR_RETURN(tmpl::Value v, RenderValue(n, render));  // env_var() in git URLs
    return v.is_string() ? v.AsString() : n.scalar;
  };
  for (const auto& item : list->items) {
    RETURN_IF_ERROR(ExpectMap(item, "a package"));
    PackageSpec spec;
    spec.where = item.location;
    bool kind_set = false;
    for (const auto& e : item.entries) {
      auto set_kind = [&](PackageSpec::Kind kind) -> Status {
        if (kind_set) {
          return InvalidArgument("a package entry names more than one source (local, git, package, tarball)")
              .WithLocation(e.key_location);
        }
        kind_set = true;
        spec.kind = kind;
        ASSIGN_OR_RETURN(spec.location, read(e.value, "`" + e.key + ":`"));
        return Status::Ok();
      };
      if (e.key == "local") {
        RETURN_IF_ERROR(set_kind(PackageSpec::Kind::kLocal));
      } else if (e.key == "git") {
        RETURN_IF_ERROR(set_kind(PackageSpec::Kind::kGit));
      } else if (e.key == "package") {
        RETURN_IF_ERROR(set_kind(PackageSpec::Kind::kHub));
      } else if (e.key == "tarball") {
        RETURN_IF_ERROR(set_kind(PackageSpec::Kind::kTarball));
      } else if (e.key == "revision") {
        ASSIGN_OR_RETURN(spec.revision, read(e.value, "`revision:`"));
      } else if (e.key == "subdirectory") {
        ASSIGN_OR_RETURN(spec.subdirectory, read(e.value, "`subdirectory:`"));
      } else if (e.key == "version" || e.key == "warn-unpinned" || e.key == "install-prerelease" || e.key == "name") {
        // Hub version ranges, tarball names: informational here.
      } else {
        static const std::vector<std::string> kKeys = {"local",   "git",           "package",
                                                       "tarball", "revision",      "subdirectory",
                                                       "version", "warn-unpinned", "install-prerelease",
                                                       "name"};
        return InvalidArgument("unknown key '" + e.key + "' in a package entry" + SuggestionSuffix(e.key, kKeys))
            .WithLocation(e.key_location);
      }
    }
    if (!kind_set) {
      return InvalidArgument("a package entry needs one of `local:`, `git:` or `package:`").WithLocation(item.location);
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string LockedName(const fs::path& root, const PackageSpec& spec) {
  auto text = ReadWholeFile(root / "package-lock.yml");
  if (!text.ok()) return "";
  auto doc = ParseYamlFile(*text, "package-lock.yml");
  if (!doc.ok()) return "";
  const YamlNode* list = doc->Find("packages");
  if (list == nullptr || !list->is_sequence()) return "";
  const char* key = spec.kind == PackageSpec::Kind::kGit     ? "git"
                    : spec.kind == PackageSpec::Kind::kHub   ? "package"
                    : spec.kind == PackageSpec::Kind::kLocal ? "local"
                                                             : "tarball";
  for (const auto& item : list->items) {
    const YamlNode* loc = item.Find(key);
    const YamlNode* name = item.Find("name");
    const YamlNode* sub = item.Find("subdirectory");
    if (loc == nullptr || name == nullptr || loc->scalar != spec.location) continue;
    if ((sub ? sub->scalar : "") != spec.subdirectory) continue;
    return name->scalar;
  }
  return "";
}

}  // namespace internal

namespace {

using internal::PackageSpec;

struct LockEntry {
  PackageSpec spec;
  std::string name;
};

Result<std::string> PackageName(const fs::path& dir, const std::string& display) {
  std::vector<Warning> ignored;
  ASSIGN_OR_RETURN(internal::ProjectFile file, internal::ReadProjectFile(dir, display, &ignored));
  return file.name;
}

Status WriteLock(const fs::path& root, const std::vector<LockEntry>& entries) {
  std::string out = "# Written by `floe models deps`: the folder each package was installed to.\npackages:\n";
  for (const auto& e : entries) {
    const char* key = e.spec.kind == PackageSpec::Kind::kGit ? "git" : "local";
    out += "  - " + std::string(key) + ": " + JsonQuote(e.spec.location) + "\n";
    if (!e.spec.revision.empty()) out += "    revision: " + JsonQuote(e.spec.revision) + "\n";
    if (!e.spec.subdirectory.empty()) out += "    subdirectory: " + JsonQuote(e.spec.subdirectory) + "\n";
    out += "    name: " + JsonQuote(e.name) + "\n";
  }
  std::ofstream f(root / "package-lock.yml", std::ios::binary | std::ios::trunc);
  f << out;
  f.close();
  if (!f) return IoError("cannot write " + (root / "package-lock.yml").string());
  return Status::Ok();
}

}  // namespace

Result<std::vector<Package>> InstallPackages(const LoadOptions& options, const PackageFetcher& fetch) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(options.project_dir, ec), ec);
  std::vector<Warning> ignored;
  ASSIGN_OR_RETURN(internal::ProjectFile project, internal::ReadProjectFile(root, "", &ignored));
  const fs::path install = root / project.settings.packages_install_path;

  struct Pending {
    PackageSpec spec;
    fs::path base;  // the folder of the packages.yml that listed it
    bool from_root;
  };
  std::vector<Pending> queue;
  ASSIGN_OR_RETURN(auto root_specs, internal::ReadPackageSpecs(root, ""));
  for (auto& s : root_specs) queue.push_back({std::move(s), root, true});

  std::vector<Package> installed;
  std::vector<LockEntry> lock;
  std::set<std::string> done;  // kind + location + subdirectory
  std::set<std::string> names{project.name};
  for (size_t i = 0; i < queue.size(); ++i) {
    Pending p = queue[i];  // a copy: the queue grows below
    const PackageSpec& spec = p.spec;
    fs::path dir;
    std::string name;
    switch (spec.kind) {
      case PackageSpec::Kind::kHub:
        return Unavailable("package '" + spec.location + "' comes from the dbt package hub, which floe cannot reach")
            .WithLocation(spec.where)
            .WithHint("install it from git instead, e.g. `- git: https://github.com/" + spec.location +
                      ".git` with `revision: <tag>`");
      case PackageSpec::Kind::kTarball:
        return InvalidArgument("tarball packages are not supported: " + spec.location)
            .WithLocation(spec.where)
            .WithHint("use `git:` with `revision:`, or `local:` for an unpacked folder");
      case PackageSpec::Kind::kLocal: {
        dir = fs::weakly_canonical(p.base / spec.location, ec);
        if (!done.insert("local\x1f" + dir.string()).second) continue;
        if (!fs::exists(dir / "dbt_project.yml", ec)) {
          return NotFound("local package '" + spec.location + "' has no dbt_project.yml (looked in " + dir.string() +
                          ")")
              .WithLocation(spec.where);
        }
        ASSIGN_OR_RETURN(name, PackageName(dir, spec.location + "/"));
        if (!p.from_root) {
          // LoadProject finds packages of packages in the install folder.
          fs::create_directories(install, ec);
          fs::path link = install / name;
          if (!fs::exists(link, ec)) fs::create_directory_symlink(dir, link, ec);
          if (ec) return IoError("cannot link " + link.string() + " to " + dir.string() + ": " + ec.message());
        }
        break;
      }
      case PackageSpec::Kind::kGit: {
        if (!done.insert("git\x1f" + spec.location + "\x1f" + spec.subdirectory).second) continue;
        if (!fetch) return FailedPrecondition("no git fetcher: cannot install " + spec.location);
        fs::create_directories(install, ec);
        if (ec) return IoError("cannot create " + install.string() + ": " + ec.message());
        fs::path scratch = install / (".floe-fetch-" + std::to_string(i));
        fs::remove_all(scratch, ec);
        Status fetched = fetch(spec.location, spec.revision, scratch);
        if (!fetched.ok()) {
          fs::remove_all(scratch, ec);
          return std::move(fetched).WithContext("fetching package " + spec.location).WithLocation(spec.where);
        }
        fs::path source = spec.subdirectory.empty() ? scratch : scratch / spec.subdirectory;
        auto got = PackageName(source, spec.location + "/");
        if (!got.ok()) {
          fs::remove_all(scratch, ec);
          return std::move(got).status().WithContext("package " + spec.location);
        }
        name = *got;
        dir = install / name;
        fs::remove_all(dir, ec);
        fs::rename(source, dir, ec);
        if (ec) return IoError("cannot move " + source.string() + " to " + dir.string() + ": " + ec.message());
        fs::remove_all(scratch, ec);
        break;
      }
    }
    if (!names.insert(name).second) {
      return InvalidArgument("two packages are named '" + name + "'").WithLocation(spec.where);
    }
    installed.push_back({name, dir});
    lock.push_back({spec, name});
    ASSIGN_OR_RETURN(auto more, internal::ReadPackageSpecs(dir, name + "/"));
    for (auto& s : more) queue.push_back({std::move(s), dir, false});
  }
  RETURN_IF_ERROR(WriteLock(root, lock));
  return installed;
}

}  // namespace floe::models
