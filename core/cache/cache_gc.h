// What a cache folder holds, and its garbage collection (`xp cache ls`, `xp cache gc`). The
// policy: stage entries and activation files unused for `older_than_days` go (a stage cache hit
// refreshes its entry), then the least recently used stage entries until the store fits
// `max_stage_bytes`; `all` removes everything. Whatever a running xp holds locked stays.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

namespace xp::cache {

struct CacheContents {
  std::vector<nlohmann::json> stage_entries;  // StageStore::entries(): newest first
  std::uintmax_t stage_bytes = 0;             // every file once, however many entries link it
  std::vector<std::filesystem::path> activation_files;
  std::uintmax_t activation_bytes = 0;
};
CacheContents list_cache(const std::filesystem::path& root);

struct GcPolicy {
  double older_than_days = 30;
  std::uintmax_t max_stage_bytes = std::numeric_limits<std::uintmax_t>::max();
  bool all = false;
};

struct GcResult {
  int removed = 0;           // stage entries and activation files
  std::uintmax_t freed = 0;  // bytes
  std::uintmax_t stage_bytes_kept = 0;
};
GcResult collect_garbage(const std::filesystem::path& root, const GcPolicy& policy);

}  // namespace xp::cache
