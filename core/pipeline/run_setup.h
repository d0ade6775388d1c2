// From a recipe to what a run trains: the data as listed and checked (with the decode check and
// the resize cache), the network, the learner's options, the thread count; and what a run prints
// and records in run.json about each.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/cache/decode_check.h"
#include "core/cache/resize_cache.h"
#include "core/data/dataset.h"
#include "core/models/classifier.h"
#include "core/recipe/recipe.h"
#include "core/report/console.h"
#include "core/report/run_record.h"
#include "core/train/learner.h"
#include "core/train/precision.h"

namespace xp::pipeline {

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

// What the run prints about the data and records in run.json (counts, classes, the decode
// check's and resize cache's figures), with skipped.csv listing the images data.on_bad_image: skip
// left out.
void record_data(const recipe::Recipe& recipe, const RecipeData& loaded,
                 const std::filesystem::path& run_folder, report::Console& console,
                 report::RunRecord& record);

// The recipe's network: architecture, fastai head for the data's classes and target (its last
// activation and loss: single-label, multi-label, regression), and pretrained weights when the
// recipe names them (which freezes everything but the head, as fastai's ConvLearner.pretrained).
// The seed alone decides the initial weights: the body's from seed, the head's from a stream of it,
// so the same backbone supplied another way (a TorchScript body, which draws nothing) gets the same
// head.
models::Classifier build_model(const recipe::Recipe& recipe, const data::DataBundle& data);
// "model   resnet34 weights from …; body frozen (layer groups 0-1)", and the weights in run.json.
void record_model(const recipe::Recipe& recipe, const models::Classifier& model,
                  report::Console& console, report::RunRecord& record);

// The learner's options: the recipe's batch size, workers, seed, image size, augmentation and
// compute options, with the network's input normalisation.
train::LearnerOptions learner_options(const recipe::Recipe& recipe,
                                      const models::Classifier& model);

// Sets torch's intra-op threads (0 = the CPUs this process may use: util/spawn's available_cpus) and returns the number in effect.
int configure_threads(int requested);

}  // namespace xp::pipeline
