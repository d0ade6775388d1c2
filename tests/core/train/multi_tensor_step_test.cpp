// The multi-tensor optimizer step against torch::optim's own step(): the same parameters, the same
// gradients, LRs and momenta that move between steps, weight decay — bit for bit on the CPU, and
// the state it leaves is the one torch's step() continues from (what a resume point saves).
#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/train/device.h"
#include "core/train/multi_tensor_step.h"
#include "tests/core/train/optimizer_step_check.h"

using namespace xp::train;
using xp::train::testing::check_same_steps;
using xp::train::testing::check_same_steps_on_gpu;

namespace {

// The step under test, for each optimizer type.
template <typename Optimizer>
std::function<void(Optimizer&)> multi_tensor() {
  return [](Optimizer& optimizer) { multi_tensor_step(optimizer); };
}

}  // namespace

TEST_CASE("multi-tensor SGD steps as torch's SGD, bit for bit: momentum, L2 decay, nesterov") {
  SUBCASE("momentum and L2 weight decay, LR and momentum moving") {
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-3),
        std::function<void(torch::optim::SGDOptions&, int)>(
            [](torch::optim::SGDOptions& options, int at) {
              options.lr(0.1 / (1 + at)).momentum(0.95 - 0.01 * at);
            }),
        multi_tensor<torch::optim::SGD>());
  }
  SUBCASE("no momentum") {
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.05),
        std::function<void(torch::optim::SGDOptions&, int)>([](auto&, int) {}),
        multi_tensor<torch::optim::SGD>());
  }
  SUBCASE("dampening and nesterov") {
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.05).momentum(0.8).nesterov(true),
        std::function<void(torch::optim::SGDOptions&, int)>([](auto&, int) {}),
        multi_tensor<torch::optim::SGD>());
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.05).momentum(0.8).dampening(0.3),
        std::function<void(torch::optim::SGDOptions&, int)>([](auto&, int) {}),
        multi_tensor<torch::optim::SGD>());
  }
}

TEST_CASE(
    "multi-tensor Adam and AdamW step as torch's, bit for bit, parameters of two step counts") {
  SUBCASE("Adam with L2 decay, LR and beta1 moving") {
    check_same_steps<torch::optim::Adam>(
        torch::optim::AdamOptions(0.01).betas({0.9, 0.99}).eps(1e-5).weight_decay(1e-2),
        std::function<void(torch::optim::AdamOptions&, int)>(
            [](torch::optim::AdamOptions& options, int at) {
              options.lr(0.01 * (1 - 0.05 * at)).betas({0.95 - 0.01 * at, 0.99});
            }),
        multi_tensor<torch::optim::Adam>());
  }
  SUBCASE("AdamW") {
    check_same_steps<torch::optim::AdamW>(
        torch::optim::AdamWOptions(0.003).betas({0.9, 0.99}).eps(1e-5).weight_decay(0.1),
        std::function<void(torch::optim::AdamWOptions&, int)>(
            [](torch::optim::AdamWOptions& options, int at) { options.lr(0.003 / (1 + at)); }),
        multi_tensor<torch::optim::AdamW>());
  }
}

// On a GPU (skipped without one, saying so): the multi-tensor kernels, against torch's step there.
TEST_CASE("multi-tensor SGD and AdamW on a GPU agree with torch's step there") {
  if (visible_gpus() == 0) {
    MESSAGE("skipped: no GPU visible to this LibTorch");
    return;
  }
  check_same_steps_on_gpu([](auto& optimizer) { multi_tensor_step(optimizer); });
}
