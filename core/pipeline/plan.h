// A plan: a checked recipe with every stage parsed, ready to run or to print (`xp check`).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/pipeline/registry.h"
#include "core/recipe/recipe.h"

namespace xp::pipeline {

struct PlannedStage {
  int index = 0;
  std::string type;
  int version = 1;  // StageDescriptor::version
  std::unique_ptr<Stage> stage;
  std::string where;  // "recipe.yaml:22:5": the stage in the recipe, for its errors at run time
};

struct Plan {
  recipe::Recipe recipe;
  std::vector<PlannedStage> stages;
  std::vector<recipe::Diagnostic> warnings;  // from the stages' checks; see rendered_warnings()
  // Each warning in compiler style (file:line:col: warning: …), one string each.
  std::vector<std::string> rendered_warnings() const;
  std::int64_t total_epochs() const;
  // The human-readable plan: data, model, one line per stage with its epochs, the total.
  std::string describe() const;
  // What `xp run` refuses before it starts, at the recipe keys: a device this build or machine
  // lacks (for a job of `ranks` data-parallel ranks: GPUs without NCCL), fp16 on the CPU.
  // `xp check` reports the same.
  std::vector<recipe::Diagnostic> training_refusals(int ranks = 1) const;
};

// Throws RecipeError (exit 2) with the plan's training refusals, if any.
void require_trainable(const Plan& plan, int ranks = 1);

// Parses every stage of `recipe`; throws RecipeError with all stage problems at once.
Plan make_plan(recipe::Recipe recipe, const StageRegistry& registry);

}  // namespace xp::pipeline
