// An exclusive advisory lock on a file (flock), held for the object's lifetime: how two xp
// processes sharing a cache agree on who computes an entry. The lock file is created if missing
// and left in place (removing it would race with a process about to lock it). flock locks are
// released by the kernel when a process dies, so a killed run never leaves a cache locked.
#pragma once

#include <filesystem>
#include <memory>

namespace xp {

class FileLock {
 public:
  // Blocks until the lock is ours. Throws xp::Error naming the path when the file cannot be opened.
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Takes the lock only if nobody holds it; nullptr otherwise.
  static std::unique_ptr<FileLock> try_lock(const std::filesystem::path& path);

 private:
  FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace xp
