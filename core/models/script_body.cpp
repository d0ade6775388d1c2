#include "core/models/script_body.h"

#include <torch/script.h>
#include <torch/torch.h>

#include "core/models/weights/torchscript.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

namespace {

bool is_batchnorm_class(const torch::jit::Module& module) {
  const auto name = module.type()->name();
  return name && name->name().find("BatchNorm") != std::string::npos;
}

// Registers the module's own parameters and buffers (the same tensors) and a mirror per child.
void mirror_into(torch::nn::Module& target, const torch::jit::Module& source) {
  for (const auto& parameter : source.named_parameters(/*recurse=*/false))
    target.register_parameter(parameter.name, parameter.value, /*requires_grad=*/true);
  for (const auto& buffer : source.named_buffers(/*recurse=*/false))
    target.register_buffer(buffer.name, buffer.value);
  for (const auto& child : source.named_children()) {
    if (is_batchnorm_class(child.value))
      target.register_module(child.name, std::make_shared<ScriptBatchNormImpl>(child.value));
    else
      target.register_module(child.name, std::make_shared<ScriptMirrorImpl>(child.value));
  }
}

void set_training_flag(torch::jit::Module& module, bool on) {
  if (module.hasattr("training")) module.setattr("training", on);
}

// The level where the layer groups are split: the top-level modules, or, while there is only one,
// its children (fastai likewise expands a lone `features` module).
std::vector<std::string> split_candidates(const torch::jit::Module& script) {
  std::string prefix;
  torch::jit::Module level = script;
  while (true) {
    std::vector<std::pair<std::string, torch::jit::Module>> children;
    for (const auto& child : level.named_children()) children.emplace_back(child.name, child.value);
    if (children.size() != 1) {
      std::vector<std::string> paths;
      for (const auto& [name, module] : children) paths.push_back(prefix + name);
      return paths;
    }
    prefix += children[0].first + ".";
    level = children[0].second;
  }
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

ScriptMirrorImpl::ScriptMirrorImpl(const torch::jit::Module& module) : module_(module) {
  mirror_into(*this, module_);
}

void ScriptMirrorImpl::train(bool on) {
  torch::nn::Module::train(on);
  set_training_flag(module_, on);
}

ScriptBodyImpl::ScriptBodyImpl(const std::string& path, const std::string& split_at) : path_(path) {
  script_ = load_torchscript(path);
  if (script_.named_parameters(/*recurse=*/false).size() > 0)
    throw ModelError(str_cat("TorchScript body '", path,
                             "' has parameters outside its submodules; xp assigns "
                             "layer groups by submodule, so wrap them in one"));
  if (script_.named_parameters().size() == 0)
    throw ModelError(str_cat("TorchScript body '", path,
                             "' has no parameters (was it torch.jit.freeze'd? "
                             "save it without freezing so that it can be fine-tuned)"));
  mirror_into(*this, script_);

  const std::vector<std::string> candidates = split_candidates(script_);
  if (candidates.size() < 2)
    throw ModelError(
        str_cat("TorchScript body '", path, "' has no submodules to split into layer groups"));
  std::size_t split = candidates.size() / 2;
  if (!split_at.empty()) {
    std::vector<std::string> names;
    split = 0;
    for (std::size_t idx = 0; idx < candidates.size(); ++idx) {
      const std::string& path_name = candidates[idx];
      const std::string name = path_name.substr(path_name.rfind('.') + 1);
      if (name == split_at || path_name == split_at) split = idx;
      names.push_back(name);
    }
    if (split == 0)
      throw ModelError(str_cat("model.split_at: '", split_at,
                               "' is not a module after the first of '", path,
                               "' (modules: ", join(names), ")"));
  }
  std::array<std::vector<std::string>, 2> groups;
  for (std::size_t idx = 0; idx < candidates.size(); ++idx)
    groups[idx < split ? 0 : 1].push_back(candidates[idx]);

  torch::NoGradGuard no_grad;
  eval();
  torch::Tensor probe;
  try {
    probe = forward(torch::zeros({2, 3, kProbeSize, kProbeSize}));
  } catch (const c10::Error& error) {
    throw ModelError(str_cat("TorchScript body '", path, "': running it on a [2, 3, ", kProbeSize,
                             ", ", kProbeSize,
                             "] batch failed: ", first_line(error.what_without_backtrace())));
  }
  train(true);
  set_layer_groups(std::move(groups), static_cast<int>(probe.size(1)));
}

torch::Tensor ScriptBodyImpl::forward(torch::Tensor images) {
  const torch::IValue output = script_.forward({std::move(images)});
  if (!output.isTensor() || output.toTensor().dim() != 4)
    throw ModelError(str_cat(
        "TorchScript body '", path_, "' must return a feature map [N, C, H, W]; it returned ",
        output.isTensor() ? str_cat("a tensor of shape ", output.toTensor().sizes())
                          : output.tagKind(),
        ". Save the body without its pooling and classifier (see README: weights)"));
  return output.toTensor();
}

void ScriptBodyImpl::train(bool on) {
  torch::nn::Module::train(on);
  set_training_flag(script_, on);
}

}  // namespace xp::models
