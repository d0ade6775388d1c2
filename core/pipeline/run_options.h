// What `xp run` asks of a run beyond its recipe, and what it gets back.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xp::pipeline {

struct RunOptions {
  std::filesystem::path results_root = "results";
  std::filesystem::path cache_root = "results/.cache";  // resized images, activations, stages
  std::vector<std::string> command_line;
  int threads = 0;  // overrides the recipe's threads when > 0
  // Reuse stages whose key is in the stage cache, and store every stage that runs (stage_key.h).
  bool stage_cache = true;
  // Continue this stopped run's folder (its recipe.yaml is the plan) instead of making a new one.
  std::filesystem::path resume_folder;
};

struct RunResult {
  std::filesystem::path folder;
  double final_metric = 0;  // the task's validation metric after the last epoch
};

}  // namespace xp::pipeline
