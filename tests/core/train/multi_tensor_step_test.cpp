// The multi-tensor optimizer step against torch::optim's own step(): the same parameters, the same
// gradients, LRs and momenta that move between steps, weight decay — bit for bit on the CPU, and
// the state it leaves is the one torch's step() continues from (what a resume point saves).
#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/train/device.h"
#include "core/train/multi_tensor_step.h"
#include "tests/core/train/optimizer_step_check.h"

using namespace xp::train;
using xp::train::testing::check_adam_cases;
using xp::train::testing::check_same_steps_on_gpu;
using xp::train::testing::check_sgd_cases;

namespace {

const auto multi_tensor = [](auto& optimizer) { multi_tensor_step(optimizer); };

}  // namespace

TEST_CASE("multi-tensor SGD steps as torch's SGD, bit for bit: momentum, L2 decay, nesterov") {
  check_sgd_cases(multi_tensor, 0);
}

TEST_CASE(
    "multi-tensor Adam and AdamW step as torch's, bit for bit, parameters of two step counts") {
  check_adam_cases(multi_tensor, 0);
}

// On a GPU (skipped without one, saying so): the multi-tensor kernels, against torch's step there.
TEST_CASE("multi-tensor SGD and AdamW on a GPU agree with torch's step there") {
  if (visible_gpus() == 0) {
    MESSAGE("skipped: no GPU visible to this LibTorch");
    return;
  }
  check_same_steps_on_gpu(multi_tensor);
}
