#include "core/models/vgg.h"

#include <torch/torch.h>

#include "core/models/batch_norm.h"

namespace xp::models {

namespace {
namespace nn = torch::nn;

// torchvision's configuration "D" (VGG-16): output channels of each 3x3 conv, 0 = 2x2 max-pool.
constexpr int kMaxPool = 0;
constexpr int kVgg16[] = {64,       64,  kMaxPool, 128, 128,      kMaxPool, 256, 256, 256,
                          kMaxPool, 512, 512,      512, kMaxPool, 512,      512, 512, kMaxPool};
// fastai 0.7's model_meta lr_cut for vgg16: the first layer group is features[:22].
constexpr int kLrCut = 22;
}  // namespace

Body make_vgg_body(const ArchDescriptor& arch) {
  nn::Sequential features;
  int in = 3;
  for (const int out : kVgg16) {
    if (out == kMaxPool) {
      features->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
      continue;
    }
    features->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
    features->push_back(BatchNorm2d(out));
    features->push_back(nn::ReLU());
    in = out;
  }
  // torchvision's VGG initialisation: Kaiming-normal (fan_out, ReLU) convs with zero bias, BN 1 and 0.
  for (auto& module : features->modules(/*include_self=*/false)) {
    if (auto* conv = module->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      nn::init::zeros_(conv->bias);
    } else if (auto* bn = module->as<BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
  return std::make_shared<FeaturesBodyImpl>(features, kLrCut, arch.feature_channels);
}

}  // namespace xp::models
