// The stage cache on disk (DESIGN.md "Caches"): one folder per stage key under <cache>/stages/,
//
//   <hash>/entry.json   what the entry is: its key fields, the stage, the run that made it, the
//                       outputs to replay (metrics rows, LR log, run.json fields, console lines)
//   <hash>/state.h5     the learner's state after the stage (pipeline/learner_file.h) but its weights
//   <hash>/weights.h5   the weights (model.h5's format), a hard link to the previous stage's entry's
//                       when the stage left them unchanged (entry.json's weights_digest says so)
//   <hash>/files/…      the files the stage wrote into its run folder (tta.json, checkpoints/…)
//   <hash>.lock         held (flock) by the process computing or replacing that entry
//
// An entry is built in a temporary folder and renamed into place, so a reader sees a whole entry
// or none; entry.json is written last inside it.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/util/file_lock.h"

namespace xp::cache {

namespace stage_files {
inline constexpr const char* kEntry = "entry.json";
inline constexpr const char* kState = "state.h5";
inline constexpr const char* kWeights = "weights.h5";
inline constexpr const char* kFiles = "files";
}  // namespace stage_files

class StageStore {
 public:
  explicit StageStore(std::filesystem::path cache_root);

  std::filesystem::path folder() const { return folder_; }
  std::filesystem::path entry_folder(const std::string& hash) const { return folder_ / hash; }
  // Blocks while another process computes or replaces the entry.
  std::unique_ptr<FileLock> lock(const std::string& hash) const;

  // An entry's entry.json; nullopt when there is no entry. A folder without a readable entry.json
  // is reported through `problem` (and is not an entry).
  std::optional<nlohmann::json> read_entry(const std::string& hash,
                                           std::string* problem = nullptr) const;
  // Every readable entry's entry.json, with "hash" and "bytes" (the folder's size on disk) added.
  std::vector<nlohmann::json> entries() const;

  // Builds the entry: `fill` writes state.h5 and files/ into the folder it is given, then
  // `entry` becomes entry.json and the folder is renamed into place (replacing an older one).
  void publish(const std::string& hash, const nlohmann::json& entry,
               const std::function<void(const std::filesystem::path& folder)>& fill) const;
  // Removes an entry (a damaged one, or `xp cache gc`). A weights file another entry shares stays.
  void remove(const std::string& hash) const;
  // The store's size: every file once, however many entries hard-link it.
  std::uintmax_t bytes() const;

 private:
  std::filesystem::path folder_;
};

// Bytes of every regular file below `path`.
std::uintmax_t folder_bytes(const std::filesystem::path& path);

}  // namespace xp::cache
