// Scores of a whole split's predictions at once (after `predict` or TTA), as the lessons compute
// them with NumPy and scikit-learn — not averaged per batch as fastai 0.7's fit-time metrics are
// (shared/reference/fastai.md §8):
//
//   accuracy         mean(argmax(probs) == y)                              (fastai accuracy_np)
//   log_loss         −mean(log p̂[y]), p̂ = clip(probs, 1e-15, 1 − 1e-15), each row renormalized
//                                                                           (sklearn.metrics.log_loss)
//   f2               planet's f2: max over thresholds 0.17, 0.18 … 0.23 of the per-sample F2 of
//                    (probs > t) averaged over samples (sklearn fbeta_score(beta=2,
//                    average='samples'); a sample with no true and no predicted label scores 0)
//   accuracy_thresh  mean over all elements of ((probs > 0.5) == y)         (fastai accuracy_thresh)
//   bce              mean binary cross-entropy of clipped probabilities     (log loss, multi-label)
//   l1, mse          mean absolute / squared error over all values          (regression)
#pragma once

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

#include "core/models/task.h"

namespace xp::train {

double accuracy(const torch::Tensor& probs, const torch::Tensor& labels);
double log_loss(const torch::Tensor& probs, const torch::Tensor& labels);

struct F2Score {
  double score = 0;
  double threshold = 0;  // the threshold that gave it (planet's opt_th)
};
F2Score planet_f2(const torch::Tensor& probs, const torch::Tensor& labels);
// Per-sample F-beta of one threshold, averaged over samples.
double fbeta_samples(const torch::Tensor& probs, const torch::Tensor& labels, double threshold,
                     double beta);
double accuracy_thresh(const torch::Tensor& probs, const torch::Tensor& labels,
                       double threshold = 0.5);
double binary_log_loss(const torch::Tensor& probs, const torch::Tensor& labels);
double mean_absolute_error(const torch::Tensor& values, const torch::Tensor& targets);
double mean_squared_error(const torch::Tensor& values, const torch::Tensor& targets);

// The scores that fit a task, in a fixed order: single-label accuracy, log_loss; multi-label
// accuracy_thresh, f2, f2_threshold, bce; regression l1, mse.
std::vector<std::pair<std::string, double>> task_scores(models::Task task,
                                                        const torch::Tensor& probs,
                                                        const torch::Tensor& labels);

// Each image's own loss, float64 [N]: −log p̂[y] (clipped as log_loss), the mean binary
// cross-entropy of its labels, or the mean absolute error of its values.
torch::Tensor per_sample_loss(models::Task task, const torch::Tensor& probs,
                              const torch::Tensor& labels);

// int64 [C, C]: row = actual class, column = predicted (argmax) class.
torch::Tensor confusion_matrix(const torch::Tensor& probs, const torch::Tensor& labels,
                               std::int64_t classes);

}  // namespace xp::train
