#include "core/train/loss_scale.h"

#include <torch/torch.h>

#include <cmath>

#include "core/util/error.h"

namespace xp::train {

DynamicLossScale::DynamicLossScale(LossScaleOptions options) : options_(options) {
  XP_ASSERT(options.init_scale > 0 && options.growth_factor > 1 && options.backoff_factor > 0 &&
                options.backoff_factor < 1 && options.growth_interval > 0,
            "loss scale options out of range");
  state_.scale = options.init_scale;
}

torch::Tensor DynamicLossScale::scaled(const torch::Tensor& loss) const {
  // GradScaler keeps the scale as a float32 tensor: multiply by the same float32 value.
  return loss * static_cast<double>(static_cast<float>(state_.scale));
}

bool DynamicLossScale::unscale(const std::vector<torch::Tensor>& parameters) const {
  torch::NoGradGuard no_grad;
  const float inverse = static_cast<float>(1.0 / state_.scale);  // reciprocal in double, then float
  std::vector<torch::Tensor> gradients;
  for (const auto& parameter : parameters)
    if (parameter.grad().defined()) gradients.push_back(parameter.grad());
  if (gradients.empty()) return true;
  // As GradScaler: a gradient is checked as backward left it, then multiplied by the reciprocal.
  // The flag is read once at the end (the step waits for it, as GradScaler.step does).
  const torch::Device device = gradients.front().device();
  if (device.is_cuda()) {
    // GradScaler's own kernel: every gradient checked and unscaled in a few launches.
    torch::Tensor found_inf =
        torch::zeros({1}, torch::TensorOptions(device).dtype(torch::kFloat32));
    const torch::Tensor inverse_scale =
        torch::full({1}, inverse, torch::TensorOptions(device).dtype(torch::kFloat32));
    at::_amp_foreach_non_finite_check_and_unscale_(gradients, found_inf, inverse_scale);
    return found_inf.item<float>() == 0.0f;
  }
  // Debian's LibTorch has that kernel on CUDA only: the same, tensor by tensor.
  std::vector<torch::Tensor> not_finite;
  for (torch::Tensor& gradient : gradients) {
    not_finite.push_back(gradient.isfinite().logical_not().any().reshape({1}));
    gradient.mul_(static_cast<double>(inverse));
  }
  return !torch::cat(not_finite).any().item<bool>();
}

void DynamicLossScale::update(bool finite) {
  if (!finite) {
    state_.scale *= options_.backoff_factor;
    state_.good_steps = 0;
    return;
  }
  if (++state_.good_steps == options_.growth_interval) {
    // Grown only while it stays a finite float32, as GradScaler's _amp_update_scale_ does.
    const double grown = state_.scale * options_.growth_factor;
    if (std::isfinite(static_cast<float>(grown))) state_.scale = grown;
    state_.good_steps = 0;
  }
}

}  // namespace xp::train
