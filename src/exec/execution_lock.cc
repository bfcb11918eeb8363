#include "exec/execution_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace floe::exec {

Result<ExecutionLock> ExecutionLock::Acquire(const std::filesystem::path& dir, const std::string& execution_id) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create lock folder '" + dir.string() + "': " + ec.message());
  std::filesystem::path path = dir / (execution_id + ".lock");
  // The holder removes the file before it unlocks: a lock taken on a file
  // opened before that removal is on a file no one else will ever open, and
  // is no lock at all. Such a file is let go and the path opened again.
  for (int tries = 0; tries < 100; ++tries) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return IoError("cannot open lock '" + path.string() + "': " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return FailedPrecondition("execution " + execution_id + " is being run by another live floe process");
      }
      return IoError("cannot lock '" + path.string() + "': " + std::strerror(err));
    }
    struct stat locked {
    }, named{};
    if (::fstat(fd, &locked) == 0 && ::stat(path.c_str(), &named) == 0 && locked.st_dev == named.st_dev &&
        locked.st_ino == named.st_ino)
      return ExecutionLock(fd, std::move(path));
    ::close(fd);
  }
  return IoError("cannot lock '" + path.string() + "': it keeps being replaced");
}

bool ExecutionLock::IsHeld(const std::filesystem::path& dir, const std::string& execution_id) {
  std::filesystem::path path = dir / (execution_id + ".lock");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // drops the probe's shared lock, if it got one
  return held;
}

ExecutionLock::~ExecutionLock() {
  if (fd_ < 0) return;
  // Remove the file while still holding the lock, so a waiting recoverer
  // never locks a file that is about to disappear under it.
  std::error_code ec;
  std::filesystem::remove(path_, ec);  // best effort: a stale file is harmless
  ::close(fd_);
}

}  // namespace floe::exec
