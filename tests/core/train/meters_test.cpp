#include <doctest/doctest.h>

#include <torch/torch.h>

#include <cmath>

#include "core/train/meters.h"

using namespace xp::train;

TEST_CASE("SmoothedLoss is fastai's debiased EMA with beta 0.98") {
  SmoothedLoss smoothed;
  const double losses[] = {2.0, 1.0, 0.5, 0.25};
  double average = 0;
  for (int step = 1; step <= 4; ++step) {
    smoothed.add(losses[step - 1]);
    average = 0.98 * average + 0.02 * losses[step - 1];
    CHECK(smoothed.value() == doctest::Approx(average / (1 - std::pow(0.98, step))));
  }
  SmoothedLoss first;
  first.add(3.0);
  CHECK(first.value() == doctest::Approx(3.0));  // debiasing makes the first value exact
}

TEST_CASE("AverageMeter weights each batch by its size") {
  AverageMeter meter;
  meter.add(1.0, 64);
  meter.add(4.0, 16);
  CHECK(meter.value() == doctest::Approx((64.0 + 64.0) / 80));
  meter.reset();
  CHECK(std::isnan(meter.value()));
}

TEST_CASE("AccuracyMeter counts argmax hits over all batches") {
  AccuracyMeter meter;
  meter.add(torch::tensor({{0.1f, 0.9f}, {0.8f, 0.2f}}), torch::tensor({1, 1}, torch::kInt64));
  meter.add(torch::tensor({{0.3f, 0.7f}}), torch::tensor({1}, torch::kInt64));
  CHECK(meter.value() == doctest::Approx(2.0 / 3));
}

TEST_CASE("TaskMetricMeter: accuracy, fastai's accuracy_thresh(0.5) over all elements, and MSE") {
  CHECK(TaskMetricMeter::name(xp::models::Task::kSingleLabel) == "accuracy");
  CHECK(TaskMetricMeter::name(xp::models::Task::kMultiLabel) == "accuracy_thresh");
  CHECK(TaskMetricMeter::name(xp::models::Task::kRegression) == "mse");

  TaskMetricMeter multi(xp::models::Task::kMultiLabel);
  // Batch 1: predictions > 0.5 → [1,0,1], [0,0,0] (0.5 is not > 0.5); targets [1,1,1], [0,0,1]: 4 of 6 agree.
  multi.add(torch::tensor({0.9f, 0.2f, 0.6f, 0.1f, 0.5f, 0.4f}).view({2, 3}),
            torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f, 1.f}).view({2, 3}));
  // Batch 2: [1,1,0] against [1,1,0]: 3 of 3.
  multi.add(torch::tensor({0.7f, 0.8f, 0.3f}).view({1, 3}),
            torch::tensor({1.f, 1.f, 0.f}).view({1, 3}));
  CHECK(multi.value() == doctest::Approx(7.0 / 9));

  TaskMetricMeter mse(xp::models::Task::kRegression);
  mse.add(torch::tensor({1.f, 2.f}).view({2, 1}),
          torch::tensor({0.f, 0.f}).view({2, 1}));                                // squares 1, 4
  mse.add(torch::tensor({3.f}).view({1, 1}), torch::tensor({1.f}).view({1, 1}));  // square 4
  CHECK(mse.value() == doctest::Approx(9.0 / 3));
}
