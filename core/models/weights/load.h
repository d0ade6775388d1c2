// Loading pretrained weights into a backbone, whatever format the user has. The format is chosen
// by the file's extension; every reader is strict (see state_dict.h).
#pragma once

#include <string>
#include <vector>

#include "core/models/classifier.h"
#include "core/models/weights/formats.h"
#include "core/models/weights/state_dict.h"

namespace xp::models {

// Reads any supported weight file into a state dict.
StateDict read_weights(const std::string& path);

// Loads torchvision-named backbone weights into model->body. The file's ImageNet classifier
// ("fc.*") is skipped: fastai cuts it off and adds its own head. An xp model.h5 (a whole
// classifier) gives its body: this is how one run's trained backbone starts another recipe.
void load_backbone_weights(ClassifierImpl& model, const std::string& path);

}  // namespace xp::models
