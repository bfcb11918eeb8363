#include "flow/repository.h"

#include <algorithm>
#include <map>
#include <set>

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

namespace {

struct SubflowCall {
  std::string target;  // "namespace.flowId"
  std::string ns, id;
  SourceLocation location;
};

void CollectCalls(const std::vector<TaskSpec>& tasks, std::vector<SubflowCall>& out) {
  for (const auto& t : tasks) {
    if (t.task_type &&
        (t.task_type->flowable == Flowable::kSubflow || t.task_type->flowable == Flowable::kForEachItem)) {
      const YamlNode* ns = t.properties.Find("namespace");
      const YamlNode* id = t.properties.Find("flowId");
      bool literal = ns && id && ns->is_scalar() && id->is_scalar() && !ns->tmpl && !id->tmpl;
      if (literal) out.push_back({ns->scalar + "." + id->scalar, ns->scalar, id->scalar, t.location});
    }
    for (const auto& b : t.branches) CollectCalls(b.tasks, out);
  }
}

std::vector<SubflowCall> CallsOf(const Flow& flow) {
  std::vector<SubflowCall> calls;
  CollectCalls(flow.tasks, calls);
  CollectCalls(flow.errors, calls);
  CollectCalls(flow.finally_tasks, calls);
  return calls;
}

// A path of flows from `from` back to `root`, or empty.
std::vector<std::string> PathBack(const std::string& from, const std::string& root, const FlowRepository& repo,
                                  std::map<std::string, std::vector<SubflowCall>>& calls_of,
                                  std::set<std::string>& visited) {
  if (from == root) return {root};
  if (!visited.insert(from).second) return {};
  auto it = calls_of.find(from);
  if (it == calls_of.end()) {
    size_t dot = from.rfind('.');
    auto loaded = repo.Load(from.substr(0, dot), from.substr(dot + 1));
    it = calls_of.emplace(from, loaded.ok() ? CallsOf(*loaded) : std::vector<SubflowCall>{}).first;
  }
  for (const auto& call : it->second) {
    std::vector<std::string> rest = PathBack(call.target, root, repo, calls_of, visited);
    if (!rest.empty()) {
      rest.insert(rest.begin(), from);
      return rest;
    }
  }
  return {};
}

}  // namespace

std::vector<Status> FindSubflowCycles(const Flow& flow, const FlowRepository& repo) {
  std::string root = flow.namespace_ + "." + flow.id;
  std::map<std::string, std::vector<SubflowCall>> calls_of;
  std::vector<Status> errors;
  for (const auto& call : CallsOf(flow)) {
    std::set<std::string> visited;
    std::vector<std::string> path = PathBack(call.target, root, repo, calls_of, visited);
    if (path.empty()) continue;
    std::string cycle = root;
    for (const auto& step : path) cycle += " -> " + step;
    errors.push_back(
        InvalidArgument("flow " + root + " calls itself through Subflow: " + cycle).WithLocation(call.location));
  }
  return errors;
}

}  // namespace floe::flow
