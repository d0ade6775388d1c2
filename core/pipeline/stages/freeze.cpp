// Stages `freeze`, `unfreeze` and `freeze_to`: where the trainable part of the network begins,
// by fastai layer group (0: conv1…layer2, 1: layer3–layer4, 2: head).
//
//   - freeze: {}       # learn.freeze()       — only the head trains
//   - unfreeze: {}     # learn.unfreeze()     — everything trains
//   - freeze_to: 1     # learn.freeze_to(1)   — layer3, layer4 and the head train
//   - bn_freeze: true  # learn.bn_freeze(True) — every BatchNorm keeps its running statistics
//
// Frozen groups get no gradients, are left out of the next fit's optimizer, and keep their
// BatchNorm layers in eval mode (fastai 0.7).
#include "core/pipeline/registry.h"
#include "core/train/learner.h"

namespace xp::pipeline {

namespace {

class FreezeToStage : public Stage {
 public:
  FreezeToStage(int group, std::string summary) : group_(group), summary_(std::move(summary)) {}
  std::string describe() const override { return summary_; }
  void run(StageContext& context) override { context.learner.model()->freeze_to(group_); }

 private:
  int group_;
  std::string summary_;
};

class BnFreezeStage : public Stage {
 public:
  explicit BnFreezeStage(bool frozen) : frozen_(frozen) {}
  std::string describe() const override {
    return frozen_ ? "BatchNorm layers keep their running statistics (eval mode)"
                   : "BatchNorm layers train again";
  }
  void run(StageContext& context) override { context.learner.model()->set_bn_freeze(frozen_); }

 private:
  bool frozen_;
};

std::unique_ptr<Stage> create_bn_freeze(const recipe::Node& params, PlanContext&,
                                        std::vector<recipe::Diagnostic>&) {
  return std::make_unique<BnFreezeStage>(params.json().get<bool>());
}

std::string trainable_text(int group, int groups) {
  return group == 0 ? "all layer groups train"
                    : str_cat("layer groups ", group, "-", groups - 1, " train");
}

std::unique_ptr<Stage> create_freeze(const recipe::Node&, PlanContext& context,
                                     std::vector<recipe::Diagnostic>&) {
  const int group = context.layer_groups - 1;
  context.frozen_groups = group;
  return std::make_unique<FreezeToStage>(
      group, trainable_text(group, context.layer_groups) + " (head only)");
}

std::unique_ptr<Stage> create_unfreeze(const recipe::Node&, PlanContext& context,
                                       std::vector<recipe::Diagnostic>&) {
  context.frozen_groups = 0;
  return std::make_unique<FreezeToStage>(0, trainable_text(0, context.layer_groups));
}

std::unique_ptr<Stage> create_freeze_to(const recipe::Node& params, PlanContext& context,
                                        std::vector<recipe::Diagnostic>& errors) {
  long long group = params.integer();
  // fastai accepts Python-style negative indices: freeze_to(-1) is freeze().
  if (group < 0) group += context.layer_groups;
  if (group < 0 || group >= context.layer_groups) {
    errors.push_back(params.error(str_cat(
        "layer group ", params.integer(), " does not exist; the model has ", context.layer_groups,
        " (0 to ", context.layer_groups - 1, ", or -1 for the last)")));
    return nullptr;
  }
  const int index = static_cast<int>(group);
  context.frozen_groups = index;
  return std::make_unique<FreezeToStage>(index, trainable_text(index, context.layer_groups));
}

}  // namespace

const StageDescriptor& freeze_stage_descriptor() {
  static const StageDescriptor descriptor{"freeze",
                                          "Freeze every layer group but the head (learn.freeze()).",
                                          "freeze: {}", &create_freeze};
  return descriptor;
}

const StageDescriptor& unfreeze_stage_descriptor() {
  static const StageDescriptor descriptor{"unfreeze",
                                          "Make every layer group trainable (learn.unfreeze()).",
                                          "unfreeze: {}", &create_unfreeze};
  return descriptor;
}

const StageDescriptor& bn_freeze_stage_descriptor() {
  static const StageDescriptor descriptor{
      "bn_freeze",
      "Keep every BatchNorm layer's running statistics while training (learn.bn_freeze(True)).",
      "bn_freeze: true", &create_bn_freeze};
  return descriptor;
}

const StageDescriptor& freeze_to_stage_descriptor() {
  static const StageDescriptor descriptor{"freeze_to",
                                          "Freeze layer groups before N (learn.freeze_to(N)).",
                                          "freeze_to: 1", &create_freeze_to};
  return descriptor;
}

}  // namespace xp::pipeline
