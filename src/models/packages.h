// Installing a project's packages (`floe models deps`): the entries of
// packages.yml (or dependencies.yml), fetched into the project's
// packages-install-path, with their own packages after them.
//
//   PackageFetcher fetch = [&](const std::string& url, const std::string& rev, const fs::path& into) {
//     return git.Clone(url, rev, into);
//   };
//   ASSIGN_OR_RETURN(std::vector<Package> installed, InstallPackages({.project_dir = "shop"}, fetch));
//
// `local:` packages are read in place by LoadProject and need nothing; one
// listed by another package is linked into the install folder, as dbt deps
// does. `git:` packages are fetched into a scratch folder, then moved to
// <install-path>/<their dbt_project.yml name> (their `subdirectory:` only,
// when given). Hub packages (`package: dbt-labs/dbt_utils`) are an error:
// the hub is not reachable offline, and `git:` names the same code.
// package-lock.yml in the project records each package's folder name.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/project.h"

namespace floe::models {

// Fetches `url` at `revision` (a branch, tag or commit; empty: the default
// branch) into the folder `into`, which does not exist yet.
using PackageFetcher =
    std::function<Status(const std::string& url, const std::string& revision, const std::filesystem::path& into)>;

// Installs every package the project needs, transitively. Returns them in
// install order (local ones with their folders in place). On error, packages
// installed before it stay installed.
Result<std::vector<Package>> InstallPackages(const LoadOptions& options, const PackageFetcher& fetch);

}  // namespace floe::models
