#include "flow/folder_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "core/id.h"
#include "flow/flow.h"
#include "flow/repository.h"

namespace floe::flow {
namespace fs = std::filesystem;

std::string FlowSyncKey(const std::string& ns, const std::string& id) { return ns + "/" + id; }
std::string FileSyncKey(const std::string& ns, const std::string& path) { return ns + ":" + path; }

std::pair<std::string, std::string> SplitSyncKey(const SyncKey& key) {
  size_t colon = key.find(':');
  if (colon != std::string::npos) return {key.substr(0, colon), key.substr(colon + 1)};
  size_t slash = key.find('/');
  return {key.substr(0, slash), slash == std::string::npos ? "" : key.substr(slash + 1)};
}

bool SyncScope::Covers(const std::string& ns) const {
  if (namespace_.empty() || ns == namespace_) return true;
  return include_children && ns.size() > namespace_.size() && ns.compare(0, namespace_.size(), namespace_) == 0 &&
         ns[namespace_.size()] == '.';
}

Result<FlowFolder> ReadFlowFolder(const fs::path& dir, const TaskRegistry& registry, const SyncScope& scope,
                                  bool with_files) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("no folder '" + dir.string() + "' to sync from");
  FlowFolder out;
  std::set<std::string> namespaces;
  FlowRepository repo = FlowRepository::Scan({dir}, registry);
  std::vector<Status> errors;
  for (const auto& entry : repo.entries()) {
    if (!entry.errors.empty()) {
      errors.insert(errors.end(), entry.errors.begin(), entry.errors.end());
      continue;
    }
    if (!scope.Covers(entry.namespace_)) continue;
    ASSIGN_OR_RETURN(std::string source, ReadFlowFile(entry.path));
    out.flows[FlowSyncKey(entry.namespace_, entry.id)] = std::move(source);
    namespaces.insert(entry.namespace_);
  }
  if (!errors.empty())
    return Status(CombineErrors(errors))
        .WithContext("nothing was synced: a flow in " + dir.string() + " does not load");
  fs::path files_root = dir / "_files";
  if (with_files && fs::is_directory(files_root, ec)) {
    for (const auto& ns_dir : fs::directory_iterator(files_root, ec)) {
      std::string ns = ns_dir.path().filename().string();
      if (!ns_dir.is_directory() || !scope.Covers(ns)) continue;
      for (auto it = fs::recursive_directory_iterator(ns_dir.path(), ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::stringstream data;
        data << in.rdbuf();
        if (!in && !in.eof()) return IoError("cannot read '" + it->path().string() + "'");
        std::string rel = "/" + fs::relative(it->path(), ns_dir.path()).generic_string();
        out.files[FileSyncKey(ns, rel)] = data.str();
        namespaces.insert(ns);
      }
    }
    if (ec) return IoError("cannot list '" + files_root.string() + "': " + ec.message());
  }
  out.namespaces.assign(namespaces.begin(), namespaces.end());
  return out;
}

SyncPlan PlanSync(const std::map<SyncKey, std::string>& wanted, const std::map<SyncKey, std::string>& existing,
                  bool delete_missing) {
  SyncPlan plan;
  for (const auto& [key, content] : wanted) {
    auto it = existing.find(key);
    if (it == existing.end()) {
      plan.added.push_back(key);
    } else if (it->second != content) {
      plan.changed.push_back(key);
    } else {
      ++plan.unchanged;
    }
  }
  if (delete_missing)
    for (const auto& [key, content] : existing)
      if (!wanted.count(key)) plan.deleted.push_back(key);
  return plan;
}

std::string DescribePlan(const SyncPlan& plan, const std::string& what) {
  std::string out;
  for (const auto& k : plan.added) out += "+ " + what + " " + k + "\n";
  for (const auto& k : plan.changed) out += "~ " + what + " " + k + "\n";
  for (const auto& k : plan.deleted) out += "- " + what + " " + k + "\n";
  return out;
}

Status WriteFileAtomically(const fs::path& path, std::string_view text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return IoError("cannot create the folder '" + path.parent_path().string() + "': " + ec.message());
  fs::path temp = path.parent_path() / ("." + path.filename().string() + "." + NewId() + ".tmp");
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot write '" + temp.string() + "': " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      fs::remove(temp, ec);
      return IoError("cannot write '" + temp.string() + "': " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    fs::remove(temp, ec);
    return IoError("cannot write '" + temp.string() + "': " + std::strerror(errno));
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return IoError("cannot replace '" + path.string() + "': " + ec.message());
  }
  return Status::Ok();
}

}  // namespace floe::flow
