// A check shared by the optimizer step kernels' tests (multi_tensor_step_test, fused_step_test):
// a step under test against torch::optim's own step(), over parameters of a network's shapes, two
// param groups whose options move between steps, and one parameter that starts a step late.
#pragma once

#include <doctest/doctest.h>

#include <torch/torch.h>

#include <functional>
#include <sstream>
#include <vector>

namespace xp::train::testing {

// Parameters of the shapes a network has: a conv weight (one channels_last), a BatchNorm's
// weight and bias, a linear layer's weight.
inline std::vector<torch::Tensor> parameters(std::uint64_t seed) {
  torch::manual_seed(seed);
  return {torch::randn({8, 3, 3, 3}),
          torch::randn({8, 4, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast), torch::randn({8}),
          torch::randn({8}), torch::randn({10, 32})};
}

inline std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& from) {
  std::vector<torch::Tensor> to;
  for (const auto& tensor : from) to.push_back(tensor.detach().clone().requires_grad_());
  return to;
}

// The same gradients on both copies: a step's gradients from the seed, one parameter left
// without a gradient at the first step (step() skips it: it has no state, then starts late). They
// are contiguous (NCHW), so the channels_last weight's gradient is laid out unlike the weight.
inline void set_gradients(std::vector<torch::Tensor>& params, int step) {
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

// Equal (`tolerance` 0: bit for bit), or within `tolerance` relative to the larger values.
inline bool same(const torch::Tensor& ours, const torch::Tensor& torchs, double tolerance) {
  return tolerance == 0 ? torch::equal(ours, torchs)
                        : torch::allclose(ours, torchs, tolerance, tolerance);
}

// Two param groups (a body and a head, as LayerOptimizer makes), `steps` steps through two
// optimizers — one stepped by `step_under_test`, the other by torch's step() — with `set`
// changing the groups' options before each; every parameter the same after each step, and then
// one step of torch's own from each state.
template <typename Optimizer, typename Options>
void check_same_steps(const Options& options, const std::function<void(Options&, int)>& set,
                      const std::function<void(Optimizer&)>& step_under_test, double tolerance = 0,
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
  Optimizer ours_optimizer(groups(ours), options);
  Optimizer reference(groups(torchs), options);
  for (int step = 0; step < steps; ++step) {
    schedule(ours_optimizer, step);
    schedule(reference, step);
    set_gradients(ours, step);
    set_gradients(torchs, step);
    step_under_test(ours_optimizer);
    reference.step();
    for (std::size_t index = 0; index < ours.size(); ++index) {
      CAPTURE(step);
      CAPTURE(index);
      CHECK(same(ours[index], torchs[index], tolerance));
    }
  }
  CHECK_FALSE(torch::equal(ours.back(), start.back()));
  // The state left behind continues in torch's own step() as its own does.
  torch::serialize::OutputArchive archive;
  ours_optimizer.save(archive);
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
    CHECK(same(resumed[index], torchs[index], tolerance));
}

// The SGD cases every step kernel is checked on (`step_under_test` callable with an SGD):
// momentum and L2 decay with the LR and momentum moving, no momentum, nesterov, dampening.
template <typename Step>
void check_sgd_cases(const Step& step_under_test, double tolerance) {
  using Options = torch::optim::SGDOptions;
  const std::function<void(Options&, int)> fixed = [](Options&, int) {};
  SUBCASE("momentum and L2 weight decay, LR and momentum moving") {
    check_same_steps<torch::optim::SGD>(
        Options(0.1).momentum(0.9).weight_decay(1e-3),
        std::function<void(Options&, int)>([](Options& options, int at) {
          options.lr(0.1 / (1 + at)).momentum(0.95 - 0.01 * at);
        }),
        step_under_test, tolerance);
  }
  SUBCASE("no momentum") {
    check_same_steps<torch::optim::SGD>(Options(0.05), fixed, step_under_test, tolerance);
  }
  SUBCASE("dampening and nesterov") {
    check_same_steps<torch::optim::SGD>(Options(0.05).momentum(0.8).nesterov(true), fixed,
                                        step_under_test, tolerance);
    check_same_steps<torch::optim::SGD>(Options(0.05).momentum(0.8).dampening(0.3), fixed,
                                        step_under_test, tolerance);
  }
}

// The Adam and AdamW cases (`step_under_test` callable with either): L2 decay with the LR and β₁
// moving; decoupled decay with the LR moving.
template <typename Step>
void check_adam_cases(const Step& step_under_test, double tolerance) {
  SUBCASE("Adam with L2 decay, LR and beta1 moving") {
    check_same_steps<torch::optim::Adam>(
        torch::optim::AdamOptions(0.01).betas({0.9, 0.99}).eps(1e-5).weight_decay(1e-2),
        std::function<void(torch::optim::AdamOptions&, int)>(
            [](torch::optim::AdamOptions& options, int at) {
              options.lr(0.01 * (1 - 0.05 * at)).betas({0.95 - 0.01 * at, 0.99});
            }),
        step_under_test, tolerance);
  }
  SUBCASE("AdamW") {
    check_same_steps<torch::optim::AdamW>(
        torch::optim::AdamWOptions(0.003).betas({0.9, 0.99}).eps(1e-5).weight_decay(0.1),
        std::function<void(torch::optim::AdamWOptions&, int)>(
            [](torch::optim::AdamWOptions& options, int at) { options.lr(0.003 / (1 + at)); }),
        step_under_test, tolerance);
  }
}

// On cuda:0: SGD (momentum, L2) and AdamW stepped five times by `step_under_test` (callable with
// either) agree with torch's own step() there, to a GPU's rounding.
template <typename Step>
void check_same_steps_on_gpu(const Step& step_under_test) {
  const torch::Device gpu(torch::kCUDA, 0);
  const auto run = [&](auto make, bool under_test) {
    std::vector<torch::Tensor> params;
    for (const auto& tensor : parameters(5)) params.push_back(tensor.to(gpu).requires_grad_());
    auto optimizer = make(params);
    for (int step = 0; step < 5; ++step) {
      torch::manual_seed(100 + step);
      for (auto& param : params) param.mutable_grad() = torch::randn(param.sizes()).to(gpu);
      if (under_test)
        step_under_test(optimizer);
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

}  // namespace xp::train::testing
