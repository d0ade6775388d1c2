// Whole-split scores and the TTA combination, on values small enough to work out by hand from the
// definitions (sklearn's log_loss and fbeta_score, fastai's TTA). scores_parity_test checks the
// same functions against a NumPy implementation on random data.
#include <doctest/doctest.h>

#include <torch/torch.h>

#include <cmath>

#include "core/train/scores.h"
#include "core/train/tta.h"

using namespace xp::train;

TEST_CASE("accuracy and log_loss of single-label probabilities") {
  const torch::Tensor probs =
      torch::tensor({0.8, 0.2, 0.3, 0.7, 0.6, 0.4}, torch::kFloat32).reshape({3, 2});
  const torch::Tensor labels = torch::tensor({0, 1, 1}, torch::kInt64);
  CHECK(accuracy(probs, labels) == doctest::Approx(2.0 / 3));
  CHECK(log_loss(probs, labels) ==
        doctest::Approx(-(std::log(0.8) + std::log(0.7) + std::log(0.4)) / 3).epsilon(1e-6));
}

TEST_CASE("log_loss clips at 1e-15 and renormalizes each row, as scikit-learn does") {
  const torch::Tensor certain_wrong = torch::tensor({1.0, 0.0}, torch::kFloat64).reshape({1, 2});
  CHECK(log_loss(certain_wrong, torch::tensor({1}, torch::kInt64)) ==
        doctest::Approx(-std::log(1e-15)).epsilon(1e-9));
  // Rows that do not sum to one are renormalized: [0.2, 0.2] is [0.5, 0.5].
  const torch::Tensor unnormalized = torch::tensor({0.2, 0.2}, torch::kFloat64).reshape({1, 2});
  CHECK(log_loss(unnormalized, torch::tensor({0}, torch::kInt64)) ==
        doctest::Approx(std::log(2.0)));
}

TEST_CASE("per-sample F2 and planet's threshold search") {
  // Sample 0: actual {0, 1}, predicted at 0.2 {0, 2}: tp 1, P 1/2, R 1/2 → F2 = 5·¼ / (4·½ + ½) = 0.5.
  // Sample 1: actual {2}, predicted {2}: F2 = 1.
  const torch::Tensor probs =
      torch::tensor({0.9, 0.1, 0.5, 0.05, 0.1, 0.95}, torch::kFloat32).reshape({2, 3});
  const torch::Tensor labels = torch::tensor({1.f, 1.f, 0.f, 0.f, 0.f, 1.f}).reshape({2, 3});
  CHECK(fbeta_samples(probs, labels, 0.2, 2.0) == doctest::Approx(0.75));
  // At thresholds 0.17 … 0.23 the predictions do not change, so the best is the first, 0.17.
  const F2Score best = planet_f2(probs, labels);
  CHECK(best.score == doctest::Approx(0.75));
  CHECK(best.threshold == doctest::Approx(0.17));
  // A sample with nothing actual and nothing predicted scores 0 (scikit-learn's zero_division).
  CHECK(fbeta_samples(torch::zeros({1, 3}), torch::zeros({1, 3}), 0.5, 2.0) == 0.0);
  CHECK(accuracy_thresh(probs, labels) == doctest::Approx(5.0 / 6));  // 0.5 is not above 0.5
}

TEST_CASE("regression errors and binary log loss") {
  const torch::Tensor values = torch::tensor({0.5f, 2.0f}).reshape({2, 1});
  const torch::Tensor targets = torch::tensor({1.0f, 1.0f}).reshape({2, 1});
  CHECK(mean_absolute_error(values, targets) == doctest::Approx(0.75));
  CHECK(mean_squared_error(values, targets) == doctest::Approx(0.625));
  const torch::Tensor p = torch::tensor({0.9f, 0.2f}).reshape({1, 2});
  const torch::Tensor y = torch::tensor({1.0f, 0.0f}).reshape({1, 2});
  CHECK(binary_log_loss(p, y) ==
        doctest::Approx(-(std::log(0.9) + std::log(0.8)) / 2).epsilon(1e-6));
}

TEST_CASE("the confusion matrix counts actual rows against predicted columns") {
  const torch::Tensor probs =
      torch::tensor({0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f, 0.3f, 0.7f}).reshape({4, 2});
  const torch::Tensor labels = torch::tensor({0, 1, 1, 1}, torch::kInt64);
  const torch::Tensor matrix = confusion_matrix(probs, labels, 2);
  CHECK(matrix[0][0].item<std::int64_t>() == 1);
  CHECK(matrix[0][1].item<std::int64_t>() == 0);
  CHECK(matrix[1][0].item<std::int64_t>() == 1);
  CHECK(matrix[1][1].item<std::int64_t>() == 2);
}

TEST_CASE(
    "TTA: fastai 0.7 averages the plain pass with the augmented ones, v2 weights them by beta") {
  const torch::Tensor plain = torch::tensor({1.0f, 0.0f}).reshape({1, 2});
  const std::vector<torch::Tensor> augmented(4, torch::tensor({0.0f, 1.0f}).reshape({1, 2}));
  // np.mean(np.stack([plain] + 4 augmented), 0): the plain pass weighs 1/5.
  const torch::Tensor v07 = combine_tta(plain, augmented, {4, std::nullopt});
  CHECK(v07[0][0].item<float>() == doctest::Approx(0.2));
  CHECK(v07[0][1].item<float>() == doctest::Approx(0.8));
  // lerp(mean_aug, plain, 0.25) = 0.75·mean_aug + 0.25·plain.
  const torch::Tensor v2 = combine_tta(plain, augmented, {4, 0.25});
  CHECK(v2[0][0].item<float>() == doctest::Approx(0.25));
  // n_aug = 8: fastai repeats the plain pass ceil(8/4) = 2 times in the stack (weight 2/10).
  const std::vector<torch::Tensor> eight(8, torch::tensor({0.0f, 1.0f}).reshape({1, 2}));
  CHECK(combine_tta(plain, eight, {8, std::nullopt})[0][0].item<float>() == doctest::Approx(0.2));
}

TEST_CASE("per-sample losses rank the images the model is most wrong about") {
  const torch::Tensor probs =
      torch::tensor({0.9, 0.1, 0.4, 0.6, 0.05, 0.95}, torch::kFloat64).reshape({3, 2});
  const torch::Tensor labels = torch::tensor({0, 0, 1}, torch::kInt64);
  const torch::Tensor losses = per_sample_loss(xp::models::Task::kSingleLabel, probs, labels);
  CHECK(losses[0].item<double>() == doctest::Approx(-std::log(0.9)));
  CHECK(losses[1].item<double>() == doctest::Approx(-std::log(0.4)));
  CHECK(losses.argmax().item<std::int64_t>() == 1);
  // The mean of the per-sample losses is the split's log loss (rows here sum to one).
  CHECK(losses.mean().item<double>() == doctest::Approx(log_loss(probs, labels)));
}
