#include "core/models/classifier.h"

#include <torch/torch.h>

#include "core/models/head.h"

namespace xp::models {

torch::Tensor concat_pool(const torch::Tensor& features) {
  const auto flat = features.flatten(2);
  return torch::cat({std::get<0>(flat.max(2)), flat.mean(2)}, 1);
}

ClassifierImpl::ClassifierImpl(const ModelOptions& options, int classes)
    : arch_(&find_architecture(options.arch)) {
  body = register_module("body", ResNetBody(*arch_));
  HeadOptions head_options;
  head_options.in_features = 2 * arch_->feature_channels;
  head_options.classes = classes;
  head_options.xtra_fc = options.xtra_fc;
  head_options.dropout = options.dropout;
  head = register_module("head", make_head(head_options));
}

torch::Tensor ClassifierImpl::features(torch::Tensor images) { return concat_pool(body->forward(images)); }

torch::Tensor ClassifierImpl::forward(torch::Tensor images) { return head->forward(features(images)); }

std::vector<std::vector<torch::Tensor>> ClassifierImpl::layer_groups() {
  std::vector<std::vector<torch::Tensor>> groups(kLayerGroups);
  auto add = [](std::vector<torch::Tensor>& group, torch::nn::Module& module) {
    for (auto& parameter : module.parameters()) group.push_back(parameter);
  };
  add(groups[0], *body->conv1);
  add(groups[0], *body->bn1);
  add(groups[0], *body->layer1);
  add(groups[0], *body->layer2);
  add(groups[1], *body->layer3);
  add(groups[1], *body->layer4);
  add(groups[2], *head);
  return groups;
}

}  // namespace xp::models
