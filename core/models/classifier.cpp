#include "core/models/classifier.h"

#include <torch/torch.h>

#include "core/models/head.h"
#include "core/util/error.h"

namespace xp::models {

torch::Tensor concat_pool(const torch::Tensor& features) {
  const auto flat = features.flatten(2);
  return torch::cat({std::get<0>(flat.max(2)), flat.mean(2)}, 1);
}

ClassifierImpl::ClassifierImpl(const ModelOptions& options, int classes)
    : arch_(&find_architecture(options.arch)),
      mean_(options.mean.value_or(arch_->mean)),
      std_(options.std.value_or(arch_->std)),
      task_(options.task),
      outputs_(classes),
      train_bn_(options.train_bn) {
  body = register_module("body", make_body(*arch_, options.weights, options.split_at));
  HeadOptions head_options;
  head_options.in_features = 2 * body->feature_channels();
  head_options.classes = classes;
  head_options.xtra_fc = options.xtra_fc;
  head_options.dropout = options.dropout;
  head_options.task = options.task;
  if (options.head_seed) torch::manual_seed(*options.head_seed);
  head = register_module("head", make_head(head_options));
}

torch::Tensor ClassifierImpl::features(torch::Tensor images) {
  return concat_pool(body->forward(images));
}

torch::Tensor ClassifierImpl::forward(torch::Tensor images) {
  return head->forward(features(images));
}

std::vector<std::vector<torch::nn::Module*>> ClassifierImpl::group_modules() {
  auto body_groups = body->layer_group_modules();
  return {std::move(body_groups[0]), std::move(body_groups[1]), {head.get()}};
}

std::vector<std::vector<torch::Tensor>> ClassifierImpl::layer_groups() {
  std::vector<std::vector<torch::Tensor>> groups;
  for (const auto& modules : group_modules()) {
    groups.emplace_back();
    for (auto* module : modules)
      for (auto& parameter : module->parameters()) groups.back().push_back(parameter);
  }
  return groups;
}

void ClassifierImpl::freeze_to(int group) {
  XP_CHECK(group >= 0 && group < kLayerGroups, "freeze_to: group must be in [0, ", kLayerGroups - 1,
           "], got ", group);
  auto groups = group_modules();
  for (int group_idx = 0; group_idx < kLayerGroups; ++group_idx) {
    for (auto* module : groups[static_cast<std::size_t>(group_idx)]) {
      for (auto& child : module->modules(/*include_self=*/true)) {
        const bool trains = group_idx >= group || (train_bn_ && is_batchnorm(*child));
        for (auto& parameter : child->parameters(/*recurse=*/false))
          parameter.set_requires_grad(trains);
      }
    }
  }
  frozen_groups_ = group;
}

void ClassifierImpl::train_respecting_frozen_bn() {
  train(true);
  if (train_bn_ && !bn_freeze_) return;
  auto groups = group_modules();
  // fastai's set_train_mode: eval for a BatchNorm with bn_freeze set or in a frozen group.
  const int eval_groups = bn_freeze_ ? kLayerGroups : frozen_groups_;
  for (int group_idx = 0; group_idx < eval_groups; ++group_idx)
    for (auto* module : groups[static_cast<std::size_t>(group_idx)])
      for (auto& child : module->modules(/*include_self=*/true))
        if (is_batchnorm(*child)) child->eval();
}

}  // namespace xp::models
