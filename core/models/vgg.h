// VGG-16 with BatchNorm as torchvision builds it (vgg16_bn). fastai keeps only `.features` (44
// modules: conv, bn, relu per layer, a max-pool after each stage) and splits it at lr_cut = 22:
// features.0–21 | features.22–43. torchvision's avgpool and classifier are not part of the body.
#pragma once

#include "core/models/body.h"

namespace xp::models {

// torchvision's vgg16_bn `.features` with its initialisation, as a FeaturesBodyImpl.
Body make_vgg_body(const ArchDescriptor& arch);

}  // namespace xp::models
