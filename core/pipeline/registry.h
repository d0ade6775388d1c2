// The table of stage types. runner/main.cpp and the tests fill it with register_builtin_stages();
// there is no static self-registration (it is stripped from static libraries).
#pragma once

#include <string>
#include <vector>

#include "core/pipeline/stage.h"

namespace xp::pipeline {

class StageRegistry {
 public:
  void add(const StageDescriptor& descriptor);
  // nullptr when unknown.
  const StageDescriptor* find(std::string_view name) const;
  std::vector<std::string> names() const;
  const std::vector<StageDescriptor>& all() const { return descriptors_; }

 private:
  std::vector<StageDescriptor> descriptors_;
};

void register_builtin_stages(StageRegistry& registry);

// Descriptors of the built-in stages, one per file in pipeline/stages/.
const StageDescriptor& fit_stage_descriptor();
const StageDescriptor& lr_find_stage_descriptor();
const StageDescriptor& save_stage_descriptor();
const StageDescriptor& load_stage_descriptor();
const StageDescriptor& freeze_stage_descriptor();
const StageDescriptor& unfreeze_stage_descriptor();
const StageDescriptor& freeze_to_stage_descriptor();
const StageDescriptor& bn_freeze_stage_descriptor();
const StageDescriptor& resize_stage_descriptor();
const StageDescriptor& tta_stage_descriptor();
const StageDescriptor& predict_stage_descriptor();

}  // namespace xp::pipeline
