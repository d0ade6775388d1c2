#include "core/train/scores.h"

#include <torch/torch.h>

#include <cmath>

#include "core/util/error.h"

namespace xp::train {

namespace {

constexpr double kClip = 1e-15;  // scikit-learn's log_loss eps of the lessons' era

torch::Tensor as_double(const torch::Tensor& tensor) {
  return tensor.detach().to(torch::kFloat64).cpu();
}
torch::Tensor clipped(const torch::Tensor& probs) {
  return as_double(probs).clamp(kClip, 1 - kClip);
}

// −log p[y] of each row, float64 [N].
torch::Tensor row_nll(const torch::Tensor& p, const torch::Tensor& labels) {
  return -p.gather(1, labels.cpu().unsqueeze(1)).squeeze(1).log();
}

// The binary cross-entropy of every element, float64 [N, C].
torch::Tensor elementwise_bce(const torch::Tensor& probs, const torch::Tensor& labels) {
  const torch::Tensor p = clipped(probs);
  const torch::Tensor y = as_double(labels);
  return -(y * p.log() + (1 - y) * (1 - p).log());
}

torch::Tensor absolute_errors(const torch::Tensor& values, const torch::Tensor& targets) {
  return (as_double(values) - as_double(targets)).abs();
}

}  // namespace

double accuracy(const torch::Tensor& probs, const torch::Tensor& labels) {
  XP_ASSERT(probs.dim() == 2 && labels.dim() == 1 && probs.size(0) == labels.size(0),
            "accuracy: shapes disagree");
  return probs.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
}

double log_loss(const torch::Tensor& probs, const torch::Tensor& labels) {
  XP_ASSERT(probs.dim() == 2 && labels.dim() == 1 && probs.size(0) == labels.size(0),
            "log_loss: shapes disagree");
  const torch::Tensor p = clipped(probs);
  return row_nll(p / p.sum(1, true), labels).mean().item<double>();
}

double fbeta_samples(const torch::Tensor& probs, const torch::Tensor& labels, double threshold,
                     double beta) {
  XP_ASSERT(probs.sizes() == labels.sizes() && probs.dim() == 2, "fbeta: shapes disagree");
  const torch::Tensor predicted = as_double(probs).gt(threshold).to(torch::kFloat64);
  const torch::Tensor actual = as_double(labels).gt(0.5).to(torch::kFloat64);
  const torch::Tensor true_positives = (predicted * actual).sum(1);
  const torch::Tensor predicted_count = predicted.sum(1);
  const torch::Tensor actual_count = actual.sum(1);
  // F_beta = (1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp) = (1 + β²)·tp / (β²·|actual| + |predicted|):
  // zero when there is no true positive (and for a sample with nothing actual and nothing predicted).
  const double b2 = beta * beta;
  const torch::Tensor denominator = b2 * actual_count + predicted_count;
  const torch::Tensor score =
      torch::where(true_positives.gt(0), (1 + b2) * true_positives / denominator.clamp_min(1e-300),
                   torch::zeros_like(denominator));
  return score.mean().item<double>();
}

F2Score planet_f2(const torch::Tensor& probs, const torch::Tensor& labels) {
  F2Score best{-1, 0};
  // np.arange(0.17, 0.24, 0.01): seven thresholds, 0.17 … 0.23.
  for (int step = 0; step < 7; ++step) {
    const double threshold = 0.17 + 0.01 * step;
    const double score = fbeta_samples(probs, labels, threshold, 2.0);
    if (score > best.score) best = {score, threshold};
  }
  return best;
}

double accuracy_thresh(const torch::Tensor& probs, const torch::Tensor& labels, double threshold) {
  return as_double(probs)
      .gt(threshold)
      .eq(as_double(labels).gt(0.5))
      .to(torch::kFloat64)
      .mean()
      .item<double>();
}

double binary_log_loss(const torch::Tensor& probs, const torch::Tensor& labels) {
  return elementwise_bce(probs, labels).mean().item<double>();
}

double mean_absolute_error(const torch::Tensor& values, const torch::Tensor& targets) {
  return absolute_errors(values, targets).mean().item<double>();
}

double mean_squared_error(const torch::Tensor& values, const torch::Tensor& targets) {
  return (as_double(values) - as_double(targets)).pow(2).mean().item<double>();
}

std::vector<std::pair<std::string, double>> task_scores(models::Task task,
                                                        const torch::Tensor& probs,
                                                        const torch::Tensor& labels) {
  switch (task) {
    case models::Task::kSingleLabel:
      return {{"accuracy", accuracy(probs, labels)}, {"log_loss", log_loss(probs, labels)}};
    case models::Task::kMultiLabel: {
      const F2Score f2 = planet_f2(probs, labels);
      return {{"accuracy_thresh", accuracy_thresh(probs, labels)},
              {"f2", f2.score},
              {"f2_threshold", f2.threshold},
              {"bce", binary_log_loss(probs, labels)}};
    }
    case models::Task::kRegression:
      return {{"l1", mean_absolute_error(probs, labels)},
              {"mse", mean_squared_error(probs, labels)}};
  }
  return {};
}

torch::Tensor per_sample_loss(models::Task task, const torch::Tensor& probs,
                              const torch::Tensor& labels) {
  switch (task) {
    case models::Task::kSingleLabel:
      return row_nll(clipped(probs), labels);
    case models::Task::kMultiLabel:
      return elementwise_bce(probs, labels).mean(1);
    case models::Task::kRegression:
      return absolute_errors(probs, labels).mean(1);
  }
  return {};
}

torch::Tensor confusion_matrix(const torch::Tensor& probs, const torch::Tensor& labels,
                               std::int64_t classes) {
  const torch::Tensor predicted = probs.argmax(1).cpu();
  const torch::Tensor cells = labels.cpu() * classes + predicted;
  return torch::bincount(cells, {}, classes * classes)
      .reshape({classes, classes})
      .to(torch::kInt64);
}

}  // namespace xp::train
