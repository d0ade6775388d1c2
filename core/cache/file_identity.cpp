#include "core/cache/file_identity.h"

#include <cstdio>

#include "core/util/error.h"
#include "core/util/rng.h"

namespace xp::cache {

std::string file_identity(const std::filesystem::path& path) {
  std::error_code error;
  const auto absolute = std::filesystem::weakly_canonical(path, error);
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw DataError(path.string(), "cannot be read (", error.message(), ")");
  const auto modified = std::filesystem::last_write_time(path, error);
  if (error) throw DataError(path.string(), "cannot be read (", error.message(), ")");
  const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count();
  return str_cat(size, ":", nanoseconds, ":", absolute.string());
}

std::string hash_hex(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a offset basis
  for (const unsigned char byte : text) {
    hash ^= byte;
    hash *= 0x100000001b3ull;  // FNV prime
  }
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(mix64(hash)));
  return digits;
}

}  // namespace xp::cache
