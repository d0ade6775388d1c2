#include "core/cache/stage_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <set>

#include "core/cache/cache_layout.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"
#include "core/util/strings.h"

namespace xp::cache {

namespace fs = std::filesystem;

StageStore::StageStore(fs::path cache_root) : folder_(layout::stages(cache_root)) {}

std::unique_ptr<FileLock> StageStore::lock(const std::string& hash) const {
  return std::make_unique<FileLock>(layout::lock_for(entry_folder(hash)));
}

std::optional<nlohmann::json> StageStore::read_entry(const std::string& hash,
                                                     std::string* problem) const {
  const fs::path folder = entry_folder(hash);
  std::error_code error;
  if (!fs::is_directory(folder, error)) return std::nullopt;
  try {
    nlohmann::json entry = nlohmann::json::parse(read_file(folder / stage_files::kEntry));
    if (!entry.is_object() || entry.value("hash", "") != hash)
      throw Error("it is not this entry's entry.json");
    return entry;
  } catch (const std::exception& failure) {
    if (problem)
      *problem = str_cat(folder.string(), "/", stage_files::kEntry, ": ", failure.what());
    return std::nullopt;
  }
}

std::vector<nlohmann::json> StageStore::entries() const {
  std::vector<nlohmann::json> out;
  std::error_code error;
  if (!fs::is_directory(folder_, error)) return out;
  for (const auto& item : fs::directory_iterator(folder_, error)) {
    const auto hash = layout::stage_hash(item.path());
    if (!item.is_directory() || !hash) continue;
    auto entry = read_entry(*hash);
    if (!entry) continue;
    (*entry)["bytes"] = folder_bytes(item.path());
    out.push_back(std::move(*entry));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.value("created", "") > b.value("created", "");
  });
  return out;
}

void StageStore::publish(const std::string& hash, const nlohmann::json& entry,
                         const std::function<void(const fs::path& folder)>& fill) const {
  fs::create_directories(folder_);
  std::random_device random;
  const fs::path temp = folder_ / str_cat(".tmp-", hash, "-", ::getpid(), "-", random());
  fs::create_directory(temp);
  try {
    fill(temp);
    nlohmann::json complete = entry;
    complete["hash"] = hash;
    write_file_atomic(temp / stage_files::kEntry, json_text(complete, 1));
    const fs::path final_folder = entry_folder(hash);
    std::error_code error;
    fs::remove_all(final_folder, error);  // an older or damaged entry (the caller holds the lock)
    fs::rename(temp, final_folder);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw;
  }
}

void StageStore::remove(const std::string& hash) const {
  const fs::path folder = entry_folder(hash);
  std::error_code error;
  fs::remove_all(folder, error);
  if (error)
    throw CacheError(
        str_cat("cannot remove cache entry '", folder.string(), "': ", error.message()));
}

std::uintmax_t StageStore::bytes() const {
  std::set<std::pair<dev_t, ino_t>> seen;  // a file hard-linked into several entries counts once
  std::uintmax_t total = 0;
  std::error_code error;
  if (!fs::is_directory(folder_, error)) return 0;
  for (const auto& item : fs::recursive_directory_iterator(folder_, error)) {
    struct stat info {};
    if (!item.is_regular_file(error) || ::stat(item.path().c_str(), &info) != 0) continue;
    if (seen.insert({info.st_dev, info.st_ino}).second)
      total += static_cast<std::uintmax_t>(info.st_size);
  }
  return total;
}

std::uintmax_t folder_bytes(const fs::path& path) {
  std::uintmax_t bytes = 0;
  std::error_code error;
  if (!fs::is_directory(path, error)) return 0;
  for (const auto& item : fs::recursive_directory_iterator(path, error))
    if (item.is_regular_file(error)) bytes += item.file_size(error);
  return bytes;
}

}  // namespace xp::cache
