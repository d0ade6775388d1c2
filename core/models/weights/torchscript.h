// A TorchScript archive (torch.jit.save) as a module: for model.arch: torchscript only, the one place
// where xp runs code from a file (loading runs the modules' __setstate__; README: weights).
#pragma once

#include <torch/csrc/jit/api/module.h>

#include <string>

namespace xp::models {

// torch::jit::load on the CPU; throws ModelError naming the file when it is missing or not a
// readable TorchScript archive.
torch::jit::Module load_torchscript(const std::string& path);

}  // namespace xp::models
