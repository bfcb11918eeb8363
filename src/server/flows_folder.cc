#include "server/flows_folder.h"

#include <algorithm>
#include <set>
#include <system_error>

namespace floe::server {
namespace fs = std::filesystem;

FlowsFolder::FlowsFolder(fs::path dir, const flow::TaskRegistry& registry)
    : dir_(std::move(dir)), registry_(registry) {}

namespace {

// The flow files under `dir`, sorted; a folder starting with '_' or '.' is skipped.
std::vector<fs::path> ListFlowFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (!name.empty() && (name[0] == '_' || name[0] == '.')) it.disable_recursion_pending();
      continue;
    }
    std::string ext = it->path().extension().string();
    if ((ext == ".yml" || ext == ".yaml") && it->is_regular_file(ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Key(const flow::Flow& f) { return f.namespace_ + "." + f.id; }

}  // namespace

FlowsFolder::Changes FlowsFolder::Refresh() {
  Changes changes;
  std::set<std::string> before;
  for (const auto& [path, file] : files_)
    if (file.flow) before.insert(Key(*file.flow));
  std::vector<fs::path> paths = ListFlowFiles(dir_);
  std::set<fs::path> present(paths.begin(), paths.end());
  for (auto it = files_.begin(); it != files_.end();) it = present.count(it->first) ? std::next(it) : files_.erase(it);
  for (const fs::path& path : paths) {
    std::error_code ec;
    auto mtime = fs::last_write_time(path, ec);
    uintmax_t size = fs::file_size(path, ec);
    if (ec) continue;  // removed while scanning: the next refresh sees it gone
    auto found = files_.find(path);
    if (found != files_.end() && found->second.mtime == mtime && found->second.size == size) continue;
    File& file = files_[path];
    file.mtime = mtime;
    file.size = size;
    Result<flow::Flow> loaded = flow::LoadFlowFile(path, registry_);
    if (!loaded.ok()) {
      Status error = loaded.status();
      if (file.flow) error = std::move(error).WithHint("the previous version of " + Key(*file.flow) + " keeps running");
      changes.errors.push_back(std::move(error));
      continue;
    }
    file.flow = std::make_shared<const flow::Flow>(std::move(*loaded));
    changes.loaded.push_back(file.flow);
  }
  // Duplicates: the first file by path keeps the name.
  std::set<std::string> seen;
  for (auto& [path, file] : files_) {
    if (!file.flow) continue;
    if (!seen.insert(Key(*file.flow)).second) {
      changes.errors.push_back(InvalidArgument("flow " + Key(*file.flow) + " is declared by another file too")
                                   .WithLocation(SourceLocation{path.string(), 0, 0}));
      std::erase(changes.loaded, file.flow);
      file.flow = nullptr;
    }
  }
  for (const std::string& key : before)
    if (!seen.count(key)) changes.removed.push_back(key);
  return changes;
}

std::vector<std::shared_ptr<const flow::Flow>> FlowsFolder::flows() const {
  std::vector<std::shared_ptr<const flow::Flow>> out;
  for (const auto& [path, file] : files_)
    if (file.flow) out.push_back(file.flow);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return Key(*a) < Key(*b); });
  return out;
}

fs::path FlowsFolder::PathOf(const std::string& ns, const std::string& id) const {
  for (const auto& [path, file] : files_)
    if (file.flow && file.flow->namespace_ == ns && file.flow->id == id) return path;
  return {};
}

void FlowsFolder::Invalidate(const fs::path& path) {
  if (auto it = files_.find(path); it != files_.end()) it->second.mtime = fs::file_time_type::min();
}

std::string DescribeFlowTriggers(const flow::Flow& flow) {
  std::string out = Key(flow);
  if (flow.triggers.empty()) return out + "  (no triggers)";
  out += "  (";
  for (size_t i = 0; i < flow.triggers.size(); ++i) {
    const flow::TriggerSpec& t = flow.triggers[i];
    if (i) out += ", ";
    out += t.spec.id + ": " + std::string(flow::TriggerKindName(t.kind));
    if (t.schedule)
      out += " " + t.schedule->cron + (t.schedule->timezone != "Etc/UTC" ? " " + t.schedule->timezone : "");
    if (t.webhook) out += " /api/v1/executions/webhook/" + flow.namespace_ + "/" + flow.id + "/" + t.webhook->key;
    if (t.spec.disabled) out += " [disabled]";
  }
  return out + ")";
}

}  // namespace floe::server
