// Dynamic loss scaling against PyTorch's GradScaler as its documentation and _amp_update_scale_
// define it: gradients of the scaled loss divided back exactly, a step with inf/NaN gradients
// reported (and skipped by the caller) with the scale backed off, growth after growth_interval
// good steps in a row, never past float32's range.
#include "core/train/loss_scale.h"

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "core/train/device.h"

using xp::train::DynamicLossScale;
using xp::train::LossScaleOptions;

namespace {

// d/dw of sum((w·x)²) for a fixed w and x, with the loss scaled by `scale` (nullptr: not).
torch::Tensor gradient(const DynamicLossScale* scale, bool* finite = nullptr) {
  torch::manual_seed(5);
  torch::Tensor weight = torch::randn({4, 3}).requires_grad_(true);
  const torch::Tensor inputs = torch::randn({8, 3});
  const torch::Tensor loss = torch::mm(inputs, weight.t()).pow(2).sum();
  if (scale == nullptr) {
    loss.backward();
  } else {
    scale->scaled(loss).backward();
    const bool all_finite = scale->unscale({weight});
    if (finite) *finite = all_finite;
  }
  return weight.grad();
}

}  // namespace

TEST_CASE(
    "loss scaling: gradients of the scaled loss, unscaled, equal the plain ones bit for bit") {
  const DynamicLossScale scale;  // 2^16: a power of two scales and unscales exactly
  CHECK(scale.value() == 65536.0);
  bool finite = false;
  const torch::Tensor unscaled = gradient(&scale, &finite);
  CHECK(finite);
  CHECK(torch::equal(unscaled, gradient(nullptr)));
}

TEST_CASE("loss scaling: overflowing gradients are reported and the scale backs off") {
  LossScaleOptions options;
  options.init_scale = std::ldexp(1.0, 127);  // float32's largest power of two: the loss overflows
  DynamicLossScale scale(options);
  bool finite = true;
  gradient(&scale, &finite);
  CHECK_FALSE(finite);
  scale.update(finite);
  CHECK(scale.value() == std::ldexp(1.0, 126));
  CHECK(scale.state().good_steps == 0);

  torch::Tensor weight = torch::ones({2}).requires_grad_(true);
  (weight * std::numeric_limits<double>::quiet_NaN()).sum().backward();
  CHECK_FALSE(DynamicLossScale().unscale({weight}));
  torch::Tensor no_grad = torch::ones({2});  // a parameter without a gradient is passed over
  CHECK(DynamicLossScale().unscale({no_grad}));
}

TEST_CASE("loss scaling: grows after growth_interval good steps in a row, as GradScaler does") {
  LossScaleOptions options;
  options.init_scale = 8;
  options.growth_interval = 2;
  DynamicLossScale scale(options);
  // GradScaler's update: inf → scale × 0.5 and the count reset; else count + 1, and at the
  // interval scale × 2 and the count reset.
  const std::vector<bool> finite = {true, true, false, true, true, true, false, false, true};
  const std::vector<double> expected = {8, 16, 8, 8, 16, 16, 8, 4, 4};
  const std::vector<std::int64_t> good = {1, 0, 0, 1, 0, 1, 0, 0, 1};
  for (std::size_t step = 0; step < finite.size(); ++step) {
    CAPTURE(step);
    scale.update(finite[step]);
    CHECK(scale.value() == expected[step]);
    CHECK(scale.state().good_steps == good[step]);
  }
  // A state restored continues where it was.
  DynamicLossScale resumed(options);
  resumed.restore(scale.state());
  scale.update(true);
  resumed.update(true);
  CHECK(resumed.value() == scale.value());
  CHECK(resumed.value() == 8);
}

TEST_CASE("loss scaling: the scale never grows past float32's range") {
  LossScaleOptions options;
  options.init_scale = std::ldexp(1.0, 127);
  options.growth_interval = 1;
  DynamicLossScale scale(options);
  scale.update(true);
  CHECK(scale.value() == std::ldexp(1.0, 127));  // 2^128 is inf in float32
  CHECK(scale.state().good_steps == 0);
}

// On a GPU (skipped without one, saying so): GradScaler's own multi-tensor kernel.
TEST_CASE("loss scaling on a GPU: GradScaler's kernel unscales and flags as the CPU path does") {
  if (xp::train::visible_gpus() == 0) {
    MESSAGE("skipped: no GPU visible to this LibTorch");
    return;
  }
  const auto unscaled = [](const torch::Device& device, float poison) {
    torch::manual_seed(9);
    std::vector<torch::Tensor> weights;
    for (const std::int64_t size : {5, 300, 7}) {
      torch::Tensor weight = torch::randn({size}).to(device).requires_grad_(true);
      weight.mutable_grad() = torch::randn({size}).mul(1000).to(device);
      weights.push_back(weight);
    }
    weights[1].mutable_grad()[17].fill_(poison);
    LossScaleOptions options;
    options.init_scale = 3.0;  // not a power of two: the reciprocal is rounded, the same way
    const bool finite = DynamicLossScale(options).unscale(weights);
    std::vector<torch::Tensor> gradients;
    for (const auto& weight : weights) gradients.push_back(weight.grad().cpu());
    return std::make_pair(finite, torch::cat(gradients));
  };
  const torch::Device gpu(torch::kCUDA, 0);
  for (const float poison :
       {1.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    CAPTURE(poison);
    const auto [cpu_finite, cpu_gradients] = unscaled(torch::kCPU, poison);
    const auto [gpu_finite, gpu_gradients] = unscaled(gpu, poison);
    CHECK(gpu_finite == cpu_finite);
    CHECK(gpu_finite == std::isfinite(poison));
    CHECK(torch::allclose(gpu_gradients, cpu_gradients, 1e-6, 0, /*equal_nan=*/true));
  }
}
