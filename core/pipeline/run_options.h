// What `xp run` asks of a run beyond its recipe, and what it gets back.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/dist/launch_env.h"

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
  // Where this process stands in a data-parallel job (torchrun's or Slurm's variables, or
  // `xp run --nproc`): rank 0 of 1 alone.
  dist::LaunchEnv launch;
};

struct RunResult {
  std::filesystem::path folder;
  double final_metric = 0;  // the task's validation metric after the last epoch
};

}  // namespace xp::pipeline
