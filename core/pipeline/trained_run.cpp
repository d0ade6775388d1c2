#include "core/pipeline/trained_run.h"

#include <torch/torch.h>

#include <tuple>

#include "core/models/weights/load.h"
#include "core/models/weights/state_dict.h"
#include "core/pipeline/run_setup.h"
#include "core/report/run_folder.h"
#include "core/report/run_index.h"
#include "core/report/run_info.h"
#include "core/train/device.h"
#include "core/train/precision.h"
#include "core/util/build_info.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace fs = std::filesystem;

namespace {

// The threshold of the run's last prediction record (tta or predict, by stage) that has one.
std::optional<double> last_threshold(const report::RunInfo& run) {
  std::optional<double> threshold;
  int stage = -1;
  for (const auto* list : {&run.tta, &run.predict})
    for (const auto& record : *list)
      if (record.threshold && record.stage > stage)
        threshold = record.threshold, stage = record.stage;
  return threshold;
}

train::TtaOptions last_tta_options(const recipe::Recipe& recipe) {
  train::TtaOptions options;
  for (const auto& stage : recipe.stages) {
    if (stage.type != "tta") continue;
    const recipe::Node params = recipe.node(stage.path);
    options = {};
    if (params.has("n_aug")) options.n_aug = static_cast<int>(params["n_aug"].integer());
    if (params.has("beta")) options.beta = params["beta"].number();
  }
  return options;
}

train::Device device_on_this_machine(const std::string& name) {
  const train::Device requested = train::parse_device(name);
  const std::string unavailable = train::device_unavailable(
      requested, train::visible_gpus(), train::cuda_built(), build_info().libtorch);
  if (!unavailable.empty())
    throw UserError(str_cat("--device '", name, "' is not available: ", unavailable));
  return train::resolve_on_this_machine(requested);
}

}  // namespace

std::pair<int, int> final_size_and_batch(const recipe::Recipe& recipe) {
  int size = recipe.data.size;
  int batch_size = recipe.data.batch_size;
  for (const auto& stage : recipe.stages) {
    if (stage.type != "resize") continue;
    const recipe::Node params = recipe.node(stage.path);
    size = static_cast<int>(params["size"].integer());
    if (params.has("batch_size")) batch_size = static_cast<int>(params["batch_size"].integer());
  }
  return {size, batch_size};
}

TrainedRun open_trained_run(const fs::path& folder, const std::string& device,
                            const std::string& checkpoint) {
  if (!fs::is_directory(folder))
    throw UserError(str_cat("'", folder.string(), "' is not a folder (expected a run folder)"));
  const fs::path recipe_file = folder / report::files::kRecipe;
  if (!fs::exists(recipe_file))
    throw UserError(
        str_cat("'", folder.string(), "' is not a run folder: it has no ", report::files::kRecipe));
  TrainedRun run{folder, recipe::load_run_recipe(recipe_file), {}, {}, {}, {}, nullptr, {}, {}};
  const report::RunInfo info = report::read_run_json(folder);
  if (info.classes.empty() || !info.target)
    throw UserError(str_cat("'", (folder / report::files::kRun).string(),
                            "' names no classes or target: the run stopped before its data was "
                            "listed"));
  run.classes = info.classes;
  run.task = models::parse_task(*info.target);
  if (run.task == models::Task::kMultiLabel) run.threshold = last_threshold(info);

  run.weights = checkpoint.empty() ? folder / report::files::kModel
                                   : report::checkpoint_path(folder, checkpoint);
  if (!fs::exists(run.weights)) {
    if (!checkpoint.empty())
      throw UserError(str_cat("'", folder.string(), "' has no checkpoint '", checkpoint,
                              "' (expected ", run.weights.string(), ")"));
    const report::RunSummary summary = report::summarize_run(folder);
    throw UserError(str_cat("'", folder.string(), "' has no ", report::files::kModel,
                            ": the run did not complete (", summary.state,
                            "); finish it with xp run --resume ", folder.string(),
                            ", or name one of its checkpoints with --checkpoint"));
  }

  models::ModelOptions options = run.recipe.model;
  options.task = run.task;
  run.model = models::Classifier(options, static_cast<int>(run.classes.size()));
  // Guarded as any weights file a user names: the folder may come from elsewhere.
  models::load_state_dict(*run.model, models::read_weights(run.weights.string()),
                          run.weights.string());

  // The learner's settings at the end of the run: the last resize's size and batch size.
  train::InferenceOptions& inference = run.inference;
  inference = train::inference_options(learner_options(run.recipe, run.model));
  std::tie(inference.preprocess.size, inference.batch_size) = final_size_and_batch(run.recipe);
  const train::Device resolved = device_on_this_machine(device);
  if (!train::precision_unavailable(inference.compute.precision, resolved).empty())
    inference.compute.precision = train::Precision::kFp32;  // fp16 is for GPUs
  inference.device = train::torch_device(resolved);
  run.model->to(inference.device);
  train::apply_layout(*run.model, inference.compute);
  run.tta = last_tta_options(run.recipe);
  return run;
}

}  // namespace xp::pipeline
