#include "core/train/optimizer.h"

#include <torch/torch.h>

#include <sstream>

#include "core/train/compute_options.h"
#include "core/train/fused_step.h"
#include "core/train/multi_tensor_step.h"
#include "core/util/error.h"

namespace xp::train {

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::kSgd;
  if (name == "adam") return OptimizerKind::kAdam;
  if (name == "adamw") return OptimizerKind::kAdamW;
  throw UserError(str_cat("unknown optimizer '", name, "' (known: sgd, adam, adamw)"));
}

std::string to_string(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd:
      return "sgd";
    case OptimizerKind::kAdam:
      return "adam";
    case OptimizerKind::kAdamW:
      return "adamw";
  }
  return "sgd";
}

WeightDecay parse_weight_decay(const std::string& name) {
  if (name == "l2") return WeightDecay::kL2;
  if (name == "decoupled") return WeightDecay::kDecoupled;
  throw UserError(str_cat("unknown weight decay mode '", name, "' (known: l2, decoupled)"));
}

namespace {

// torch's weight_decay is L2 for SGD and Adam and decoupled for AdamW; decoupled decay for SGD and
// Adam is applied by LayerOptimizer::step instead.
double builtin_wd(const OptimizerOptions& options) {
  if (options.kind == OptimizerKind::kAdamW) return options.wd;
  return options.wd_mode == WeightDecay::kL2 ? options.wd : 0.0;
}

std::unique_ptr<torch::optim::OptimizerOptions> group_options(const OptimizerOptions& options,
                                                              double lr) {
  switch (options.kind) {
    case OptimizerKind::kSgd: {
      auto sgd = std::make_unique<torch::optim::SGDOptions>(lr);
      sgd->momentum(options.momentum).weight_decay(builtin_wd(options));
      return sgd;
    }
    case OptimizerKind::kAdam: {
      auto adam = std::make_unique<torch::optim::AdamOptions>(lr);
      adam->betas({options.momentum, options.beta2})
          .eps(options.eps)
          .weight_decay(builtin_wd(options));
      return adam;
    }
    case OptimizerKind::kAdamW: {
      auto adamw = std::make_unique<torch::optim::AdamWOptions>(lr);
      adamw->betas({options.momentum, options.beta2})
          .eps(options.eps)
          .weight_decay(builtin_wd(options));
      return adamw;
    }
  }
  return nullptr;
}

void set_group(torch::optim::OptimizerOptions& group, OptimizerKind kind, double lr,
               double momentum) {
  switch (kind) {
    case OptimizerKind::kSgd:
      static_cast<torch::optim::SGDOptions&>(group).lr(lr).momentum(momentum);
      break;
    case OptimizerKind::kAdam: {
      auto& adam = static_cast<torch::optim::AdamOptions&>(group);
      adam.lr(lr).betas({momentum, std::get<1>(adam.betas())});
      break;
    }
    case OptimizerKind::kAdamW: {
      auto& adamw = static_cast<torch::optim::AdamWOptions&>(group);
      adamw.lr(lr).betas({momentum, std::get<1>(adamw.betas())});
      break;
    }
  }
}

}  // namespace

