#include "flow/repository.h"

#include <algorithm>
#include <map>

namespace floe::flow {

FlowRepository FlowRepository::Scan(const std::vector<std::filesystem::path>& dirs, const TaskRegistry& registry) {
  FlowRepository repo;
  repo.registry_ = &registry;
  repo.dirs_ = dirs;
  std::vector<std::filesystem::path> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    auto it = std::filesystem::recursive_directory_iterator(dir, ec);
    for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (it->is_directory(ec) && (name.starts_with("_") || name.starts_with("."))) {
        it.disable_recursion_pending();
        continue;
      }
      std::string ext = it->path().extension().string();
      if (it->is_regular_file(ec) && (ext == ".yml" || ext == ".yaml")) files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::map<std::string, std::filesystem::path> seen;
  for (const auto& file : files) {
    Entry entry{.path = file};
    Result<std::string> text = ReadFlowFile(file);
    if (!text.ok()) {
      entry.errors.push_back(Status(text.status()).WithLocation({file.string(), 1, 1}));
      repo.entries_.push_back(std::move(entry));
      continue;
    }
    FlowParse parse = ParseFlow(*text, file.string(), registry);
    entry.errors = std::move(parse.errors);
    if (parse.flow) {
      entry.namespace_ = parse.flow->namespace_;
      entry.id = parse.flow->id;
      auto [at, fresh] = seen.emplace(entry.namespace_ + "." + entry.id, file);
      if (!fresh) {
        entry.errors.push_back(InvalidArgument("flow " + entry.namespace_ + "." + entry.id + " is also defined in '" +
                                               at->second.string() + "'")
                                   .WithLocation({file.string(), 1, 1}));
      }
    }
    repo.entries_.push_back(std::move(entry));
  }
  return repo;
}

Result<Flow> FlowRepository::Load(const std::string& ns, const std::string& id) const {
  for (const auto& e : entries_) {
    if (e.namespace_ != ns || e.id != id) continue;
    if (!e.errors.empty()) return CombineErrors(e.errors);
    return LoadFlowFile(e.path, *registry_);
  }
  std::string searched;
  for (const auto& d : dirs_) searched += (searched.empty() ? "" : ", ") + d.string();
  return NotFound("no flow " + ns + "." + id + " in the flows folder" + (dirs_.size() == 1 ? "" : "s") + " (" +
                  searched + ")")
      .WithHint("put its YAML file under a flows folder (--flows or $FLOE_FLOWS)");
}

}  // namespace floe::flow
