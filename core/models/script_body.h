// A backbone body from a TorchScript archive (torch.jit.save of, say, a timm model's body), run by
// LibTorch's TorchScript interpreter.
//
// The TorchScript tree is mirrored as torch::nn modules that hold the *same* tensors, not copies:
// the forward pass runs the TorchScript code, while xp's optimizer, freezing, state dicts and HDF5
// checkpoints see ordinary modules whose names are the TorchScript ones (a scripted torchvision
// resnet keeps torchvision's names).
#pragma once

#include <torch/csrc/jit/api/module.h>

#include <string>

#include "core/models/body.h"

namespace xp::models {

class ScriptMirrorImpl : public torch::nn::Module {
 public:
  explicit ScriptMirrorImpl(const torch::jit::Module& module);
  // Keeps the TorchScript module's `training` flag (which its code reads) equal to ours.
  void train(bool on = true) override;

 private:
  torch::jit::Module module_;
};

// A BatchNorm layer inside a TorchScript body, recognised by its class name, so that fastai's rule —
// BatchNorm in frozen groups stays in eval mode — applies to it too.
class ScriptBatchNormImpl : public ScriptMirrorImpl {
 public:
  using ScriptMirrorImpl::ScriptMirrorImpl;
};

class ScriptBodyImpl : public BodyImpl {
 public:
  // Loads `path`; `split_at` names the top-level module where the second layer group starts
  // ("" = half-way). Finds the feature channels by running the body once on a 224×224 batch.
  ScriptBodyImpl(const std::string& path, const std::string& split_at);
  torch::Tensor forward(torch::Tensor images) override;
  void train(bool on = true) override;

  // The input edge length used to probe the body's output.
  static constexpr int kProbeSize = 224;

 private:
  torch::jit::Module script_;
  std::string path_;
};

}  // namespace xp::models
