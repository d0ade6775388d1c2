#include "core/cache/file_identity.h"

#include <cstdio>
#include <cstring>

#include "core/util/error.h"
#include "core/util/rng.h"
#include "core/util/strings.h"

namespace xp::cache {

std::string file_identity(const std::filesystem::path& path) {
  std::error_code error;
  const auto absolute = std::filesystem::weakly_canonical(path, error);
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw DataError(path.string(), "cannot be read (", error.message(), ")");
  const auto modified = std::filesystem::last_write_time(path, error);
  if (error) throw DataError(path.string(), "cannot be read (", error.message(), ")");
  const auto nanoseconds =
      std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count();
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

std::string bytes_hash_hex(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint64_t hash = mix64(size);
  std::size_t offset = 0;
  for (; offset + 8 <= size; offset += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + offset, 8);
    hash = mix64(hash ^ word);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, bytes + offset, size - offset);
  hash = mix64(hash ^ tail ^ 0xff);
  return str_printf("%016llx", static_cast<unsigned long long>(hash));
}

std::filesystem::path file_entry(const std::filesystem::path& folder,
                                 const std::filesystem::path& file) {
  const std::string hash = hash_hex(file_identity(file));
  return folder / hash.substr(0, 2) / hash;
}

}  // namespace xp::cache
