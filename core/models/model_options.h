// What the recipe's `model:` block resolves to (recipe/model_section; names equal the YAML keys).
// Defaults as in data_options.h: the schema's, repeated for code that builds options directly.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/models/task.h"

namespace xp::models {

struct ModelOptions {
  std::string arch = "resnet34";
  std::vector<double> dropout = {0.25, 0.5};  // fastai 0.7 ps: one per head block
  std::vector<int> xtra_fc = {512};           // fastai 0.7 xtra_fc: hidden sizes of the head
  std::string weights;   // pretrained backbone file; "" = random init, nothing frozen.
                         // For arch "torchscript": the TorchScript body itself
  std::string split_at;  // torchscript: module where layer group 1 starts ("" = half-way)
  std::optional<std::array<float, 3>> mean;  // input normalization, when not the architecture's own
  std::optional<std::array<float, 3>> std;
  Task task = Task::kSingleLabel;  // set from the data: fastai's is_multi / is_reg
  std::optional<std::uint64_t>
      head_seed;          // set from the run's seed: the head's initial weights are
                          // drawn right after torch::manual_seed(head_seed), so they
                          // do not depend on what building the body drew (a native
                          // resnet18 draws its random init, a TorchScript body nothing)
  bool train_bn = false;  // fastai v2's train_bn: BatchNorm of frozen groups still trains
                          // (affine parameters and running statistics); 0.7 froze it
};

}  // namespace xp::models
