// The multi-tensor optimizer step against torch::optim's own step(): the same parameters, the same
// gradients, LRs and momenta that move between steps, weight decay — bit for bit on the CPU, and
// the state it leaves is the one torch's step() continues from (what a resume point saves).
#include <doctest/doctest.h>

#include <torch/torch.h>

#include <functional>
#include <sstream>

#include "core/train/device.h"
#include "core/train/multi_tensor_step.h"

using namespace xp::train;

namespace {

// Parameters of the shapes a network has: a conv weight (one channels_last), a BatchNorm's
// weight and bias, a linear layer's weight.
std::vector<torch::Tensor> parameters(std::uint64_t seed) {
  torch::manual_seed(seed);
  return {torch::randn({8, 3, 3, 3}),
          torch::randn({8, 4, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast), torch::randn({8}),
          torch::randn({8}), torch::randn({10, 32})};
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& from) {
  std::vector<torch::Tensor> to;
  for (const auto& tensor : from) to.push_back(tensor.detach().clone().requires_grad_());
  return to;
}

// The same gradients on both copies: a step's gradients from the seed, one parameter left
// without a gradient at the first step (step() skips it: it has no state, then starts late).
void set_gradients(std::vector<torch::Tensor>& params, int step) {
  torch::manual_seed(100 + step);
  for (std::size_t index = 0; index < params.size(); ++index) {
    if (step == 0 && index == 2) {
      params[index].mutable_grad() = torch::Tensor();
      continue;
    }
    params[index].mutable_grad() =
        torch::randn(params[index].sizes()) * static_cast<double>(index + 1);
  }
}

// Two param groups (a body and a head, as LayerOptimizer makes), `steps` steps through both
// optimizers with `set` changing the groups' options before each; every parameter equal after
// each step, and then one step of torch's own from each state.
template <typename Optimizer, typename Options>
void check_same_steps(const Options& options, const std::function<void(Options&, int)>& set,
                      int steps = 6) {
  const std::vector<torch::Tensor> start = parameters(5);
  std::vector<torch::Tensor> ours = copies(start);
  std::vector<torch::Tensor> torchs = copies(start);
  const auto groups = [&](std::vector<torch::Tensor>& params) {
    std::vector<torch::optim::OptimizerParamGroup> split;
    split.emplace_back(std::vector<torch::Tensor>(params.begin(), params.begin() + 3),
                       std::make_unique<Options>(options));
    split.emplace_back(std::vector<torch::Tensor>(params.begin() + 3, params.end()),
                       std::make_unique<Options>(options));
    return split;
  };
  // Each group's options as the schedule has them at `step`.
  const auto schedule = [&](Optimizer& optimizer, int step) {
    for (std::size_t group = 0; group < 2; ++group)
      set(static_cast<Options&>(optimizer.param_groups()[group].options()),
          step * 2 + static_cast<int>(group));
  };
  Optimizer multi(groups(ours), options);
  Optimizer reference(groups(torchs), options);
  for (int step = 0; step < steps; ++step) {
    schedule(multi, step);
    schedule(reference, step);
    set_gradients(ours, step);
    set_gradients(torchs, step);
    multi_tensor_step(multi);
    reference.step();
    for (std::size_t index = 0; index < ours.size(); ++index) {
      CAPTURE(step);
      CAPTURE(index);
      CHECK(torch::equal(ours[index], torchs[index]));
    }
  }
  CHECK_FALSE(torch::equal(ours.back(), start.back()));
  // The state left behind continues in torch's own step() as its own does.
  torch::serialize::OutputArchive archive;
  multi.save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  std::vector<torch::Tensor> resumed = copies(ours);
  Optimizer loaded(groups(resumed), options);
  std::istringstream in(bytes.str());
  torch::serialize::InputArchive read;
  read.load_from(in);
  loaded.load(read);
  schedule(loaded, steps);
  schedule(reference, steps);
  set_gradients(resumed, steps);
  set_gradients(torchs, steps);
  loaded.step();
  reference.step();
  for (std::size_t index = 0; index < resumed.size(); ++index)
    CHECK(torch::equal(resumed[index], torchs[index]));
}

}  // namespace

TEST_CASE("multi-tensor SGD steps as torch's SGD, bit for bit: momentum, L2 decay, nesterov") {
  SUBCASE("momentum and L2 weight decay, LR and momentum moving") {
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-3),
        std::function<void(torch::optim::SGDOptions&, int)>(
            [](torch::optim::SGDOptions& options, int at) {
              options.lr(0.1 / (1 + at)).momentum(0.95 - 0.01 * at);
            }));
  }
  SUBCASE("no momentum") {
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.05),
        std::function<void(torch::optim::SGDOptions&, int)>([](auto&, int) {}));
  }
  SUBCASE("dampening and nesterov") {
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.05).momentum(0.8).nesterov(true),
        std::function<void(torch::optim::SGDOptions&, int)>([](auto&, int) {}));
    check_same_steps<torch::optim::SGD>(
        torch::optim::SGDOptions(0.05).momentum(0.8).dampening(0.3),
        std::function<void(torch::optim::SGDOptions&, int)>([](auto&, int) {}));
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
            }));
  }
  SUBCASE("AdamW") {
    check_same_steps<torch::optim::AdamW>(
        torch::optim::AdamWOptions(0.003).betas({0.9, 0.99}).eps(1e-5).weight_decay(0.1),
        std::function<void(torch::optim::AdamWOptions&, int)>(
            [](torch::optim::AdamWOptions& options, int at) { options.lr(0.003 / (1 + at)); }));
  }
}

// On a GPU (skipped without one, saying so): the multi-tensor kernels, against torch's step there.
TEST_CASE("multi-tensor SGD and AdamW on a GPU agree with torch's step there") {
  if (visible_gpus() == 0) {
    MESSAGE("skipped: no GPU visible to this LibTorch");
    return;
  }
  const torch::Device gpu(torch::kCUDA, 0);
  const auto run = [&](auto make, bool multi) {
    std::vector<torch::Tensor> params;
    for (const auto& tensor : parameters(5)) params.push_back(tensor.to(gpu).requires_grad_());
    auto optimizer = make(params);
    for (int step = 0; step < 5; ++step) {
      torch::manual_seed(100 + step);
      for (auto& param : params) param.mutable_grad() = torch::randn(param.sizes()).to(gpu);
      if (multi)
        multi_tensor_step(optimizer);
      else
        optimizer.step();
    }
    std::vector<torch::Tensor> flat;
    for (const auto& param : params) flat.push_back(param.detach().cpu().flatten());
    return torch::cat(flat);
  };
  const auto sgd = [](std::vector<torch::Tensor>& params) {
    return torch::optim::SGD(params,
                             torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-3));
  };
  const auto adamw = [](std::vector<torch::Tensor>& params) {
    return torch::optim::AdamW(params, torch::optim::AdamWOptions(0.01).weight_decay(0.1));
  };
  CHECK(torch::allclose(run(sgd, true), run(sgd, false), 1e-5, 1e-6));
  CHECK(torch::allclose(run(adamw, true), run(adamw, false), 1e-5, 1e-6));
}
