#include "core/models/densenet.h"

#include <torch/torch.h>

#include "core/models/batch_norm.h"

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

namespace {
namespace nn = torch::nn;

constexpr int kBottleneckWidth = 4;  // torchvision's bn_size: 1x1 conv to 4 × growth rate channels
constexpr int kLrCut = 7;            // fastai 0.7's model_meta for dn121: features[:7] is group 0

nn::Conv2d conv_no_bias(int in, int out, int kernel, int stride = 1) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

// torchvision _DenseLayer: BN → ReLU → 1x1 conv → BN → ReLU → 3x3 conv on the concatenation of
// every earlier output of the block; returns only its `growth_rate` new channels.
class DenseLayerImpl : public nn::Module {
 public:
  DenseLayerImpl(int in, int growth_rate) {
    norm1 = register_module("norm1", BatchNorm2d(in));
    relu1 = register_module("relu1", nn::ReLU());
    conv1 = register_module("conv1", conv_no_bias(in, kBottleneckWidth * growth_rate, 1));
    norm2 = register_module("norm2", BatchNorm2d(kBottleneckWidth * growth_rate));
    relu2 = register_module("relu2", nn::ReLU());
    conv2 = register_module("conv2", conv_no_bias(kBottleneckWidth * growth_rate, growth_rate, 3));
  }
  torch::Tensor forward(const torch::Tensor& concatenated) {
    return conv2(relu2(norm2(conv1(relu1(norm1(concatenated))))));
  }
  BatchNorm2d norm1{nullptr}, norm2{nullptr};
  nn::ReLU relu1{nullptr}, relu2{nullptr};
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(DenseLayer);

// torchvision _DenseBlock: denselayer1 … denselayerN; the output concatenates the input and every
// layer's new channels.
class DenseBlockImpl : public nn::Module {
 public:
  DenseBlockImpl(int in, int layers, int growth_rate) {
    for (int idx = 0; idx < layers; ++idx)
      layers_.push_back(register_module(str_cat("denselayer", idx + 1),
                                        DenseLayer(in + idx * growth_rate, growth_rate)));
  }
  torch::Tensor forward(torch::Tensor x) {
    std::vector<torch::Tensor> outputs = {std::move(x)};
    for (auto& layer : layers_) outputs.push_back(layer->forward(torch::cat(outputs, 1)));
    return torch::cat(outputs, 1);
  }

 private:
  std::vector<DenseLayer> layers_;
};
TORCH_MODULE(DenseBlock);

// torchvision _Transition: BN → ReLU → 1x1 conv halving the channels → 2x2 average pool.
class TransitionImpl : public nn::Module {
 public:
  TransitionImpl(int in, int out) {
    norm = register_module("norm", BatchNorm2d(in));
    relu = register_module("relu", nn::ReLU());
    conv = register_module("conv", conv_no_bias(in, out, 1));
    pool = register_module("pool", nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(2)));
  }
  torch::Tensor forward(const torch::Tensor& x) { return pool(conv(relu(norm(x)))); }
  BatchNorm2d norm{nullptr};
  nn::ReLU relu{nullptr};
  nn::Conv2d conv{nullptr};
  nn::AvgPool2d pool{nullptr};
};
TORCH_MODULE(Transition);

}  // namespace

Body make_densenet_body(const ArchDescriptor& arch) {
  const int growth_rate = arch.width;
  int channels = arch.groups;  // the descriptor's initial feature count
  nn::Sequential features;
  features->push_back(
      "conv0", nn::Conv2d(nn::Conv2dOptions(3, channels, 7).stride(2).padding(3).bias(false)));
  features->push_back("norm0", BatchNorm2d(channels));
  features->push_back("relu0", nn::ReLU());
  features->push_back("pool0", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  for (std::size_t block_idx = 0; block_idx < arch.layers.size(); ++block_idx) {
    features->push_back(str_cat("denseblock", block_idx + 1),
                        DenseBlock(channels, arch.layers[block_idx], growth_rate));
    channels += arch.layers[block_idx] * growth_rate;
    if (block_idx + 1 < arch.layers.size()) {
      features->push_back(str_cat("transition", block_idx + 1), Transition(channels, channels / 2));
      channels /= 2;
    }
  }
  features->push_back("norm5", BatchNorm2d(channels));
  XP_ASSERT(channels == arch.feature_channels, "densenet descriptor says ", arch.feature_channels,
            " feature channels, the blocks give ", channels);

  // torchvision's DenseNet initialisation: Kaiming-normal convs (fan_in), BatchNorm 1 and 0.
  for (auto& module : features->modules(/*include_self=*/false)) {
    if (auto* c = module->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight);
    } else if (auto* bn = module->as<BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
  return std::make_shared<FeaturesBodyImpl>(features, kLrCut, channels);
}

}  // namespace xp::models
