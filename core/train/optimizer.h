// The optimizers a fit can use, built per fit with one param group per trainable layer group
// (fastai's LayerOptimizer), and the two knobs schedules turn on them every batch: the LR and the
// momentum (SGD's momentum, Adam's β₁).
//
//   sgd    fastai 0.7's default: SGD with momentum 0.9
//   adam   torch Adam with fastai v2's defaults: β = (momentum, 0.99), eps 1e-5
//   adamw  the same with decoupled weight decay (Loshchilov & Hutter), fastai v2's default optimizer
//
// Weight decay: `l2` adds wd·w to the gradient (fastai 0.7, torch's weight_decay); `decoupled`
// shrinks the weights by lr·wd before each step, apart from the gradient (fastai v2's true_wd).
// adamw is always decoupled.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace torch::optim {
class Optimizer;
}  // namespace torch::optim

namespace xp::train {

enum class OptimizerKind { kSgd, kAdam, kAdamW };
enum class WeightDecay { kL2, kDecoupled };

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kSgd;
  double momentum = 0.9;  // SGD momentum, Adam's β₁
  double beta2 = 0.99;    // Adam's β₂ (fastai v2)
  double eps = 1e-5;      // Adam's ε (fastai v2)
  double wd = 0.0;
  WeightDecay wd_mode = WeightDecay::kL2;
  // PyTorch's single-kernel step (fused_step.h: the same formulas to rounding), else torch::optim's
  // numbers bit for bit (LayerOptimizer::step computes them the fastest way on the device).
  bool fused = false;
};

OptimizerKind parse_optimizer(const std::string& name);  // "sgd" | "adam" | "adamw"
std::string to_string(OptimizerKind kind);
WeightDecay parse_weight_decay(const std::string& name);  // "l2" | "decoupled"

// An optimizer over the trainable parameters of `groups`, one param group per layer group that has
// any; `group_lr` receives the base LR of each kept group. Throws when every group is frozen.
class LayerOptimizer {
 public:
  LayerOptimizer(const std::vector<std::vector<torch::Tensor>>& groups,
                 const std::vector<double>& base_lr, const OptimizerOptions& options);
  ~LayerOptimizer();

  // The base LR of the last trainable layer group (the head, unless it is frozen).
  double last_base_lr() const { return group_lr_.back(); }
  // Every param group's LR = its base LR × lr_multiplier; momentum (or β₁) = `momentum`.
  void set(double lr_multiplier, double momentum);
  void zero_grad();
  // The parameters it steps (every param group's).
  std::vector<torch::Tensor> parameters() const;
  // Decoupled weight decay (when asked), then the optimizer's step.
  void step();
  // How step() steps (compute_options.h step_implementation).
  const std::string& implementation() const { return implementation_; }
  // The optimizer's per-parameter state (SGD momentum buffers, Adam moments and step counts) in
  // torch's serialized form, and back into an optimizer built over the same parameters: what a
  // fit resumed mid-way needs to continue bit for bit.
  std::string save_state() const;
  void load_state(const std::string& bytes);

 private:
  OptimizerOptions options_;
  std::vector<double> group_lr_;
  std::vector<double> current_lr_;
  std::string implementation_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
};

}  // namespace xp::train
