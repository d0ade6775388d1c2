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
  const double inverse =
      static_cast<float>(1.0 / state_.scale);  // reciprocal in double, then float
  std::vector<torch::Tensor> not_finite;
  for (const auto& parameter : parameters) {
    torch::Tensor grad = parameter.grad();
    if (!grad.defined()) continue;
    grad.mul_(inverse);
    // Summed on the device; one read at the end (the step waits for it, as GradScaler.step does).
    not_finite.push_back(grad.isfinite().logical_not().any().reshape({1}));
  }
  if (not_finite.empty()) return true;
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
