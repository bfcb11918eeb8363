// Process groups that outlive the process that started them: a task's
// commands run in a group of their own, recorded (in the store) by the id
// and start time of its leader, so that another floe process can later find
// what is left of the group and kill it (recovery after a crash, a kill of
// an execution whose process died).
//
//   ASSIGN_OR_RETURN(ProcessGroup group, DescribeProcessGroup(leader_pid));
//   ... the process that started it dies; later, in another one:
//   ASSIGN_OR_RETURN(int killed, KillProcessGroup(group, std::chrono::seconds(2)));
//
// Process ids are reused. A group is taken to be the recorded one only when
// it was recorded during this boot and, while its leader lives, the leader
// started at the recorded time; once the leader is gone, the members that
// started after it (Linux never reuses a pid that is still some group's
// id, so such members can only belong to the recorded group or to a
// group whose leader got the same pid later and died too: vanishingly rare).
// Linux only (/proc).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace floe {

struct ProcessGroup {
  int pgid = 0;              // the group's id: its leader's pid
  uint64_t start_ticks = 0;  // the leader's start time (clock ticks since boot, /proc/<pid>/stat)
  std::string boot_id;       // /proc/sys/kernel/random/boot_id when it started

  bool operator==(const ProcessGroup&) const = default;
};

// The group `leader` leads (it must be alive, or an unreaped zombie).
Result<ProcessGroup> DescribeProcessGroup(pid_t leader);

// The processes of `group` still running (zombies, which do nothing, are
// left out), if it is still the recorded group; empty otherwise.
std::vector<pid_t> LiveMembers(const ProcessGroup& group);

// SIGKILLs every live member of `group` and waits up to `wait` until none
// is left. Returns how many it signalled; DeadlineExceeded if some are
// still alive after `wait` (a process in uninterruptible sleep, or one of
// another user, which cannot be signalled).
Result<int> KillProcessGroup(const ProcessGroup& group, std::chrono::milliseconds wait);

}  // namespace floe
