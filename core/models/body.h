// The backbone body: the pretrained network with its ImageNet classifier cut off, as fastai's
// ConvnetBuilder keeps it (shared/reference/fastai.md §4.1). Each family (resnet.h, vgg.h,
// densenet.h, script_body.h) builds its modules with torchvision's state-dict names and says
// where fastai splits it into the two body layer groups (lr_cut).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/models/zoo.h"

namespace xp::models {

class BodyImpl : public torch::nn::Module {
 public:
  // The feature map [B, C, H, W] that fastai's concat pooling reduces.
  virtual torch::Tensor forward(torch::Tensor images) = 0;
  int feature_channels() const { return feature_channels_; }

  // fastai's two body layer groups: the modules each holds, by their path in the body.
  std::array<std::vector<torch::nn::Module*>, 2> layer_group_modules();
  // The same as text for `xp model`: "conv1, bn1, layer1, layer2", or "features.0 … features.21".
  std::array<std::string, 2> layer_group_text() const;

 protected:
  // Called by each family's constructor once its modules are registered.
  void set_layer_groups(std::array<std::vector<std::string>, 2> paths, int feature_channels);

 private:
  std::array<std::vector<std::string>, 2> group_paths_;
  int feature_channels_ = 0;
};
using Body = std::shared_ptr<BodyImpl>;

// A body that is torchvision's `.features` Sequential, which fastai keeps whole (vgg, densenet).
class FeaturesBodyImpl : public BodyImpl {
 public:
  // Registers `features`; its modules before index `lr_cut` (fastai's model_meta) are layer
  // group 0, the rest group 1.
  FeaturesBodyImpl(torch::nn::Sequential features, int lr_cut, int feature_channels);
  torch::Tensor forward(torch::Tensor images) override { return features->forward(images); }

  torch::nn::Sequential features;
};

// Builds the body of `arch` with torchvision's initialisation. A TorchScript body is read from
// `weights` (its weights come with it); `split_at` names the top-level module where its second
// group starts ("" = half-way through its top-level modules).
Body make_body(const ArchDescriptor& arch, const std::string& weights, const std::string& split_at);

// True for BatchNorm layers, native or inside a TorchScript body (fastai freezes them specially).
bool is_batchnorm(torch::nn::Module& module);

}  // namespace xp::models
