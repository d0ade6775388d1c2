// What identifies an input file for a cache: its absolute path, size and modification time. A file
// that is replaced or edited gets a new identity, so a cache entry keyed by it is never stale;
// the content is not read (hashing every image of a dataset at each run would cost a decode's
// worth of I/O).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace xp::cache {

// "size:mtime_ns:/absolute/path". Throws DataError naming the path when it cannot be read.
std::string file_identity(const std::filesystem::path& path);

// A 64-bit hash of `text` as 16 hex digits (FNV-1a, then a SplitMix64 finaliser): cache file names.
std::string hash_hex(const std::string& text);

// Where a cache keeps what it derives from `file`: <folder>/<2 hex>/<hash of the file's identity>
// (no extension; callers add theirs). The two-digit level keeps folders small for large datasets.
std::filesystem::path file_entry(const std::filesystem::path& folder,
                                 const std::filesystem::path& file);

// A 64-bit hash of `size` bytes as 16 hex digits, eight bytes per step (a SplitMix64 chain): the
// content of tensors — images held in memory, a body's weights — in precompute's cache key.
std::string bytes_hash_hex(const void* data, std::size_t size);

}  // namespace xp::cache
