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
