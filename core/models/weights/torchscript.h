// Weights inside a TorchScript archive (torch.jit.save): its parameters and buffers by their
// TorchScript names, which for a scripted torchvision model are torchvision's state-dict names.
// The archive's code is not run: only its tensors are read.
#pragma once

#include <string>

#include "core/models/weights/state_dict.h"

namespace xp::models {

StateDict read_torchscript_weights(const std::string& path);

}  // namespace xp::models
