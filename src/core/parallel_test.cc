#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace floe {
namespace {

TEST(ParallelForTest, CallsEveryIndexExactlyOnce) {
  std::vector<std::atomic<int>> calls(10000);
  ParallelFor(calls.size(), 16, [&](size_t i) { ++calls[i]; });
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << i;
}

TEST(ParallelForTest, SmallWorkStaysOnTheCallingThread) {
  std::mutex mu;
  std::set<std::thread::id> threads;
  ParallelFor(100, 256, [&](size_t) {
    std::lock_guard lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(ParallelForTest, NothingToDoCallsNothing) {
  int calls = 0;
  ParallelFor(0, 1, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace floe
