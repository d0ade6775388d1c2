// Test-time augmentation: how the plain pass (validation transform) and the augmented passes
// (training transform) over the same images become one prediction, in probability space
// (shared/reference/fastai.md §7):
//
//   fastai 0.7  learn.TTA(n_aug=4) stacks [plain] × ceil(n_aug/4) + n_aug augmented passes; the
//               lessons average the stack: mean(exp(log_preds), 0) — the plain pass weighs 1/5
//   fastai v2   learn.tta(n=4, beta=0.25): (1 − β)·mean(augmented) + β·plain
#pragma once

#include <torch/types.h>

#include <optional>
#include <vector>

namespace xp::train {

struct TtaOptions {
  int n_aug = 4;               // augmented passes
  std::optional<double> beta;  // set: fastai v2's weighting; unset: fastai 0.7's mean
};

// `plain` and each of `augmented`: probabilities float [N, C] of the same images in the same order.
torch::Tensor combine_tta(const torch::Tensor& plain, const std::vector<torch::Tensor>& augmented,
                          const TtaOptions& options);

}  // namespace xp::train
