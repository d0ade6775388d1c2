// The whole network xp trains: a backbone body, fastai's concat pooling, and fastai's head, with
// the parameters split into fastai's three layer groups for differential learning rates:
//   group 0 and 1: the body split at fastai's lr_cut (resnet: conv1 … layer2 | layer3, layer4)
//   group 2: the head
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "core/models/body.h"
#include "core/models/model_options.h"

namespace xp::models {

// fastai's AdaptiveConcatPool2d: [max-pool, avg-pool] over all positions, max first.
torch::Tensor concat_pool(const torch::Tensor& features);

class ClassifierImpl : public torch::nn::Module {
 public:
  ClassifierImpl(const ModelOptions& options, int classes);
  // [B, classes]: log-probabilities (single-label), probabilities (multi-label) or values (regression).
  torch::Tensor forward(torch::Tensor images);
  // Concat-pooled body features [B, 2 × feature_channels] (what precompute caches).
  torch::Tensor features(torch::Tensor images);

  // Parameters of each layer group, in fastai's order.
  std::vector<std::vector<torch::Tensor>> layer_groups();
  static constexpr int kLayerGroups = 3;

  // fastai's freeze_to(n): groups before n get no gradients (and are left out of the optimizer),
  // groups from n on train. freeze_to(kLayerGroups - 1) is fastai's freeze(), freeze_to(0) unfreeze().
  void freeze_to(int group);
  int frozen_groups() const { return frozen_groups_; }
  // train(), except that BatchNorm layers of frozen groups stay in eval mode and keep their
  // running statistics, as in fastai 0.7 (shared/reference/fastai.md §3.1) — unless train_bn;
  // and with bn_freeze, every BatchNorm layer, the head's included, stays in eval mode.
  void train_respecting_frozen_bn();
  // fastai 0.7's learn.bn_freeze(flag): BatchNorm layers keep their running statistics even in
  // trainable groups (their affine weights still train). For large models fine-tuned on data
  // like ImageNet's (the course uses it for resnext50 and larger).
  void set_bn_freeze(bool frozen) { bn_freeze_ = frozen; }
  bool bn_freeze() const { return bn_freeze_; }
  const ArchDescriptor& arch() const { return *arch_; }
  Task task() const { return task_; }
  // Values per image forward() gives: the classes, or the regression targets.
  int outputs() const { return outputs_; }
  // The normalization inputs get: the recipe's model.mean/std, else the architecture's.
  const std::array<float, 3>& input_mean() const { return mean_; }
  const std::array<float, 3>& input_std() const { return std_; }

  Body body;
  torch::nn::Sequential head{nullptr};

 private:
  std::vector<std::vector<torch::nn::Module*>> group_modules();

  const ArchDescriptor* arch_;
  std::array<float, 3> mean_;
  std::array<float, 3> std_;
  Task task_;
  int outputs_;
  bool train_bn_ = false;
  bool bn_freeze_ = false;
  int frozen_groups_ = 0;
};
TORCH_MODULE(Classifier);

}  // namespace xp::models
