#include "core/models/body.h"

#include <torch/torch.h>

#include "core/models/batch_norm.h"
#include "core/models/densenet.h"
#include "core/models/resnet.h"
#include "core/models/script_body.h"
#include "core/models/vgg.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

std::array<std::vector<torch::nn::Module*>, 2> BodyImpl::layer_group_modules() {
  const auto modules = named_modules("", /*include_self=*/false);
  std::array<std::vector<torch::nn::Module*>, 2> groups;
  for (std::size_t group_idx = 0; group_idx < 2; ++group_idx)
    for (const auto& path : group_paths_[group_idx]) {
      const auto* module = modules.find(path);
      XP_ASSERT(module != nullptr, "layer group path '", path, "' is not a module of the body");
      groups[group_idx].push_back(module->get());
    }
  return groups;
}

std::array<std::string, 2> BodyImpl::layer_group_text() const {
  std::array<std::string, 2> text;
  for (std::size_t group_idx = 0; group_idx < 2; ++group_idx) {
    const auto& paths = group_paths_[group_idx];
    // Long groups (vgg's 22 modules) read better as their ends.
    text[group_idx] = paths.size() <= 4 ? join(paths) : str_cat(paths.front(), " … ", paths.back());
  }
  return text;
}

void BodyImpl::set_layer_groups(std::array<std::vector<std::string>, 2> paths,
                                int feature_channels) {
  group_paths_ = std::move(paths);
  feature_channels_ = feature_channels;
}

FeaturesBodyImpl::FeaturesBodyImpl(torch::nn::Sequential sequential, int lr_cut,
                                   int feature_channels)
    : features(register_module("features", std::move(sequential))) {
  std::array<std::vector<std::string>, 2> groups;
  const auto children = features->named_children();
  for (std::size_t idx = 0; idx < children.size(); ++idx)
    groups[static_cast<int>(idx) < lr_cut ? 0 : 1].push_back("features." + children[idx].key());
  set_layer_groups(std::move(groups), feature_channels);
}

Body make_body(const ArchDescriptor& arch, const std::string& weights,
               const std::string& split_at) {
  switch (arch.family) {
    case Family::kResNet:
      return std::make_shared<ResNetBodyImpl>(arch);
    case Family::kVgg:
      return make_vgg_body(arch);
    case Family::kDenseNet:
      return make_densenet_body(arch);
    case Family::kTorchScript:
      return std::make_shared<ScriptBodyImpl>(weights, split_at);
  }
  throw std::logic_error("make_body: unknown model family");
}

bool is_batchnorm(torch::nn::Module& module) {
  return module.as<BatchNorm2d>() || module.as<BatchNorm1d>() || module.as<ScriptBatchNormImpl>();
}

}  // namespace xp::models
