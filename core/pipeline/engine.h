// Runs a plan: creates the result folder, records provenance, builds the learner, runs each stage
// in order and keeps status.json, metrics.csv and log.txt current. Any failure marks the run
// FAILED (or INTERRUPTED) in status.json before the exception travels on to the runner.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/cache/decode_check.h"
#include "core/cache/resize_cache.h"
#include "core/data/dataset.h"
#include "core/models/classifier.h"
#include "core/pipeline/plan.h"
#include "core/pipeline/stage_key.h"
#include "core/report/console.h"
#include "core/train/precision.h"

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

// Prints the plan and the training progress to `console`, which also fills the run's log.txt.
RunResult run_plan(const Plan& plan, const RunOptions& options, report::Console& console);

// The recipe's dataset, listed and checked (data::load_data), with data.on_bad_image: skip every
// file decoded once (decode_check.h), its images read from the resize cache under `cache_root`
// when data.resize_cache is set.
struct RecipeData {
  data::DataBundle data;
  std::optional<cache::DecodeCheckStats> decode_checked;  // set with data.on_bad_image: skip
  std::optional<cache::ResizeCacheStats> resized;         // set when the resize cache was applied
  std::string identity;  // cache::data_identity of the data as listed (original files)
};
RecipeData load_recipe_data(const recipe::Recipe& recipe, const std::filesystem::path& cache_root);
// "resize cache  /…/resized/340: 12 written, 88 reused, 3 already small (1.2 s)"
std::string describe(const cache::ResizeCacheStats& stats);
// "decode check  1200 images: 12 decoded, 1188 verdicts reused, 1 undecodable (0.4 s)"
std::string describe(const cache::DecodeCheckStats& stats);

// The recipe's network: architecture, fastai head for the data's classes and target (its last
// activation and loss: single-label, multi-label, regression), and pretrained weights when the
// recipe names them (which freezes everything but the head, as fastai's ConvLearner.pretrained).
// The seed alone decides the initial weights: the body's from seed, the head's from a stream of it,
// so the same backbone supplied another way (a TorchScript body, which draws nothing) gets the same head.
models::Classifier build_model(const recipe::Recipe& recipe, const data::DataBundle& data);

// What the stage keys need beyond the recipe: the data's identity and the weights file's.
std::vector<StageKey> recipe_stage_keys(const Plan& plan, const std::string& data_identity);

// fp32/bf16 and memory layout, as the recipe asks.
train::ComputeOptions compute_options(const recipe::Recipe& recipe);

// Sets torch's intra-op threads (0 = hardware threads) and returns the number in effect.
int configure_threads(int requested);

}  // namespace xp::pipeline
