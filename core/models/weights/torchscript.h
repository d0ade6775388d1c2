// Weights inside a TorchScript archive (torch.jit.save): its parameters and buffers by their
// TorchScript names, which for a scripted torchvision model are torchvision's state-dict names.
// The archive's code is not run: only its tensors are read.
#pragma once

#include <torch/csrc/jit/api/module.h>

#include <string>

#include "core/models/weights/state_dict.h"

namespace xp::models {

// torch::jit::load on the CPU; throws ModelError naming the file when it is missing or not a
// readable TorchScript archive.
torch::jit::Module load_torchscript(const std::string& path);

StateDict read_torchscript_weights(const std::string& path);

}  // namespace xp::models
