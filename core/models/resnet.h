// ResNet bodies with torchvision's exact module names (conv1, bn1, layer1.0.conv1, …,
// layer2.0.downsample.0), so torchvision state dicts map onto them key for key. The body stops
// after layer4: fastai cuts the classifier off there (cut = 8 children) and adds its own head.
// Layer groups (lr_cut = 6): conv1, bn1, layer1, layer2 | layer3, layer4.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

#include "core/models/batch_norm.h"
#include "core/models/body.h"

namespace xp::models {

class ResNetBodyImpl : public BodyImpl {
 public:
  explicit ResNetBodyImpl(const ArchDescriptor& arch);
  torch::Tensor forward(torch::Tensor x) override;

  torch::nn::Conv2d conv1{nullptr};
  BatchNorm2d bn1{nullptr};
  torch::nn::MaxPool2d maxpool{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
};

}  // namespace xp::models
