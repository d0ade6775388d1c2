#include "core/pipeline/registry.h"

#include "core/util/error.h"

namespace xp::pipeline {

void StageRegistry::add(const StageDescriptor& descriptor) {
  XP_ASSERT(find(descriptor.name) == nullptr, "stage type registered twice: ", descriptor.name);
  descriptors_.push_back(descriptor);
}

const StageDescriptor* StageRegistry::find(std::string_view name) const {
  for (const auto& descriptor : descriptors_)
    if (descriptor.name == name) return &descriptor;
  return nullptr;
}

std::vector<std::string> StageRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& descriptor : descriptors_) out.emplace_back(descriptor.name);
  return out;
}

void register_builtin_stages(StageRegistry& registry) {
  registry.add(lr_find_stage_descriptor());
  registry.add(fit_stage_descriptor());
  registry.add(freeze_stage_descriptor());
  registry.add(unfreeze_stage_descriptor());
  registry.add(freeze_to_stage_descriptor());
  registry.add(bn_freeze_stage_descriptor());
  registry.add(save_stage_descriptor());
  registry.add(load_stage_descriptor());
  registry.add(resize_stage_descriptor());
  registry.add(tta_stage_descriptor());
  registry.add(predict_stage_descriptor());
}

}  // namespace xp::pipeline
