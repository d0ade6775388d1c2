// A recipe after parsing, overrides, the schema check, defaults and semantic checks: what every
// command (check, run) starts from. Loading collects all problems and throws one RecipeError.
//
//   auto recipe = xp::recipe::load_recipe("recipes/quickstart.yaml", {"stages[0].fit.lr=0.05"});
//   for (const auto& stage : recipe.stages) …  recipe.node(stage.path) …
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/data/data_options.h"
#include "core/models/model_options.h"
#include "core/recipe/document.h"
#include "core/recipe/node.h"
#include "core/train/compute_options.h"

namespace xp::recipe {

struct RunSettings {
  std::string name;
  unsigned long long seed = 42;
  int threads = 0;  // 0 = hardware threads
  train::Device device;
  train::ComputeOptions compute;  // precision, channels_last, deterministic
  bool sync_bn = false;           // data-parallel: BatchNorm over the global batch
};

struct StageEntry {
  std::string type;  // "fit", …
  KeyPath path;      // path of the stage's parameters: stages[i].<type>
};

struct Recipe {
  Document doc;  // the resolved tree (defaults and overrides applied)
  RunSettings run;
  data::DataOptions data;
  models::ModelOptions model;
  std::vector<StageEntry> stages;

  Node node(const KeyPath& path) const;
};

Recipe load_recipe(const std::filesystem::path& path, const std::vector<std::string>& overrides);

// A run folder's recipe.yaml (already resolved), checked as load_recipe checks a recipe except that
// the data and weight files it names need not exist: what `xp predict` and `xp export` read, on a
// run folder copied away from its data.
Recipe load_run_recipe(const std::filesystem::path& path);

// The recipe's tree with data.path and model.weights made absolute: what a run folder's
// recipe.yaml holds, so that it runs (and resumes) from any working directory.
Document with_absolute_paths(const Recipe& recipe);
Recipe parse_recipe(const std::string& name, const std::string& text,
                    const std::vector<std::string>& overrides);

}  // namespace xp::recipe
