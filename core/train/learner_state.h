// The learner's state between two batches of a run, as plain tensors and counters.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/train/loss_scale.h"

namespace xp::train {

// The learner's state between two batches of a run: what a stage leaves to the next (the stage
// cache) and what resume restores. Activations are not in it: precompute finds them again in
// its own cache by key.
struct LearnerState {
  std::vector<std::pair<std::string, torch::Tensor>>
      weights;  // parameters and buffers, state-dict names
  int frozen_groups = 0;
  bool bn_freeze = false;  // the bn_freeze stage's setting
  int size = 0;            // image size (resize)
  int batch_size = 0;
  std::int64_t epochs_done = 0;  // keys each epoch's shuffle and augmentation
  torch::Tensor rng;             // torch's CPU generator (dropout)
  torch::Tensor device_rng;      // the GPU's generator (dropout there); undefined on the CPU
  std::optional<LossScaleState> loss_scale;  // fp16 training's loss scale (loss_scale.h)
};

}  // namespace xp::train
