// What is alive of a process group, read from /proc independently of floe's
// own process_group.cc, for tests that check floe leaves no process behind.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace floe::testing {

// Processes (not zombies) whose process group is `pgid`.
inline std::vector<pid_t> ProcessesInGroup(pid_t pgid) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 1));
    char state = '?';
    long ppid = 0, pgrp = 0;
    fields >> state >> ppid >> pgrp;
    if (fields && pgrp == pgid && state != 'Z' && state != 'X') out.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return out;
}

}  // namespace floe::testing
