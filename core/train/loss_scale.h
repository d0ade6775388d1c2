// Dynamic loss scaling for fp16 training, PyTorch's GradScaler (torch.amp.GradScaler) step for
// step. fp16's smallest normal value is 6e-5: small gradients underflow to zero unless the loss is
// multiplied by a large factor before backward. The gradients are divided by it again before the
// optimizer step; a step whose gradients hold an inf or NaN (the factor was too large) is skipped
// and the factor halved; after `growth_interval` steps in a row without one, it is doubled.
//
//   scale.scaled(loss).backward();
//   const bool finite = scale.unscale(parameters);
//   if (finite) optimizer.step();
//   scale.update(finite);
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace xp::train {

// PyTorch's GradScaler defaults.
struct LossScaleOptions {
  double init_scale = 65536.0;  // 2^16
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  std::int64_t growth_interval = 2000;
};

// Where the scale stands: what a resumed fit continues from (LearnerState).
struct LossScaleState {
  double scale = 0;
  std::int64_t good_steps =
      0;  // steps in a row without inf/NaN gradients (GradScaler's _growth_tracker)
};

class DynamicLossScale {
 public:
  explicit DynamicLossScale(LossScaleOptions options = {});

  // `loss` × the scale.
  torch::Tensor scaled(const torch::Tensor& loss) const;
  // Divides the gradient of every parameter that has one by the scale (multiplies by its float32
  // reciprocal, as GradScaler.unscale_ does); true when every gradient is finite.
  bool unscale(const std::vector<torch::Tensor>& parameters) const;
  // After a step was taken (finite) or skipped: grow or back off the scale.
  void update(bool finite);

  double value() const { return state_.scale; }
  LossScaleState state() const { return state_; }
  void restore(const LossScaleState& state) { state_ = state; }

 private:
  LossScaleOptions options_;
  LossScaleState state_;
};

}  // namespace xp::train
