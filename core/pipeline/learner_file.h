// A learner's state on disk: what the stage cache keeps after each stage and what a run folder's
// resume.h5 holds (the state after the last completed epoch, and the fit's progress when the run
// stopped inside a fit). One HDF5 file, readable with h5py:
//
//   model.<state-dict name>   every parameter and buffer
//   xp.rng                    uint8: torch's CPU generator state
//   xp.optimizer              uint8: the fit's optimizer state (only with a fit in progress)
//   xp.meta                   uint8: JSON — frozen groups, size, batch size, epochs done, the fit's
//                             counters and history, the caller's own fields, and a checksum of
//                             every tensor's bytes
//
// A file that is truncated, is not HDF5, or whose bytes do not match its checksum is refused with
// a CacheError naming it: a damaged cache entry is never trusted.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/train/learner.h"

namespace xp::pipeline {

struct LearnerFile {
  train::LearnerState state;
  std::optional<train::FitProgress> fit;  // a fit stopped part-way
  nlohmann::json extra;                   // the caller's fields (the stage, the run's counters)
};

// Writes atomically (temporary name, then rename).
void write_learner_file(const std::filesystem::path& path, const LearnerFile& file);
LearnerFile read_learner_file(const std::filesystem::path& path);

// One hash over the weights' names and bytes, in name order: equal digests, equal weights. The
// stage cache shares one weights file between consecutive stages that leave the weights as they
// were (lr_find, freeze, unfreeze, resize, tta, predict) and checks it on every read.
std::string weights_digest(const std::vector<std::pair<std::string, torch::Tensor>>& weights);

}  // namespace xp::pipeline
