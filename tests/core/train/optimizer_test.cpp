// The layer optimizer: per-group LRs scaled by the schedule, and the two kinds of weight decay,
// checked against torch's own AdamW and the update rules written out by hand.
#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/train/fused_step.h"
#include "core/train/optimizer.h"

using namespace xp::train;

namespace {

// The step implementations to check the rules with: torch::optim's step, and PyTorch's fused
// kernels where this LibTorch has them (2.4 on).
std::vector<bool> fused_or_not() {
  if (fused_step_available()) return {false, true};
  return {false};
}

// One step on a single weight w = 1 with gradient `gradient`; returns the new w.
double one_step(OptimizerOptions options, double lr, double gradient, double multiplier = 1.0) {
  torch::Tensor weight = torch::ones({1}, torch::kFloat64).requires_grad_();
  LayerOptimizer optimizer({{weight}}, {lr}, options);
  optimizer.set(multiplier, options.momentum);
  optimizer.zero_grad();
  (weight * gradient).sum().backward();
  optimizer.step();
  return weight.item<double>();
}

}  // namespace

TEST_CASE("SGD steps by lr x multiplier x gradient, L2 and decoupled decay shrink w by lr x wd") {
  for (const bool fused : fused_or_not()) {
    CAPTURE(fused);
    OptimizerOptions sgd;
    sgd.fused = fused;
    sgd.momentum = 0;
    CHECK(one_step(sgd, 0.1, 2.0) == doctest::Approx(1 - 0.2));
    CHECK(one_step(sgd, 0.1, 2.0, 0.5) == doctest::Approx(1 - 0.1));
    sgd.wd = 0.01;
    CHECK(one_step(sgd, 0.1, 0.0) == doctest::Approx(1 - 0.1 * 0.01));  // L2: gradient wd·w
    sgd.wd_mode = WeightDecay::kDecoupled;
    CHECK(one_step(sgd, 0.1, 0.0) == doctest::Approx(1 - 0.1 * 0.01));  // decoupled: w·(1 − lr·wd)
  }
}

TEST_CASE("Adam: L2 decay goes through the adaptive step, decoupled decay does not") {
  for (const bool fused : fused_or_not()) {
    CAPTURE(fused);
    OptimizerOptions adam;
    adam.fused = fused;
    adam.kind = OptimizerKind::kAdam;
    adam.wd = 0.1;
    // L2: the gradient is wd·w = 0.1; Adam's first step is lr·m̂/(√v̂ + ε) ≈ lr, whatever its size.
    CHECK(one_step(adam, 0.01, 0.0) == doctest::Approx(1 - 0.01).epsilon(1e-4));
    adam.wd_mode = WeightDecay::kDecoupled;
    CHECK(one_step(adam, 0.01, 0.0) == doctest::Approx(1 - 0.01 * 0.1));
  }
}

TEST_CASE("Adam with decoupled weight decay is torch's AdamW, step for step") {
  for (const bool fused : fused_or_not()) {
    CAPTURE(fused);
    torch::manual_seed(3);
    const torch::Tensor start = torch::randn({5, 4}, torch::kFloat64);
    const torch::Tensor target = torch::randn({5, 4}, torch::kFloat64);
    OptimizerOptions ours;
    ours.kind = OptimizerKind::kAdam;
    ours.wd = 0.05;
    ours.wd_mode = WeightDecay::kDecoupled;
    ours.fused = fused;
    OptimizerOptions adamw = ours;
    adamw.kind = OptimizerKind::kAdamW;
    torch::Tensor a = start.clone().requires_grad_();
    torch::Tensor b = start.clone().requires_grad_();
    LayerOptimizer first({{a}}, {0.01}, ours);
    LayerOptimizer second({{b}}, {0.01}, adamw);
    for (int step = 0; step < 20; ++step) {
      const double multiplier = 1.0 - step / 40.0;  // a schedule, and a momentum that moves
      const double momentum = 0.95 - step / 200.0;
      for (auto* pair : {&first, &second}) pair->set(multiplier, momentum);
      first.zero_grad();
      second.zero_grad();
      (a - target).pow(2).sum().backward();
      (b - target).pow(2).sum().backward();
      first.step();
      second.step();
    }
    CHECK(torch::allclose(a, b, 1e-12, 1e-12));
    CHECK(!torch::allclose(a, start));
    CHECK(first.implementation() == (fused ? "fused" : "for-loop"));  // on the CPU
  }
}

TEST_CASE("frozen layer groups are left out, all frozen is an error") {
  torch::Tensor frozen = torch::ones({1}, torch::kFloat64);
  torch::Tensor trained = torch::ones({1}, torch::kFloat64).requires_grad_();
  OptimizerOptions sgd;
  sgd.momentum = 0;
  LayerOptimizer optimizer({{frozen}, {trained}}, {1.0, 0.1}, sgd);
  optimizer.set(1.0, 0);
  (trained * 3.0).sum().backward();
  optimizer.step();
  CHECK(trained.item<double>() ==
        doctest::Approx(1 - 0.3));  // the head's LR, not the frozen group's
  CHECK(frozen.item<double>() == 1.0);
  CHECK_THROWS(LayerOptimizer({{frozen}}, {0.1}, sgd));
}

TEST_CASE("a fused step asked of a LibTorch without the kernels is refused, naming the version") {
  if (fused_step_available()) {
    MESSAGE("skipped: this LibTorch has the fused kernels");
    return;
  }
  torch::Tensor weight = torch::ones({1}).requires_grad_();
  OptimizerOptions sgd;
  sgd.fused = true;
  LayerOptimizer optimizer({{weight}}, {0.1}, sgd);
  (weight * 2.0).sum().backward();
  CHECK_THROWS_WITH(optimizer.step(), doctest::Contains("need LibTorch 2.4 or later"));
  CHECK(weight.item<float>() == 1.0f);
}
