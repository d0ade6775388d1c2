// What the recipe's `model:` block resolves to (names equal the YAML keys).
#pragma once

#include <string>
#include <vector>

namespace xp::models {

struct ModelOptions {
  std::string arch = "resnet34";
  std::vector<double> dropout = {0.25, 0.5};  // fastai 0.7 ps: one per head block
  std::vector<int> xtra_fc = {512};           // fastai 0.7 xtra_fc: hidden sizes of the head
  std::string weights;                        // pretrained backbone file; "" = random init, nothing frozen
  bool train_bn = false;                      // fastai v2's train_bn: BatchNorm of frozen groups still trains
                                              // (affine parameters and running statistics); 0.7 froze it
};

}  // namespace xp::models
