// A state dict as weight files hold it: tensors by name, in file order. Readers for each format
// produce one; load_state_dict() copies it into a module with strict matching, so that a missing,
// unexpected or wrongly shaped tensor is reported by name instead of silently ignored.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace xp::models {

struct StateDict {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  const torch::Tensor* find(const std::string& name) const;
};

struct LoadOptions {
  // Tensors in the file under these prefixes are skipped (e.g. "fc." — torchvision's ImageNet
  // classifier, which fastai cuts off and replaces with its own head).
  std::vector<std::string> ignore_prefixes;
};

// Copies every parameter and buffer of `module` from `state` (names as module->named_parameters()
// gives them). Throws ModelError naming `source` and listing every missing tensor, every unexpected
// one and every shape mismatch (expected and found shapes) at once.
void load_state_dict(torch::nn::Module& module, const StateDict& state, const std::string& source,
                     const LoadOptions& options = {});

}  // namespace xp::models
