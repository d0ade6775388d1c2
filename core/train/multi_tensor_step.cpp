#include "core/train/multi_tensor_step.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <memory>

#include "core/train/optimizer_state.h"
#include "core/util/error.h"

namespace xp::train {

namespace {

using namespace optimizer_state;

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
    for (auto& [step, bucket] : count_adam_step<State>(adam, group)) {
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
        if (auto* state = find<torch::optim::SGDParamState>(sgd, parameter)) {
          buffers.push_back(state->momentum_buffer());
          continued.push_back(state->momentum_buffer());
          continued_by.push_back(steps[index]);
        } else {
          auto fresh = std::make_unique<torch::optim::SGDParamState>();
          fresh->momentum_buffer(torch::clone(steps[index]).detach());
          buffers.push_back(add(sgd, parameter, std::move(fresh)).momentum_buffer());
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
