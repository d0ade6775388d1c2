// DenseNet bodies as torchvision builds them (densenet121): `.features` = conv0, norm0, relu0,
// pool0, denseblock1, transition1, …, denseblock4, norm5, with torchvision's names down to
// features.denseblock1.denselayer1.norm1. fastai 0.7 keeps `.features` without torchvision's final
// ReLU and splits it at lr_cut = 7: conv0 … denseblock2 | transition2 … norm5.
#pragma once

#include "core/models/body.h"

namespace xp::models {

// torchvision's DenseNet `.features` for `arch` with its initialisation, as a FeaturesBodyImpl.
Body make_densenet_body(const ArchDescriptor& arch);

}  // namespace xp::models
