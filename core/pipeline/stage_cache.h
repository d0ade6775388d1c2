// The engine's side of the stage cache (cache/stage_store.h keeps the folders): what one stage
// leaves in its run — console lines, metrics rows, its LR log, run.json fields, the files it
// wrote — captured while it runs, stored with the learner's state after it, and replayed into a
// later run whose stage has the same key, so that its result folder is as complete as if the
// stage had run.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/cache/stage_store.h"
#include "core/pipeline/learner_file.h"
#include "core/pipeline/stage_key.h"

namespace xp::pipeline {

struct StageOutputs {
  std::vector<std::string> lines;        // console (and log.txt) lines after the stage's header
  std::vector<std::string> metric_rows;  // metrics.csv rows, formatted
  std::optional<double> last_metric;     // the last of those rows' metric
  std::vector<std::pair<std::int64_t, std::vector<double>>>
      lr_rows;                                      // lr_schedule.csv: iteration, group LRs
  std::vector<std::array<double, 3>> loss_rows;     // training_loss.csv: iteration, loss, smoothed
  std::vector<std::array<double, 4>> lr_find_rows;  // lr_find: iteration, lr, loss, smoothed
  nlohmann::json record_ops = nlohmann::json::array();  // run.json fields (RunRecord::end_capture)
  std::vector<std::string> files;  // written into the run folder, relative paths
  double seconds = 0;              // what the stage took when it ran
};

// Every regular file below a run folder: relative path → (size, mtime in ns).
using FolderSnapshot = std::map<std::string, std::pair<std::uintmax_t, std::int64_t>>;
FolderSnapshot snapshot_folder(const std::filesystem::path& folder);
// Files new or changed from `before` to `after`, bookkeeping files (run.json, metrics.csv, …) left out.
std::vector<std::string> written_files(const FolderSnapshot& before, const FolderSnapshot& after);

struct StageRun {  // who made an entry
  int index = 0;
  std::string type;
  std::string run_folder;
};

// Stores the stage's entry (state.h5, weights.h5, its files hard-linked or copied, entry.json).
// When the entry of `previous_hash` (the stage before, "" for the first) holds the same weights,
// weights.h5 is a hard link to its file: stages that change no weight cost no disk.
void publish_stage(const cache::StageStore& store, const StageKey& key, const StageRun& run,
                   const StageOutputs& outputs, const train::LearnerState& state,
                   const std::string& previous_hash);

struct CachedStage {
  nlohmann::json entry;
  StageOutputs outputs;
  LearnerFile state;
  std::filesystem::path folder;
};
// The entry for `hash` with its state read and checked; nullopt on a miss. A damaged entry (bad
// entry.json, a truncated or checksum-failing state.h5 or weights.h5, a missing file) is reported through
// `warn`, removed, and treated as a miss.
std::optional<CachedStage> find_cached_stage(const cache::StageStore& store,
                                             const std::string& hash,
                                             const std::function<void(const std::string&)>& warn);
// Puts the entry's files into `run_folder` (hard links where possible).
void restore_stage_files(const CachedStage& cached, const std::filesystem::path& run_folder);

// `xp check`'s view of one stage: HIT, or MISS with why (the values that differ from the closest
// entry cached for that stage, or that nothing is cached for it yet).
struct CacheStatus {
  bool hit = false;
  std::string
      detail;  // HIT: the run that made it and the time it saves; MISS: the reasons, "; "-joined
  std::vector<std::string> changes;
};
std::vector<CacheStatus> cache_status(const cache::StageStore& store,
                                      const std::vector<StageKey>& keys);

}  // namespace xp::pipeline
