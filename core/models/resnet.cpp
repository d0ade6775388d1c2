#include "core/models/resnet.h"

#include <torch/torch.h>

#include "core/models/batch_norm.h"

namespace xp::models {

namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int in, int out, int kernel, int stride, int groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                        .stride(stride)
                        .padding(kernel / 2)
                        .groups(groups)
                        .bias(false));
}

// torchvision BasicBlock: 3x3 → BN → ReLU → 3x3 → BN, plus the (possibly downsampled) input.
class BasicBlockImpl : public nn::Module {
 public:
  static constexpr int kExpansion = 1;
  BasicBlockImpl(int in, int planes, int stride, nn::Sequential shortcut, int, int) {
    conv1 = register_module("conv1", conv(in, planes, 3, stride));
    bn1 = register_module("bn1", BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, 1));
    bn2 = register_module("bn2", BatchNorm2d(planes));
    if (shortcut) downsample = register_module("downsample", shortcut);
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor identity = downsample ? downsample->forward(x) : x;
    // In place, as torchvision (ReLU(inplace=True), out += identity): the same values, and no
    // new activation-sized tensor per op (at batch 64, a quarter fewer page faults).
    torch::Tensor out = bn1(conv1(x)).relu_();
    out = bn2(conv2(out));
    out += identity;
    return out.relu_();
  }
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

// torchvision Bottleneck (v1.5: the stride sits on the 3x3 conv): 1x1 → 3x3 → 1x1 (x4 channels).
class BottleneckImpl : public nn::Module {
 public:
  static constexpr int kExpansion = 4;
  BottleneckImpl(int in, int planes, int stride, nn::Sequential shortcut, int groups,
                 int width_per_group) {
    const int width = static_cast<int>(planes * (width_per_group / 64.0)) * groups;
    conv1 = register_module("conv1", conv(in, width, 1, 1));
    bn1 = register_module("bn1", BatchNorm2d(width));
    conv2 = register_module("conv2", conv(width, width, 3, stride, groups));
    bn2 = register_module("bn2", BatchNorm2d(width));
    conv3 = register_module("conv3", conv(width, planes * kExpansion, 1, 1));
    bn3 = register_module("bn3", BatchNorm2d(planes * kExpansion));
    if (shortcut) downsample = register_module("downsample", shortcut);
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor identity = downsample ? downsample->forward(x) : x;
    torch::Tensor out = bn1(conv1(x)).relu_();  // in place, as BasicBlock
    out = bn2(conv2(out)).relu_();
    out = bn3(conv3(out));
    out += identity;
    return out.relu_();
  }
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

template <typename Block, int kExpansion>
nn::Sequential make_layer(int& in, int planes, int blocks, int stride, const ArchDescriptor& arch) {
  nn::Sequential layer;
  nn::Sequential downsample{nullptr};
  const int out = planes * kExpansion;
  if (stride != 1 || in != out)
    downsample = nn::Sequential(conv(in, out, 1, stride), BatchNorm2d(out));
  layer->push_back(Block(in, planes, stride, downsample, arch.groups, arch.width));
  in = out;
  for (int block_idx = 1; block_idx < blocks; ++block_idx)
    layer->push_back(Block(in, planes, 1, nn::Sequential{nullptr}, arch.groups, arch.width));
  return layer;
}

template <typename Block, int kExpansion>
void build_layers(ResNetBodyImpl& body, const ArchDescriptor& arch) {
  int in = 64;
  body.layer1 = body.register_module(
      "layer1", make_layer<Block, kExpansion>(in, 64, arch.layers[0], 1, arch));
  body.layer2 = body.register_module(
      "layer2", make_layer<Block, kExpansion>(in, 128, arch.layers[1], 2, arch));
  body.layer3 = body.register_module(
      "layer3", make_layer<Block, kExpansion>(in, 256, arch.layers[2], 2, arch));
  body.layer4 = body.register_module(
      "layer4", make_layer<Block, kExpansion>(in, 512, arch.layers[3], 2, arch));
}

}  // namespace

ResNetBodyImpl::ResNetBodyImpl(const ArchDescriptor& arch) {
  conv1 = register_module("conv1",
                          nn::Conv2d(nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", BatchNorm2d(64));
  maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  if (arch.block == BlockKind::kBasic)
    build_layers<BasicBlock, BasicBlockImpl::kExpansion>(*this, arch);
  else
    build_layers<Bottleneck, BottleneckImpl::kExpansion>(*this, arch);

  // torchvision's initialisation: Kaiming-normal (fan_out, ReLU) convs, BN weight 1 and bias 0.
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* c = module->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = module->as<BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
  set_layer_groups({{{"conv1", "bn1", "layer1", "layer2"}, {"layer3", "layer4"}}},
                   arch.feature_channels);
}

torch::Tensor ResNetBodyImpl::forward(torch::Tensor x) {
  x = maxpool(bn1(conv1(x)).relu_());
  return layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
}

}  // namespace xp::models
