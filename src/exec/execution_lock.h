// ExecutionLock: marks an execution as being run by a live process, so that
// recovery never runs it twice. An flock(2) on <locks>/<execution id>.lock:
// the kernel releases it when the process exits or dies, however it dies.
// Internal to exec.
#pragma once

#include <filesystem>
#include <string>

#include "core/status.h"

namespace floe::exec {

class ExecutionLock {
 public:
  // Takes the lock without waiting. FailedPrecondition if another live
  // process holds it.
  static Result<ExecutionLock> Acquire(const std::filesystem::path& dir, const std::string& execution_id);

  // Whether a live process holds the execution's lock. A shared,
  // non-blocking probe on a file that exists only while it is held: it
  // never creates the file, and a holder always wins.
  static bool IsHeld(const std::filesystem::path& dir, const std::string& execution_id);

  ExecutionLock(ExecutionLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  ExecutionLock& operator=(ExecutionLock&&) = delete;
  ~ExecutionLock();

 private:
  ExecutionLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace floe::exec
