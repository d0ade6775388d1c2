#include "core/models/zoo.h"

#include <string>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

namespace {
// torchvision's ImageNet statistics (torchvision.transforms.Normalize in every model's recipe).
constexpr std::array<float, 3> kImagenetMean = {0.485f, 0.456f, 0.406f};
constexpr std::array<float, 3> kImagenetStd = {0.229f, 0.224f, 0.225f};

ArchDescriptor resnet(std::string_view name, std::string_view summary, BlockKind block,
                      std::array<int, 4> layers, int groups, int width_per_group) {
  ArchDescriptor arch{name, summary, Family::kResNet};
  arch.block = block;
  arch.layers = layers;
  arch.groups = groups;
  arch.width = width_per_group;
  arch.feature_channels = block == BlockKind::kBasic ? 512 : 2048;
  arch.classifier_prefix = "fc.";
  arch.mean = kImagenetMean;
  arch.std = kImagenetStd;
  return arch;
}

ArchDescriptor densenet(std::string_view name, std::string_view summary, std::array<int, 4> layers,
                        int growth_rate, int initial_features, int feature_channels) {
  ArchDescriptor arch{name, summary, Family::kDenseNet};
  arch.layers = layers;
  arch.width = growth_rate;
  arch.groups = initial_features;
  arch.feature_channels = feature_channels;
  arch.classifier_prefix = "classifier.";
  arch.mean = kImagenetMean;
  arch.std = kImagenetStd;
  return arch;
}

ArchDescriptor other(std::string_view name, std::string_view summary, Family family,
                     int feature_channels, std::string_view classifier_prefix) {
  ArchDescriptor arch{name, summary, family};
  arch.feature_channels = feature_channels;
  arch.classifier_prefix = classifier_prefix;
  arch.mean = kImagenetMean;
  arch.std = kImagenetStd;
  return arch;
}

}  // namespace

const std::vector<ArchDescriptor>& architectures() {
  using B = BlockKind;
  static const std::vector<ArchDescriptor> table = {
      resnet("resnet18", "ResNet-18 (He et al. 2015), basic blocks", B::kBasic, {2, 2, 2, 2}, 1,
             64),
      resnet("resnet34", "ResNet-34, basic blocks; the fastai lesson's arch", B::kBasic,
             {3, 4, 6, 3}, 1, 64),
      resnet("resnet50", "ResNet-50, bottleneck blocks", B::kBottleneck, {3, 4, 6, 3}, 1, 64),
      resnet("resnet101", "ResNet-101, bottleneck blocks", B::kBottleneck, {3, 4, 23, 3}, 1, 64),
      resnet("resnet152", "ResNet-152, bottleneck blocks", B::kBottleneck, {3, 8, 36, 3}, 1, 64),
      resnet("resnext50_32x4d", "ResNeXt-50 32x4d (Xie et al. 2016)", B::kBottleneck, {3, 4, 6, 3},
             32, 4),
      resnet("resnext101_32x8d", "ResNeXt-101 32x8d", B::kBottleneck, {3, 4, 23, 3}, 32, 8),
      resnet("wide_resnet50_2", "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016)", B::kBottleneck,
             {3, 4, 6, 3}, 1, 128),
      other("vgg16_bn", "VGG-16 with BatchNorm (Simonyan & Zisserman 2014); body = .features",
            Family::kVgg, 512, "classifier."),
      densenet("densenet121", "DenseNet-121 (Huang et al. 2016); body = .features", {6, 12, 24, 16},
               32, 64, 1024),
      other("torchscript", "a TorchScript body from model.weights (torch.jit.save)",
            Family::kTorchScript, 0, ""),
  };
  return table;
}

const ArchDescriptor& find_architecture(std::string_view name) {
  std::vector<std::string> known;
  for (const auto& arch : architectures()) {
    if (arch.name == name) return arch;
    known.emplace_back(arch.name);
  }
  throw ModelError(str_cat("unknown architecture '", name, "' (known: ", join(known), ")"));
}

}  // namespace xp::models
