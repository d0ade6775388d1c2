#include "core/models/zoo.h"

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

namespace {
// torchvision's ImageNet statistics (torchvision.transforms.Normalize in every model's recipe).
constexpr std::array<float, 3> kImagenetMean = {0.485f, 0.456f, 0.406f};
constexpr std::array<float, 3> kImagenetStd = {0.229f, 0.224f, 0.225f};
}  // namespace

const std::vector<ArchDescriptor>& architectures() {
  static const std::vector<ArchDescriptor> table = {
      {"resnet18", "ResNet-18 (He et al. 2015), basic blocks", BlockKind::kBasic, {2, 2, 2, 2}, 1, 64, 512, kImagenetMean, kImagenetStd},
      {"resnet34", "ResNet-34, basic blocks; the fastai lesson's arch", BlockKind::kBasic, {3, 4, 6, 3}, 1, 64, 512, kImagenetMean, kImagenetStd},
      {"resnet50", "ResNet-50, bottleneck blocks", BlockKind::kBottleneck, {3, 4, 6, 3}, 1, 64, 2048, kImagenetMean, kImagenetStd},
      {"resnet101", "ResNet-101, bottleneck blocks", BlockKind::kBottleneck, {3, 4, 23, 3}, 1, 64, 2048, kImagenetMean, kImagenetStd},
      {"resnet152", "ResNet-152, bottleneck blocks", BlockKind::kBottleneck, {3, 8, 36, 3}, 1, 64, 2048, kImagenetMean, kImagenetStd},
      {"resnext50_32x4d", "ResNeXt-50 32x4d (Xie et al. 2016)", BlockKind::kBottleneck, {3, 4, 6, 3}, 32, 4, 2048, kImagenetMean, kImagenetStd},
      {"resnext101_32x8d", "ResNeXt-101 32x8d", BlockKind::kBottleneck, {3, 4, 23, 3}, 32, 8, 2048, kImagenetMean, kImagenetStd},
      {"wide_resnet50_2", "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016)", BlockKind::kBottleneck, {3, 4, 6, 3}, 1, 128, 2048, kImagenetMean, kImagenetStd},
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
