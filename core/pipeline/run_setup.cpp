#include "core/pipeline/run_setup.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/cache/data_identity.h"
#include "core/models/weights/load.h"
#include "core/report/run_folder.h"
#include "core/report/skipped_csv.h"
#include "core/train/device.h"
#include "core/train/fused_step.h"
#include "core/util/atomic_file.h"
#include "core/util/rng.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

models::Task task_of(data::Target target) {
  switch (target) {
    case data::Target::kMultiLabel:
      return models::Task::kMultiLabel;
    case data::Target::kRegression:
      return models::Task::kRegression;
    case data::Target::kAuto:
    case data::Target::kSingleLabel:
      break;
  }
  return models::Task::kSingleLabel;
}

}  // namespace

RecipeData load_recipe_data(const recipe::Recipe& recipe, const std::filesystem::path& cache_root) {
  RecipeData loaded{data::load_data(recipe.data, recipe.run.seed), std::nullopt, std::nullopt, ""};
  // Before the decode check and the resize cache: what they do follows from the files' identities.
  loaded.identity = cache::data_identity(loaded.data);
  if (recipe.data.on_bad_image == data::BadImagePolicy::kSkip)
    loaded.decode_checked = cache::skip_undecodable(
        loaded.data, cache_root, recipe.data.reduced_decode ? recipe.data.size : 0,
        recipe.data.workers);
  if (recipe.data.resize_cache > 0)
    loaded.resized = cache::apply_resize_cache(loaded.data, cache_root, recipe.data.resize_cache,
                                               recipe.data.workers);
  return loaded;
}

std::string describe(const cache::ResizeCacheStats& stats) {
  return str_cat("resize cache  ", stats.folder.string(), ": ", stats.written, " written, ",
                 stats.reused, " reused, ", stats.kept, " already small (",
                 str_printf("%.1f s", stats.seconds), ")");
}

std::string describe(const cache::DecodeCheckStats& stats) {
  std::string text =
      str_cat("decode check  ", stats.decoded + stats.reused, " images: ", stats.decoded,
              " decoded, ", stats.reused, " verdicts reused, ", stats.undecodable, " undecodable (",
              str_printf("%.1f s", stats.seconds), ")");
  if (!stats.cache_problem.empty())
    text += str_cat("\nwarning: decode verdicts not cached: ", stats.cache_problem);
  return text;
}

void record_data(const recipe::Recipe& recipe, const RecipeData& loaded,
                 const std::filesystem::path& run_folder, report::Console& console,
                 report::RunRecord& record) {
  const data::DataBundle& data = loaded.data;
  if (const auto& checked = loaded.decode_checked) {
    console.line(describe(*checked));
    record.update([&](report::RunInfo& run) {
      run.decode_check = report::DecodeCheckInfo{checked->decoded, checked->reused,
                                                 checked->undecodable, checked->cache_problem};
    });
  }
  if (loaded.resized) {
    console.line(describe(*loaded.resized));
    record.update([&](report::RunInfo& run) {
      run.resize_cache = report::ResizeCacheInfo{
          recipe.data.resize_cache, loaded.resized->folder.string(), loaded.resized->written,
          loaded.resized->reused, loaded.resized->kept};
    });
  }
  console.line(str_cat(
      "data    ", data.train->size(), " train, ", data.valid->size(), " valid images, ",
      data.classes.size(), data.target == data::Target::kRegression ? " value" : " class",
      data.classes.size() == 1 ? "" : (data.target == data::Target::kRegression ? "s" : "es"), " (",
      data::target_name(data.target), ")"));
  record.update([&](report::RunInfo& run) {
    run.target = data::target_name(data.target);
    run.classes = data.classes;
    run.data = report::DataCounts{data.train->size(), data.valid->size(),
                                  data.test ? data.test->size() : 0,
                                  static_cast<std::int64_t>(data.skipped.size())};
  });
  if (!data.skipped.empty()) {
    write_file_atomic(run_folder / report::files::kSkipped, report::skipped_csv(data.skipped));
    console.line(str_cat("warning: skipped ", data.skipped.size(), " bad image file",
                         data.skipped.size() == 1 ? "" : "s",
                         " (data.on_bad_image: skip), listed in ", report::files::kSkipped,
                         "; first: ", data.skipped[0].path, " ", data.skipped[0].reason));
  }
}

constexpr std::uint64_t kHeadInitStream = 0x9u;  // Rng stream for the head's initial weights

models::Classifier build_model(const recipe::Recipe& recipe, const data::DataBundle& data) {
  torch::manual_seed(recipe.run.seed);
  models::ModelOptions options = recipe.model;
  options.task = task_of(data.target);
  // A seed of its own (a stream of the run's seed), so the head's draws repeat none of the body's.
  options.head_seed = Rng(recipe.run.seed, {kHeadInitStream}).next();
  models::Classifier model(options, static_cast<int>(data.classes.size()));
  if (!recipe.model.weights.empty()) {
    // fastai's ConvLearner.pretrained: pretrained body, new head, everything but the head frozen.
    models::load_backbone_weights(*model, recipe.model.weights);
    model->freeze_to(models::ClassifierImpl::kLayerGroups - 1);
  }
  return model;
}

void record_model(const recipe::Recipe& recipe, const models::Classifier& model,
                  report::Console& console, report::RunRecord& record) {
  if (!recipe.model.weights.empty()) {
    console.line(str_cat("model   ", recipe.model.arch, " weights from ", recipe.model.weights,
                         "; body frozen (layer groups 0-", model->frozen_groups() - 1, ")"));
    record.update([&](report::RunInfo& run) { run.weights = recipe.model.weights; });
  }
}

train::LearnerOptions learner_options(const recipe::Recipe& recipe,
                                      const models::Classifier& model) {
  train::LearnerOptions options;
  options.batch_size = recipe.data.batch_size;
  options.workers = recipe.data.workers;
  options.seed = recipe.run.seed;
  options.preprocess.size = recipe.data.size;
  options.preprocess.mean = model->input_mean();
  options.preprocess.std = model->input_std();
  options.augment = recipe.data.augment;
  options.reduced_decode = recipe.data.reduced_decode;
  options.compute = recipe.run.compute;
  options.device = train::torch_device(train::resolve_on_this_machine(recipe.run.device));
  options.sync_bn = recipe.run.sync_bn;
  options.fused_optimizer = train::use_fused_step(recipe.run.compute.fused_optimizer);
  // fp16 needs its loss scaled (train/loss_scale.h); bf16 has fp32's range and does not.
  if (recipe.run.compute.precision == train::Precision::kFp16)
    options.loss_scale = train::LossScaleOptions{};
  return options;
}

int configure_threads(int requested) {
  // The CPUs this process may use (a Slurm allocation, a container's cpuset), not the machine's.
  const int threads = requested > 0 ? requested : available_cpus();
  // LibTorch defaults to one thread here (performance.md); always set it explicitly.
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

}  // namespace xp::pipeline