LayerOptimizer::LayerOptimizer(const std::vector<std::vector<torch::Tensor>>& groups,
                               const std::vector<double>& base_lr, const OptimizerOptions& options)
    : options_(options) {
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  for (std::size_t group_idx = 0; group_idx < groups.size(); ++group_idx) {
    std::vector<torch::Tensor> trainable;
    for (const auto& parameter : groups[group_idx])
      if (parameter.requires_grad()) trainable.push_back(parameter);
    if (trainable.empty()) continue;
    param_groups.emplace_back(std::move(trainable), group_options(options, base_lr[group_idx]));
    group_lr_.push_back(base_lr[group_idx]);
  }
  XP_CHECK(!param_groups.empty(), "every layer group is frozen; nothing to train");
  // Decided once: the parameters stay on their device for the optimizer's life.
  implementation_ =
      step_implementation(options.fused, param_groups.front().params().front().is_cuda());
  current_lr_ = group_lr_;
  const double last = base_lr.back();
  switch (options.kind) {
    case OptimizerKind::kSgd:
      optimizer_ = std::make_unique<torch::optim::SGD>(std::move(param_groups),
                                                       torch::optim::SGDOptions(last));
      break;
    case OptimizerKind::kAdam:
      optimizer_ = std::make_unique<torch::optim::Adam>(std::move(param_groups),
                                                        torch::optim::AdamOptions(last));
      break;
    case OptimizerKind::kAdamW:
      optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(param_groups),
                                                         torch::optim::AdamWOptions(last));
      break;
  }
}

LayerOptimizer::~LayerOptimizer() = default;

void LayerOptimizer::set(double lr_multiplier, double momentum) {
  auto& groups = optimizer_->param_groups();
  for (std::size_t group_idx = 0; group_idx < groups.size(); ++group_idx) {
    current_lr_[group_idx] = group_lr_[group_idx] * lr_multiplier;
    set_group(groups[group_idx].options(), options_.kind, current_lr_[group_idx], momentum);
  }
}

void LayerOptimizer::zero_grad() { optimizer_->zero_grad(); }

std::vector<torch::Tensor> LayerOptimizer::parameters() const {
  std::vector<torch::Tensor> all;
  for (const auto& group : optimizer_->param_groups())
    all.insert(all.end(), group.params().begin(), group.params().end());
  return all;
}

void LayerOptimizer::step() {
  if (options_.wd > 0 && options_.wd_mode == WeightDecay::kDecoupled &&
      options_.kind != OptimizerKind::kAdamW) {
    torch::NoGradGuard no_grad;
    auto& groups = optimizer_->param_groups();
    for (std::size_t group_idx = 0; group_idx < groups.size(); ++group_idx)
      at::_foreach_mul_(groups[group_idx].params(), 1 - current_lr_[group_idx] * options_.wd);
  }
  const std::string& how = implementation_;
  // torch::optim's own step: one kernel per parameter and operation. On the CPU that order is
  // the fastest of the two that give its numbers: each parameter's tensors stay in cache from one
  // operation to the next (bench/step_bench.cpp: x1.1–1.6 the multi-tensor step's speed).
  if (how == "for-loop") {
    optimizer_->step();
    return;
  }
  // On a GPU, the same numbers with a few launches per group (multi_tensor_step.h), or PyTorch's
  // fused kernels: one launch and one pass over memory (fused_step.h).
  const bool fused = how == "fused";
  switch (options_.kind) {
    case OptimizerKind::kSgd: {
      auto& sgd = static_cast<torch::optim::SGD&>(*optimizer_);
      return fused ? fused_step(sgd) : multi_tensor_step(sgd);
    }
    case OptimizerKind::kAdam: {
      auto& adam = static_cast<torch::optim::Adam&>(*optimizer_);
      return fused ? fused_step(adam) : multi_tensor_step(adam);
    }
    case OptimizerKind::kAdamW: {
      auto& adamw = static_cast<torch::optim::AdamW&>(*optimizer_);
      return fused ? fused_step(adamw) : multi_tensor_step(adamw);
    }
  }
}

std::string LayerOptimizer::save_state() const {
  torch::serialize::OutputArchive archive;
  optimizer_->save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void LayerOptimizer::load_state(const std::string& bytes) {
  std::istringstream stream(bytes);
  torch::serialize::InputArchive archive;
  // Onto the device the parameters are on: a state saved on a GPU is loaded onto the GPU again.
  const auto& first = optimizer_->param_groups().front().params();
  archive.load_from(stream, first.empty() ? c10::Device(c10::kCPU) : first.front().device());
  optimizer_->load(archive);
}

}  // namespace xp::train
