#include "core/cache/cache_gc.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "core/cache/cache_layout.h"
#include "core/cache/stage_store.h"
#include "core/util/file_lock.h"

namespace xp::cache {

namespace fs = std::filesystem;

CacheContents list_cache(const fs::path& root) {
  const StageStore store(root);
  CacheContents contents;
  contents.stage_entries = store.entries();
  contents.stage_bytes = store.bytes();
  std::error_code error;
  const fs::path folder = layout::activations(root);
  if (fs::is_directory(folder, error))
    for (const auto& item : fs::directory_iterator(folder, error))
      if (item.is_regular_file() && layout::activation_hash(item.path())) {
        contents.activation_files.push_back(item.path());
        contents.activation_bytes += item.file_size();
      }
  return contents;
}

GcResult collect_garbage(const fs::path& root, const GcPolicy& policy) {
  const StageStore store(root);
  CacheContents contents = list_cache(root);
  const auto now = fs::file_time_type::clock::now();
  const auto age_days = [&](const fs::path& path) {
    std::error_code ignored;
    return std::chrono::duration<double>(now - fs::last_write_time(path, ignored)).count() /
           86400.0;
  };
  auto& entries = contents.stage_entries;
  std::sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
    return age_days(store.entry_folder(x.value("hash", ""))) >
           age_days(store.entry_folder(y.value("hash", "")));
  });
  GcResult result;
  result.stage_bytes_kept = contents.stage_bytes;
  for (const auto& entry : entries) {  // least recently used first
    const std::string hash = entry.value("hash", "");
    const bool old = age_days(store.entry_folder(hash)) > policy.older_than_days;
    if (!(policy.all || old || result.stage_bytes_kept > policy.max_stage_bytes)) continue;
    const auto lock = FileLock::try_lock(layout::lock_for(store.entry_folder(hash)));
    if (!lock) continue;  // a run is using it
    store.remove(hash);
    // What the removal freed: less than the entry's size when it shared its weights file.
    const std::uintmax_t before = result.stage_bytes_kept;
    result.stage_bytes_kept = store.bytes();
    result.freed += before - std::min(before, result.stage_bytes_kept);
    ++result.removed;
  }
  std::error_code error;
  for (const auto& file : contents.activation_files)
    if (policy.all || age_days(file) > policy.older_than_days) {
      const auto lock = FileLock::try_lock(layout::lock_for(file));  // not while a run uses it
      if (!lock) continue;
      result.freed += fs::file_size(file, error);
      fs::remove(file, error);
      ++result.removed;
    }
  return result;
}

}  // namespace xp::cache
