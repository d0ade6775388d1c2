// The stage cache as one run uses it (stage_cache.h reads and writes the entries): before a stage,
// look up its key and replay a hit into the run folder; while a stage runs, capture what it leaves
// in the run; after it, publish the entry.
//
// The cache is an optimisation: when it cannot be used (a full disk, a folder that cannot be
// written), the run warns once, records why in run.json, and goes on without it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/cache/stage_store.h"
#include "core/pipeline/plan.h"
#include "core/pipeline/run_observer.h"
#include "core/pipeline/stage_cache.h"
#include "core/pipeline/stage_key.h"
#include "core/report/console.h"
#include "core/report/run_record.h"
#include "core/train/learner.h"
#include "core/util/file_lock.h"

namespace xp::pipeline {

// What one stage leaves in the run while it runs: console lines, run.json fields, metrics rows,
// its LR log, the files it writes, and its time. Capturing starts at construction.
class StageCapture {
 public:
  StageCapture(const std::filesystem::path& run_folder, report::Console& console,
               report::RunRecord& record);
  StageOutputs finish(const RunObserver& observer);

 private:
  const std::filesystem::path& run_folder_;
  report::Console& console_;
  report::RunRecord& record_;
  FolderSnapshot before_;
  std::chrono::steady_clock::time_point started_;
};

class StageCacheDriver {
 public:
  // `enabled`: xp run without --no-cache.
  StageCacheDriver(const std::filesystem::path& cache_root, bool enabled,
                   const std::filesystem::path& run_folder, report::Console& console,
                   report::RunRecord& record);

  // When stage `planned` has an entry under `key`: prints `header` marked [cached], replays the
  // entry's lines, rows and LR log (through `observer`), run.json fields and files into the run,
  // keeps its learner state for catch_up(), and returns true. False on a miss or with the cache
  // off. Holds the key's lock until the stage is published or the next lookup.
  bool replay(const PlannedStage& planned, const StageKey& key, const std::string& header,
              RunObserver& observer);
  // Loads the state the replayed stages left into `learner`; false when there was none (the
  // stage before ran here).
  bool catch_up(train::Learner& learner);
  // Stores the stage that ran: its outputs and the learner's state after it. `previous` is the
  // key of the stage before (nullptr for the first): consecutive entries share unchanged weights.
  void publish(const PlannedStage& planned, const StageKey& key, const StageKey* previous,
               const StageOutputs& outputs, const train::LearnerState& state);

 private:
  // Runs one cache operation; a failure disables the cache for the rest of the run.
  template <typename Work>
  void guarded(int stage, const char* what, const Work& work);

  cache::StageStore store_;
  bool usable_;
  const std::filesystem::path& run_folder_;
  report::Console& console_;
  report::RunRecord& record_;
  std::unique_ptr<FileLock> lock_;      // the entry being looked up, computed and stored
  std::optional<CachedStage> pending_;  // a replayed state the learner has not loaded yet
};

}  // namespace xp::pipeline
