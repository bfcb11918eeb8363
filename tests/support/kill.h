// Starting the floe binary and SIGKILLing it at a chosen moment, for the
// crash tests (tests/crash_test.cc, tests/lake_crash_test.cc).
//
//   Proc run = Start({FLOE_BINARY, "--home", home, "run", flow}, dir / "run.out");
//   bool killed = KillAfter(run, std::chrono::milliseconds(120));
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace floe::testing {

struct Proc {
  pid_t pid = -1;
};

// Starts `args` (args[0] a path) with stdout and stderr in `out`; the child
// inherits this process's environment.
inline Proc Start(const std::vector<std::string>& args, const std::filesystem::path& out) {
  Proc p;
  p.pid = fork();
  if (p.pid == 0) {
    FILE* f = std::fopen(out.c_str(), "w");
    if (f) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return p;
}

// Waits up to `delay` for the process to end; SIGKILLs it at the deadline.
// Returns true if it was killed.
inline bool KillAfter(Proc p, std::chrono::milliseconds delay) {
  auto deadline = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(p.pid, &status, WNOHANG) == p.pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(p.pid, SIGKILL);
  int status;
  waitpid(p.pid, &status, 0);
  return true;
}

}  // namespace floe::testing
