// Starting, waiting for and killing the floe binary from tests that drive
// it as a process (the crash tests).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace floe::testing {

struct Proc {
  pid_t pid = -1;
};

// Starts `args` (argv[0] a path) with stdout and stderr in `out`.
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

// Waits up to `delay` for `p` to exit; SIGKILLs it at the deadline. Returns
// true if it was killed.
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

// Waits for `p` to exit; its wait status, or -1 after `limit` (then it is
// SIGKILLed).
inline int WaitFor(Proc p, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(p.pid, &status, WNOHANG) == p.pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(p.pid, SIGKILL);
  waitpid(p.pid, &status, 0);
  return -1;
}

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace floe::testing
