#include "core/train/multi_tensor_step.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <map>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/train/torch_compat.h"
#include "core/util/error.h"

namespace xp::train {

namespace {

using Tensors = std::vector<torch::Tensor>;

// The key of `parameter`'s entry in the optimizer's state map.
template <typename Optimizer>
auto state_key(Optimizer& optimizer, const torch::Tensor& parameter) {
  return compat::optimizer_state_key<std::decay_t<decltype(optimizer.state())>>(parameter);
}

// The state torch::optim keeps for `parameter`, or null before its first step.
template <typename State, typename Optimizer>
State* find_state(Optimizer& optimizer, const torch::Tensor& parameter) {
  const auto found = optimizer.state().find(state_key(optimizer, parameter));
  return found == optimizer.state().end() ? nullptr : static_cast<State*>(found->second.get());
}

template <typename State, typename Optimizer>
State& add_state(Optimizer& optimizer, const torch::Tensor& parameter,
                 std::unique_ptr<State> state) {
  auto& slot = optimizer.state()[state_key(optimizer, parameter)];
  slot = std::move(state);
  return static_cast<State&>(*slot);
}

// A param group's parameters that have a gradient, and those gradients (step() skips the others).
struct WithGradients {
  Tensors parameters;
  Tensors gradients;
};

WithGradients with_gradients(const torch::optim::OptimizerParamGroup& group) {
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

// Adam (decoupled = false: weight decay as L2 in the gradient) and AdamW (decoupled: the
// weights shrink by lr·wd first), as torch::optim::Adam/AdamW::step.
template <typename Options, typename State, typename Optimizer>
void adam_step(Optimizer& adam, bool decoupled) {
  torch::NoGradGuard no_grad;
  for (auto& group : adam.param_groups()) {
    const auto& options = static_cast<const Options&>(group.options());
    XP_ASSERT(!options.amsgrad(), "multi_tensor_step: amsgrad is not implemented");
    const auto [beta1, beta2] = options.betas();
    const double lr = options.lr();
    const double wd = options.weight_decay();
    const WithGradients trained = with_gradients(group);
    std::map<std::int64_t, AdamBucket> by_step;
    for (std::size_t index = 0; index < trained.parameters.size(); ++index) {
      const torch::Tensor& parameter = trained.parameters[index];
      State* state = find_state<State>(adam, parameter);
      if (!state) {
        auto fresh = std::make_unique<State>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(parameter, c10::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(parameter, c10::MemoryFormat::Preserve));
        state = &add_state(adam, parameter, std::move(fresh));
      }
      state->step(state->step() + 1);
      AdamBucket& bucket = by_step[state->step()];
      bucket.parameters.push_back(parameter);
      bucket.gradients.push_back(trained.gradients[index]);
      bucket.exp_avg.push_back(state->exp_avg());
      bucket.exp_avg_sq.push_back(state->exp_avg_sq());
    }
    for (auto& [step, bucket] : by_step) {
      if (decoupled && wd != 0) at::_foreach_mul_(bucket.parameters, 1 - lr * wd);
      const Tensors gradients = !decoupled && wd != 0
                                    ? at::_foreach_add(bucket.gradients, bucket.parameters, wd)
                                    : bucket.gradients;
      const double bias_correction1 = 1 - std::pow(beta1, step);
      const double bias_correction2 = 1 - std::pow(beta2, step);
      at::_foreach_mul_(bucket.exp_avg, beta1);
      at::_foreach_add_(bucket.exp_avg, gradients, 1 - beta1);
      at::_foreach_mul_(bucket.exp_avg_sq, beta2);
      at::_foreach_addcmul_(bucket.exp_avg_sq, gradients, gradients, 1 - beta2);
      Tensors denominators = at::_foreach_sqrt(bucket.exp_avg_sq);
      at::_foreach_div_(denominators, std::sqrt(bias_correction2));
      at::_foreach_add_(denominators, options.eps());
      at::_foreach_addcdiv_(bucket.parameters, bucket.exp_avg, denominators,
                            -(lr / bias_correction1));
    }
  }
}

}  // namespace

void multi_tensor_step(torch::optim::SGD& sgd) {
  torch::NoGradGuard no_grad;
  for (auto& group : sgd.param_groups()) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    const WithGradients trained = with_gradients(group);
    if (trained.parameters.empty()) continue;
    // d_p = grad + wd·p
    Tensors steps =
        options.weight_decay() != 0
            ? at::_foreach_add(trained.gradients, trained.parameters, options.weight_decay())
            : trained.gradients;
    if (options.momentum() != 0) {
      // buf = d_p at a parameter's first step, then momentum·buf + (1 − dampening)·d_p.
      Tensors buffers;
      Tensors continued;
      Tensors continued_by;
      for (std::size_t index = 0; index < trained.parameters.size(); ++index) {
        const torch::Tensor& parameter = trained.parameters[index];
        if (auto* state = find_state<torch::optim::SGDParamState>(sgd, parameter)) {
          buffers.push_back(state->momentum_buffer());
          continued.push_back(state->momentum_buffer());
          continued_by.push_back(steps[index]);
        } else {
          auto fresh = std::make_unique<torch::optim::SGDParamState>();
          fresh->momentum_buffer(torch::clone(steps[index]).detach());
          buffers.push_back(add_state(sgd, parameter, std::move(fresh)).momentum_buffer());
        }
      }
      if (!continued.empty()) {
        at::_foreach_mul_(continued, options.momentum());
        at::_foreach_add_(continued, continued_by, 1 - options.dampening());
      }
      steps = options.nesterov() ? at::_foreach_add(steps, buffers, options.momentum()) : buffers;
    }
    at::_foreach_add_(trained.parameters, steps, -1 * options.lr());
  }
}

void multi_tensor_step(torch::optim::Adam& adam) {
  adam_step<torch::optim::AdamOptions, torch::optim::AdamParamState>(adam, false);
}

void multi_tensor_step(torch::optim::AdamW& adamw) {
  adam_step<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(adamw, true);
}

}  // namespace xp::train
