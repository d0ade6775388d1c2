#include "core/pipeline/inspect.h"

#include <torch/torch.h>

#include <chrono>
#include <vector>

#include "core/cache/activations.h"
#include "core/cache/data_identity.h"
#include "core/cache/stage_store.h"
#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/models/summary.h"
#include "core/pipeline/run_setup.h"
#include "core/pipeline/stage_cache.h"
#include "core/pipeline/stage_key.h"
#include "core/report/data_report.h"
#include "core/train/device.h"
#include "core/train/features.h"
#include "core/train/precision.h"
#include "core/util/cpu_features.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

// A labelled split's labels in one line: images per class ("class0 12, class1 9"), or for
// regression each value's mean, standard deviation and range.
std::string label_summary(const data::ImageSet& set, const data::DataBundle& data) {
  std::vector<std::string> parts;
  if (data.target == data::Target::kRegression) {
    for (std::size_t column = 0; column < data.classes.size(); ++column) {
      const torch::Tensor values =
          set.labels.select(1, static_cast<std::int64_t>(column)).to(torch::kFloat64);
      parts.push_back(str_printf("%s mean %.4g std %.4g [%.4g, %.4g]", data.classes[column].c_str(),
                                 values.mean().item<double>(), values.std().item<double>(),
                                 values.min().item<double>(), values.max().item<double>()));
    }
    return join(parts);
  }
  const torch::Tensor counts = data::class_counts(set.labels, data.classes.size());
  for (std::size_t label = 0; label < data.classes.size(); ++label)
    parts.push_back(str_cat(data.classes[label], " ",
                            counts[static_cast<std::int64_t>(label)].item<std::int64_t>()));
  return join(parts);
}

// The training batches exactly as `xp run` makes them, timed without a model.
void bench_loader(const recipe::Recipe& recipe, const data::DataBundle& data, int epochs,
                  std::ostream& out) {
  const data::LoaderOptions loader_options =
      data::training_loader_options(recipe.data.batch_size, recipe.data.workers, recipe.run.seed,
                                    recipe.data.augment, recipe.data.reduced_decode);
  data::PreprocessOptions preprocess;
  preprocess.size = recipe.data.size;
  data::DataLoader loader(data.train, loader_options, preprocess);
  out << "bench    " << epochs << " epoch(s) of " << loader.samples_per_epoch() << " images, batch "
      << recipe.data.batch_size << ", " << recipe.data.workers << " workers, size "
      << recipe.data.size << ", augment " << data::augment_preset_name(recipe.data.augment.preset)
      << "\n";
  std::int64_t images = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const auto epoch_started = std::chrono::steady_clock::now();
    loader.start_epoch(epoch);
    std::int64_t epoch_images = 0;
    while (auto batch = loader.next()) epoch_images += batch->images.size(0);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_started).count();
    out << str_printf("epoch %d  %lld images in %.2f s: %.1f images/s\n", epoch,
                      static_cast<long long>(epoch_images), seconds, epoch_images / seconds);
    images += epoch_images;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << str_printf("images/s %.1f\n", images / seconds);
}

}  // namespace

void print_cache_status(const Plan& plan, const std::filesystem::path& cache_root,
                        std::ostream& out, int ranks) {
  std::string data_identity;
  try {
    data_identity = cache::data_identity(data::load_data(plan.recipe.data, plan.recipe.run.seed));
  } catch (const Error& error) {
    out << "cache   not checked: the data cannot be listed (" << error.what() << ")\n";
    return;
  }
  const auto keys = recipe_stage_keys(
      plan, data_identity,
      train::device_type(train::resolve_on_this_machine(plan.recipe.run.device)), ranks);
  const cache::StageStore store(cache_root);
  const auto statuses = cache_status(store, keys);
  out << "cache   " << store.folder().string()
      << (ranks > 1 ? str_cat("  (the stages of a ", ranks, "-rank data-parallel run)") : "")
      << "\n";
  for (std::size_t idx = 0; idx < statuses.size(); ++idx) {
    const auto& planned = plan.stages[idx];
    out << str_printf("  [%d] %-9s %-4s  ", planned.index, planned.type.c_str(),
                      statuses[idx].hit ? "HIT" : "MISS")
        << statuses[idx].detail << "\n";
  }
}

