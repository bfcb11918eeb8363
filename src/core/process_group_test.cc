#include "core/process_group.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace floe {
namespace {

// Starts `sh -c script` as the leader of a new process group.
pid_t StartGroup(const char* script) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", script, static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  return pid;
}

// Waits until `group` has `n` live members (its shell forks them).
bool WaitForMembers(const ProcessGroup& group, size_t n) {
  for (int i = 0; i < 500; ++i) {
    if (LiveMembers(group).size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(ProcessGroupTest, KillsEveryMemberIncludingBackgroundGrandchildren) {
  pid_t leader = StartGroup("sleep 1000 & sleep 1000 & wait");
  auto group = DescribeProcessGroup(leader);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->pgid, leader);
  EXPECT_FALSE(group->boot_id.empty());
  ASSERT_TRUE(WaitForMembers(*group, 3));
  auto killed = KillProcessGroup(*group, std::chrono::seconds(5));
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_EQ(*killed, 3);
  EXPECT_TRUE(LiveMembers(*group).empty());
  int status = 0;
  ASSERT_EQ(waitpid(leader, &status, 0), leader);
  EXPECT_TRUE(WIFSIGNALED(status));
}

// The leader died first: its orphaned grandchildren still carry the group
// id and are found by it.
TEST(ProcessGroupTest, FindsMembersOnceTheLeaderIsGone) {
  pid_t leader = StartGroup("sleep 1000 > /dev/null 2>&1 & exit 0");
  auto group = DescribeProcessGroup(leader);
  ASSERT_TRUE(group.ok());
  int status = 0;
  ASSERT_EQ(waitpid(leader, &status, 0), leader);
  ASSERT_TRUE(WaitForMembers(*group, 1));
  auto killed = KillProcessGroup(*group, std::chrono::seconds(5));
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_EQ(*killed, 1);
  EXPECT_TRUE(LiveMembers(*group).empty());
}

// A recorded group whose leader's pid now names a process that started at
// another time (pid reuse), or one recorded before a reboot, is not ours:
// nothing is killed.
TEST(ProcessGroupTest, LeavesAReusedPidOrAnotherBootAlone) {
  // exec: one member throughout (a shell may fork `sleep` instead of becoming it).
  pid_t leader = StartGroup("exec sleep 1000");
  auto group = DescribeProcessGroup(leader);
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(WaitForMembers(*group, 1));
  ProcessGroup reused = *group;
  reused.start_ticks += 1;
  EXPECT_TRUE(LiveMembers(reused).empty());
  EXPECT_EQ(*KillProcessGroup(reused, std::chrono::milliseconds(10)), 0);
  ProcessGroup other_boot = *group;
  other_boot.boot_id = "00000000-0000-0000-0000-000000000000";
  EXPECT_TRUE(LiveMembers(other_boot).empty());
  EXPECT_EQ(LiveMembers(*group).size(), 1u);  // still alive: nothing touched it
  ASSERT_TRUE(KillProcessGroup(*group, std::chrono::seconds(5)).ok());
  waitpid(leader, nullptr, 0);
}

TEST(ProcessGroupTest, DescribingAMissingProcessIsNotFound) {
  EXPECT_EQ(DescribeProcessGroup(0x3ffffff).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace floe
