// A learner's state on disk: what the stage cache keeps after each stage and what a run folder's
// resume.h5 holds (the state after the last completed epoch, and the fit's progress when the run
// stopped inside a fit). One HDF5 file, readable with h5py:
//
//   model.<state-dict name>   every parameter and buffer
//   xp.rng                    uint8: torch's CPU generator state
//   xp.rng_device             uint8: the GPU's generator state (runs on a GPU only)
//   xp.optimizer              uint8: the fit's optimizer state (only with a fit in progress)
//   xp.meta                   uint8: JSON — frozen groups, size, batch size, epochs done, fp16's
//                             loss scale, the fit's counters and history, the run's progress, and a
//                             checksum of every tensor's bytes
//
// A file that is truncated, is not HDF5, or whose bytes do not match its checksum is refused with
// a CacheError naming it: a damaged cache entry is never trusted.
#pragma once

#include <filesystem>
#include <optional>

#include "core/train/fit_types.h"
#include "core/train/learner_state.h"

namespace xp::pipeline {

// Where a run stands at one of its resume points (resume.h5 only: stage cache entries have none).
struct RunProgress {
  int next_stage = 0;                   // the stage to run next, or the one a fit stopped inside
  std::size_t metric_rows = 0;          // metrics.csv rows written up to this point
  double last_metric = 0;               // the last of those rows' metric
  std::vector<std::string> stage_keys;  // the run's stage keys: a resume needs the same ones
};

struct LearnerFile {
  train::LearnerState state;
  std::optional<train::FitProgress> fit;  // a fit stopped part-way
  std::optional<RunProgress> run;         // set in a run folder's resume point
};

// Writes atomically (temporary name, then rename).
void write_learner_file(const std::filesystem::path& path, const LearnerFile& file);
LearnerFile read_learner_file(const std::filesystem::path& path);

// One hash over the weights' names and bytes, in name order: equal digests, equal weights. The
// stage cache shares one weights file between consecutive stages that leave the weights as they
// were (lr_find, freeze, unfreeze, resize, tta, predict) and checks it on every read.
std::string weights_digest(const std::vector<std::pair<std::string, torch::Tensor>>& weights);

}  // namespace xp::pipeline
