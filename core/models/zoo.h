// The model zoo: one descriptor per architecture (shared/STYLE.md R7, R16). Adding an architecture
// of a known family is one row in zoo.cpp; a new family adds one body file (resnet.cpp, vgg.cpp, …).
#pragma once

#include <array>
#include <string_view>
#include <vector>

namespace xp::models {

enum class Family { kResNet, kVgg, kDenseNet, kTorchScript };
enum class BlockKind { kBasic, kBottleneck };

struct ArchDescriptor {
  std::string_view name;  // as in the recipe and torchvision: "resnet34"
  std::string_view summary;
  Family family;
  // Shape, read by the family's body builder:
  //   resnet:   block, layers = blocks per stage, groups = ResNeXt cardinality, width = width per group
  //   densenet: layers = dense layers per block, width = growth rate, groups = initial features
  //   vgg:      layers unused; vgg.cpp holds torchvision's configuration "D" (vgg16)
  BlockKind block = BlockKind::kBasic;
  std::array<int, 4> layers{};
  int groups = 1;
  int width = 64;
  int feature_channels =
      0;  // channels of the body's output (the head sees 2x after concat pooling);
          // 0 = found by running the body once (TorchScript)
  // The ImageNet classifier inside torchvision's state dict ("fc." or "classifier."): fastai cuts
  // it off, so xp skips those tensors when loading a backbone.
  std::string_view classifier_prefix{};
  std::array<float, 3> mean{};  // input normalization the pretrained weights expect
  std::array<float, 3> std{};
};

// Every architecture xp can build, in a stable order.
const std::vector<ArchDescriptor>& architectures();
// The descriptor for `name`; throws ModelError listing the known names when unknown.
const ArchDescriptor& find_architecture(std::string_view name);

}  // namespace xp::models
