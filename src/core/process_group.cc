#include "core/process_group.h"

#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace floe {
namespace {

struct ProcStat {
  char state = '?';
  int pgrp = 0;
  uint64_t start_ticks = 0;
};

// Fields of /proc/<pid>/stat; nullopt once the process is gone. The command
// name (field 2) may hold spaces and parentheses: fields are counted from
// the last ')'.
std::optional<ProcStat> ReadStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  ProcStat st;
  std::string skip;
  int ppid = 0;
  fields >> st.state >> ppid >> st.pgrp;  // fields 3, 4, 5
  for (int field = 6; field < 22 && fields; ++field) fields >> skip;
  fields >> st.start_ticks;  // field 22
  if (!fields) return std::nullopt;
  return st;
}

// Read once: it changes only with a reboot.
const std::string& BootId() {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string line;
    std::getline(in, line);
    return line;
  }();
  return id;
}

}  // namespace

Result<ProcessGroup> DescribeProcessGroup(pid_t leader) {
  std::optional<ProcStat> st = ReadStat(leader);
  if (!st) return NotFound("no process " + std::to_string(leader) + " in /proc");
  return ProcessGroup{.pgid = leader, .start_ticks = st->start_ticks, .boot_id = BootId()};
}

std::vector<pid_t> LiveMembers(const ProcessGroup& group) {
  std::vector<pid_t> members;
  if (group.pgid <= 1 || group.boot_id != BootId()) return members;  // a reboot ended it
  std::optional<ProcStat> leader = ReadStat(group.pgid);
  // The leader's pid now names another process: the group is gone (a pid
  // that is still a group's id is never given to a new process).
  if (leader && leader->start_ticks != group.start_ticks) return members;
  DIR* proc = opendir("/proc");
  if (!proc) return members;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::optional<ProcStat> st = ReadStat(static_cast<pid_t>(pid));
    if (!st || st->pgrp != group.pgid || st->state == 'Z' || st->state == 'X') continue;
    if (st->start_ticks < group.start_ticks) continue;  // older than the group: not of it
    members.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return members;
}

Result<int> KillProcessGroup(const ProcessGroup& group, std::chrono::milliseconds wait) {
  std::vector<pid_t> members = LiveMembers(group);
  if (members.empty()) return 0;
  // One member per kill(2), not kill(-pgid): only processes that passed
  // the checks above are signalled.
  for (pid_t pid : members) kill(pid, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    std::vector<pid_t> left = LiveMembers(group);
    if (left.empty()) return static_cast<int>(members.size());
    if (std::chrono::steady_clock::now() >= deadline)
      return Status(StatusCode::kDeadlineExceeded, std::to_string(left.size()) + " process(es) of process group " +
                                                       std::to_string(group.pgid) + " still alive " +
                                                       std::to_string(wait.count()) + " ms after SIGKILL (first: pid " +
                                                       std::to_string(left.front()) + ")");
    for (pid_t pid : left) kill(pid, SIGKILL);  // members forked meanwhile
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace floe
