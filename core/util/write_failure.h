// Why a write failed, in words a user acts on. Libraries report a failed write by their own step
// ("H5Dwrite failed"); the cause is usually the disk. Call right where the failure is caught, before
// anything else can change errno.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

namespace xp {

// " (no space left on device: 0 bytes free in /data)", or "" when neither errno nor the free
// space of `path`'s folder points at the disk.
inline std::string disk_problem_note(const std::filesystem::path& path, int saved_errno = errno) {
  std::error_code error;
  const std::filesystem::path folder =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const auto space = std::filesystem::space(folder, error);
  constexpr std::uintmax_t kNearlyFull = std::uintmax_t{1} << 20;
  const bool full = saved_errno == ENOSPC || (!error && space.available < kNearlyFull);
  if (full) {
    std::string note = " (no space left on device";
    if (!error)
      note += ": " + std::to_string(space.available) + " bytes free in " + folder.string();
    return note + ")";
  }
  if (saved_errno == EDQUOT || saved_errno == EIO || saved_errno == EROFS)
    return " (" + std::string(std::strerror(saved_errno)) + ")";
  return "";
}

}  // namespace xp
