// The per-parameter state torch::optim's SGD, Adam and AdamW keep, read and created by xp's own
// optimizer steps (multi_tensor_step.h, fused_step.h) as those optimizers' step() would: the state
// stays in the torch::optim object, so its save/load — and a resume point — work unchanged.
// Internal to those two steps.
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <map>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/train/torch_compat.h"

namespace xp::train::optimizer_state {

using Tensors = std::vector<torch::Tensor>;

// The key of `parameter`'s entry in the optimizer's state map.
template <typename Optimizer>
auto key(Optimizer& optimizer, const torch::Tensor& parameter) {
  return compat::optimizer_state_key<std::decay_t<decltype(optimizer.state())>>(parameter);
}

// The state torch::optim keeps for `parameter`, or null before its first step.
template <typename State, typename Optimizer>
State* find(Optimizer& optimizer, const torch::Tensor& parameter) {
  const auto found = optimizer.state().find(key(optimizer, parameter));
  return found == optimizer.state().end() ? nullptr : static_cast<State*>(found->second.get());
}

template <typename State, typename Optimizer>
State& add(Optimizer& optimizer, const torch::Tensor& parameter, std::unique_ptr<State> state) {
  auto& slot = optimizer.state()[key(optimizer, parameter)];
  slot = std::move(state);
  return static_cast<State&>(*slot);
}

// A param group's parameters that have a gradient, and those gradients (step() skips the others).
struct WithGradients {
  Tensors parameters;
  Tensors gradients;
};

inline WithGradients with_gradients(const torch::optim::OptimizerParamGroup& group) {
  WithGradients found;
  for (const auto& parameter : group.params()) {
    if (!parameter.grad().defined()) continue;
    found.parameters.push_back(parameter);
    found.gradients.push_back(parameter.grad());
  }
  return found;
}

// Adam's moments of the parameters whose step count is the same: the bias corrections depend on
// it. Parameters trained together have one count; a bucket per count keeps the formula exact
// otherwise.
struct AdamBucket {
  Tensors parameters;
  Tensors gradients;
  Tensors exp_avg;
  Tensors exp_avg_sq;
};

// Counts this step for every parameter of `group` that has a gradient — creating its state
// (step 0, zero moments) at its first, as Adam::step does — and buckets them by their new count.
template <typename State, typename Optimizer>
std::map<std::int64_t, AdamBucket> count_adam_step(Optimizer& adam,
                                                   const torch::optim::OptimizerParamGroup& group) {
  const WithGradients trained = with_gradients(group);
  std::map<std::int64_t, AdamBucket> by_step;
  for (std::size_t index = 0; index < trained.parameters.size(); ++index) {
    const torch::Tensor& parameter = trained.parameters[index];
    State* state = find<State>(adam, parameter);
    if (!state) {
      auto fresh = std::make_unique<State>();
      fresh->step(0);
      fresh->exp_avg(torch::zeros_like(parameter, c10::MemoryFormat::Preserve));
      fresh->exp_avg_sq(torch::zeros_like(parameter, c10::MemoryFormat::Preserve));
      state = &add<State>(adam, parameter, std::move(fresh));
    }
    state->step(state->step() + 1);
    AdamBucket& bucket = by_step[state->step()];
    bucket.parameters.push_back(parameter);
    bucket.gradients.push_back(trained.gradients[index]);
    bucket.exp_avg.push_back(state->exp_avg());
    bucket.exp_avg_sq.push_back(state->exp_avg_sq());
  }
  return by_step;
}

}  // namespace xp::train::optimizer_state
