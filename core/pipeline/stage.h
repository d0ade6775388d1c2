// A stage is one step of a recipe (fit, lr_find, unfreeze, …): a pure step from one learner state
// to the next (DESIGN.md). Each stage type lives in one file under pipeline/stages/ with its
// parameter parsing, its checks, its descriptor and its run() (shared/STYLE.md R8).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/recipe/diagnostics.h"
#include "core/recipe/node.h"

namespace xp::train {
class Learner;
class TrainingObserver;
struct FitProgress;
}  // namespace xp::train

namespace xp::report {
class Console;
class RunRecord;
}  // namespace xp::report

namespace xp::pipeline {

// What a stage may know while its parameters are parsed, before anything runs. Stages are parsed
// in recipe order; a factory may add what its stage provides to the stages after it.
struct PlanContext {
  int layer_groups = 3;
  std::vector<std::string> saved_checkpoints;  // names the `save` stages so far write
  // The learner's state as the stages so far leave it (what resize and precompute check).
  int frozen_groups = 0;  // layer groups without gradients (pretrained weights: all but the head)
  int size = 224;         // image size (data.size, then each resize)
  int resize_cache = 0;   // data.resize_cache (0 = none)
  double max_zoom = 1.0;  // data.max_zoom
  bool augment = false;   // data.augment is set (no effect while precompute is on)
  bool precompute_augment_warned = false;
  bool has_test = false;                     // the data has a test split
  std::vector<recipe::Diagnostic> warnings;  // shown by `xp check` and `xp run`, never fatal
};

// What a stage gets while it runs: the learner, the training observer (progress, metrics.csv),
// and for stages that write their own results, the run's folder, record and console.
struct StageContext {
  train::Learner& learner;
  train::TrainingObserver& observer;
  int stage_index;
  const std::filesystem::path& folder;
  report::RunRecord& record;
  report::Console& console;
  const std::filesystem::path& cache_root;  // activations (precompute) and other caches
  // Resume (fit stages): saves the fit's progress after each epoch and where Ctrl-C stops it;
  // and where to continue from when the run is resumed inside this stage (else nullptr).
  std::function<void(const train::FitProgress&)> on_fit_progress;
  const train::FitProgress* resume_fit = nullptr;
};

// learn.save(name): the network's weights and BatchNorm statistics as checkpoints/<name>.h5 in the
// run folder (the `save` stage, and fit's cycle snapshots). Prints and returns the path.
std::filesystem::path save_checkpoint(StageContext& context, const std::string& name);

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::int64_t epochs() const { return 0; }
  // One line for `xp check`: "lr=0.01 sgdr cycles=3 cycle_len=1 cycle_mult=2 → 7 epochs".
  virtual std::string describe() const = 0;
  virtual void run(StageContext& context) = 0;
};

// Parses `params` (already schema-checked, defaults filled); appends a diagnostic for every
// semantic problem and returns nullptr if there was any. May record in `context` what the stage
// provides to later ones.
using StageFactory = std::unique_ptr<Stage> (*)(const recipe::Node& params, PlanContext& context,
                                                std::vector<recipe::Diagnostic>& errors);

// One row of the stage table (shared/STYLE.md R7).
struct StageDescriptor {
  std::string_view name;     // the key in the recipe: "fit"
  std::string_view summary;  // one line for `xp check --help` and docs
  std::string_view
      example;  // a minimal YAML stage, e.g. "fit: {lr: 0.01, cycles: 3, cycle_len: 1}"
  StageFactory create;
  // Bumped when the stage's results change for the same parameters (a fixed bug, a new default
  // behaviour): it is part of the stage cache's key, so entries made by the old code are not reused.
  int version = 1;
};

}  // namespace xp::pipeline