void print_model(const Plan& plan, std::ostream& out) {
  const auto& recipe = plan.recipe;
  configure_threads(recipe.run.threads);
  const data::DataBundle data = data::load_data(recipe.data, recipe.run.seed);
  models::Classifier network = build_model(recipe, data);
  models::SummaryContext context;
  context.input_size = recipe.data.size;
  context.weights = recipe.model.weights;
  out << models::summarize(*network, context) << "\n";
}

void write_features(const Plan& plan, const std::filesystem::path& cache_root,
                    const std::string& split_name, const std::filesystem::path& file,
                    std::ostream& out) {
  require_trainable(plan);  // a device or precision this machine lacks, at its key
  const auto& recipe = plan.recipe;
  const int threads = configure_threads(recipe.run.threads);
  train::configure_kernels(recipe.run.compute.deterministic);
  const RecipeData loaded = load_recipe_data(recipe, cache_root);
  const data::DataBundle& data = loaded.data;
  if (loaded.decode_checked) out << describe(*loaded.decode_checked) << "\n";
  if (loaded.resized) out << describe(*loaded.resized) << "\n";
  models::Classifier network = build_model(recipe, data);
  network->to(train::torch_device(train::resolve_on_this_machine(recipe.run.device)));
  const auto split = split_name == "valid"  ? data.valid
                     : split_name == "test" ? data.test
                                            : data.train;
  XP_CHECK(split != nullptr, "xp features --split ", split_name,
           ": the recipe's data has no test split (set data.test)");
  data::PreprocessOptions preprocess;
  preprocess.size = recipe.data.size;
  preprocess.mean = network->input_mean();
  preprocess.std = network->input_std();
  const std::string warning = train::precision_warning(recipe.run.compute, has_native_bf16());
  if (!warning.empty()) out << "warning: " << warning << "\n";
  out << "features " << split->size() << " " << split_name << " images, " << recipe.model.arch
      << " at " << recipe.data.size << " px, " << threads << " threads\n";
  const train::FeatureSet computed = train::compute_features(
      *network, split, recipe.data.batch_size, recipe.data.workers, preprocess, recipe.run.compute);
  cache::write_activations(file, {computed.features, computed.labels, split->ids, {}});
  out << "wrote " << file.string() << ": features " << computed.features.size(0) << "x"
      << computed.features.size(1) << ", labels, ids\n";
}

void inspect_data(const Plan& plan, const std::filesystem::path& cache_root,
                  const std::filesystem::path& report_folder, int bench_epochs, std::ostream& out) {
  const auto& recipe = plan.recipe;
  const RecipeData loaded = load_recipe_data(recipe, cache_root);
  const data::DataBundle& data = loaded.data;
  out << "target   " << data::target_name(data.target) << "\n";
  out << (data.target == data::Target::kRegression ? "values   " : "classes  ")
      << data.classes.size() << ": " << join(data.classes) << "\n";
  out << "train    " << data.train->size() << " images: " << label_summary(*data.train, data)
      << "\n";
  out << "valid    " << data.valid->size() << " images: " << label_summary(*data.valid, data)
      << "\n";
  if (data.test) out << "test     " << data.test->size() << " unlabelled images\n";
  for (const auto& skipped : data.skipped)
    out << "skipped  " << skipped.split << " " << skipped.path << ": " << skipped.reason << "\n";
  if (loaded.resized) out << describe(*loaded.resized) << "\n";
  report::DataReportOptions report_options;
  report_options.augment = recipe.data.augment;
  report_options.size = recipe.data.size;
  report_options.seed = recipe.run.seed;
  for (const auto& line : report::write_data_report(data, report_options, report_folder))
    out << line << "\n";
  if (bench_epochs > 0) bench_loader(recipe, data, bench_epochs, out);
}

}  // namespace xp::pipeline
