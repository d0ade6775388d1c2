// PyTorch's single-kernel ("fused") optimizer steps against torch::optim's own step(): the same
// formulas evaluated in another order, so equal to rounding (1e-6 relative over six steps), with
// the state torch's step() continues from. Needs LibTorch 2.4 or later (make test-torch2); an older
// LibTorch is checked to refuse them with a message that names its version.
#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/train/device.h"
#include "core/train/fused_step.h"
#include "core/util/error.h"
#include "tests/core/train/optimizer_step_check.h"

using namespace xp::train;
using xp::train::testing::check_adam_cases;
using xp::train::testing::check_same_steps_on_gpu;
using xp::train::testing::check_sgd_cases;

namespace {

// Six fused steps agree with torch's to this: a float's rounding, compounded.
constexpr double kTolerance = 1e-6;

const auto fused = [](auto& optimizer) { fused_step(optimizer); };

bool skipped_without_fused_kernels() {
  if (fused_step_available()) return false;
  MESSAGE("skipped: this LibTorch has no fused optimizer kernels (2.4 or later has)");
  return true;
}

}  // namespace

TEST_CASE("fused SGD steps as torch's SGD to rounding: momentum, first steps, L2, nesterov") {
  if (skipped_without_fused_kernels()) return;
  check_sgd_cases(fused, kTolerance);
}

TEST_CASE("fused Adam and AdamW step as torch's to rounding, parameters of two step counts") {
  if (skipped_without_fused_kernels()) return;
  check_adam_cases(fused, kTolerance);
}

TEST_CASE("fused steps on a LibTorch without the kernels are refused, naming its version") {
  if (fused_step_available()) {
    MESSAGE("skipped: this LibTorch has the fused kernels (the refusal is for 1.13's builds)");
    return;
  }
  auto weight = torch::zeros({2}, torch::requires_grad());
  torch::optim::AdamW adamw({weight}, torch::optim::AdamWOptions(0.1));
  CHECK_THROWS_WITH_AS(fused_step(adamw), doctest::Contains("LibTorch 2.4 or later"),
                       xp::UserError);
}

// On a GPU (skipped without one, saying so): the CUDA kernels, against torch's step there.
TEST_CASE("fused SGD and AdamW on a GPU agree with torch's step there") {
  if (skipped_without_fused_kernels()) return;
  if (visible_gpus() == 0) {
    MESSAGE("skipped: no GPU visible to this LibTorch");
    return;
  }
  check_same_steps_on_gpu(fused);
}
