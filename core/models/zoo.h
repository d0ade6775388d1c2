// The model zoo: one descriptor per architecture (shared/STYLE.md R7, R16). Adding an architecture
// is one row here plus, for a new family, one builder file.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace xp::models {

enum class BlockKind { kBasic, kBottleneck };

struct ArchDescriptor {
  std::string_view name;             // as in the recipe and torchvision: "resnet34"
  std::string_view summary;
  BlockKind block;
  std::array<int, 4> layers;         // blocks per stage (layer1..layer4)
  int groups = 1;                    // ResNeXt cardinality
  int width_per_group = 64;
  int feature_channels;              // channels out of layer4 (the head sees 2x after concat pooling)
  std::array<float, 3> mean;         // input normalization the pretrained weights expect
  std::array<float, 3> std;
};

// Every architecture xp can build, in a stable order.
const std::vector<ArchDescriptor>& architectures();
// The descriptor for `name`; throws ModelError listing the known names when unknown.
const ArchDescriptor& find_architecture(std::string_view name);

}  // namespace xp::models
