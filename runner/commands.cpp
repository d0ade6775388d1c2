#include "runner/commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/cache/activations.h"
#include "core/cache/data_identity.h"
#include "core/cache/stage_store.h"
#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/models/summary.h"
#include "core/pipeline/engine.h"
#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/pipeline/stage_cache.h"
#include "core/recipe/recipe.h"
#include "core/report/data_report.h"
#include "core/report/run_folder.h"
#include "core/report/run_index.h"
#include "core/train/features.h"
#include "core/train/precision.h"
#include "core/util/atomic_file.h"
#include "core/util/cpu_features.h"
#include "core/util/strings.h"
#include "runner/folder_commands.h"
#include "runner/sweep.h"

namespace xp::commands {

namespace {

pipeline::Plan load_plan(const cli::CliOptions& options) {
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  return pipeline::make_plan(recipe::load_recipe(options.recipe, options.overrides), registry);
}

}  // namespace

// Stage by stage: would `xp run` reuse the stage cache (HIT) or run it (MISS), and why.
void print_cache_status(const pipeline::Plan& plan, const std::string& cache_root) {
  std::string data_identity;
  try {
    data_identity = cache::data_identity(data::load_data(plan.recipe.data, plan.recipe.run.seed));
  } catch (const Error& error) {
    std::cout << "cache   not checked: the data cannot be listed (" << error.what() << ")\n";
    return;
  }
  const auto keys = pipeline::recipe_stage_keys(plan, data_identity);
  const cache::StageStore store(cache_root);
  const auto statuses = pipeline::cache_status(store, keys);
  std::cout << "cache   " << store.folder().string() << "\n";
  for (std::size_t idx = 0; idx < statuses.size(); ++idx) {
    const auto& planned = plan.stages[idx];
    std::cout << str_printf("  [%d] %-9s %-4s  ", planned.index, planned.type.c_str(),
                            statuses[idx].hit ? "HIT" : "MISS")
              << statuses[idx].detail << "\n";
  }
}

int check(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  pipeline::require_trainable(plan);  // xp check refuses what xp run would
  std::cout << plan.describe() << "\n";
  for (const auto& warning : plan.rendered_warnings()) std::cout << warning << "\n";
  if (options.no_cache)
    std::cout << "cache   not used (--no-cache): xp run would run every stage\n";
  else
    print_cache_status(plan, cli::cache_root(options));
  std::cout << "ok: " << options.recipe << " is valid\n";
  return 0;
}

int run(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  if (plan.recipe.doc.root().contains("sweep") && options.resume.empty())
    std::cout << "note: xp run runs the recipe once; its sweep: block is for xp sweep\n";
  report::Console console(stdout);
  pipeline::RunOptions run_options;
  run_options.results_root = options.out;
  run_options.cache_root = cli::cache_root(options);
  run_options.command_line = options.command_line;
  run_options.threads = options.threads;
  run_options.stage_cache = !options.no_cache;
  if (!options.resume.empty()) {
    run_options.resume_folder = options.resume;
    const std::filesystem::path folder(options.resume);
    // results/<name>/<run>: the cache the run was started with, unless --cache says otherwise.
    if (options.cache.empty())
      run_options.cache_root = folder.parent_path().parent_path() / ".cache";
    // The thread count the run started with: CPU kernels may sum in another order with another
    // count, and a resumed run must end bit for bit where an uninterrupted one would.
    if (options.threads == 0) {
      const auto run_json = report::read_json_file(folder / report::files::kRun);
      // Not a number: left to the engine, which reports the damaged run.json and marks the run FAILED.
      if (run_json.is_object() && run_json.value("threads", nlohmann::json()).is_number_integer())
        run_options.threads = std::clamp(run_json["threads"].get<int>(), 1, 4096);
    }
  }
  const pipeline::RunResult result = pipeline::run_plan(plan, run_options, console);
  console.line(str_cat("results: ", result.folder.string()));
  return 0;
}

int model(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  const auto& recipe = plan.recipe;
  pipeline::configure_threads(recipe.run.threads);
  const data::DataBundle data = data::load_data(recipe.data, recipe.run.seed);
  models::Classifier network = pipeline::build_model(recipe, data);
  models::SummaryContext context;
  context.input_size = recipe.data.size;
  context.weights = recipe.model.weights;
  std::cout << models::summarize(*network, context) << "\n";
  return 0;
}

int features(const cli::CliOptions& options) {
  if (const std::string refusal = why_not_replaceable(options.out); !refusal.empty())
    throw cli::UsageError(refusal);
  const pipeline::Plan plan = load_plan(options);
  const auto& recipe = plan.recipe;
  const int threads = pipeline::configure_threads(recipe.run.threads);
  const pipeline::RecipeData loaded = pipeline::load_recipe_data(recipe, cli::cache_root(options));
  const data::DataBundle& data = loaded.data;
  if (loaded.decode_checked) std::cout << pipeline::describe(*loaded.decode_checked) << "\n";
  if (loaded.resized) std::cout << pipeline::describe(*loaded.resized) << "\n";
  models::Classifier network = pipeline::build_model(recipe, data);
  const auto split = options.split == "valid"  ? data.valid
                     : options.split == "test" ? data.test
                                               : data.train;
  if (!split)
    throw cli::UsageError(
        "xp features --split test: the recipe's data has no test split (set data.test)");
  data::PreprocessOptions preprocess;
  preprocess.size = recipe.data.size;
  preprocess.mean = network->input_mean();
  preprocess.std = network->input_std();
  const std::string warning =
      train::precision_warning(pipeline::compute_options(recipe), has_native_bf16());
  if (!warning.empty()) std::cerr << "warning: " << warning << "\n";
  std::cout << "features " << split->size() << " " << options.split << " images, "
            << recipe.model.arch << " at " << recipe.data.size << " px, " << threads
            << " threads\n";
  const train::FeatureSet computed =
      train::compute_features(*network, split, recipe.data.batch_size, recipe.data.workers,
                              preprocess, pipeline::compute_options(recipe));
  cache::write_activations(options.out, {computed.features, computed.labels, split->ids, {}});
  std::cout << "wrote " << options.out << ": features " << computed.features.size(0) << "x"
            << computed.features.size(1) << ", labels, ids\n";
  return 0;
}

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

int data_command(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  const auto& recipe = plan.recipe;
  const pipeline::RecipeData loaded = pipeline::load_recipe_data(recipe, cli::cache_root(options));
  const data::DataBundle& data = loaded.data;
  std::cout << "target   " << data::target_name(data.target) << "\n";
  std::cout << (data.target == data::Target::kRegression ? "values   " : "classes  ")
            << data.classes.size() << ": " << join(data.classes) << "\n";
  std::cout << "train    " << data.train->size() << " images: " << label_summary(*data.train, data)
            << "\n";
  std::cout << "valid    " << data.valid->size() << " images: " << label_summary(*data.valid, data)
            << "\n";
  if (data.test) std::cout << "test     " << data.test->size() << " unlabelled images\n";
  for (const auto& skipped : data.skipped)
    std::cout << "skipped  " << skipped.split << " " << skipped.path << ": " << skipped.reason
              << "\n";
  if (loaded.resized) std::cout << pipeline::describe(*loaded.resized) << "\n";
  report::DataReportOptions report_options;
  report_options.augment = recipe.data.augment;
  report_options.size = recipe.data.size;
  report_options.seed = recipe.run.seed;
  const auto report_folder = std::filesystem::path(options.out) / (recipe.run.name + "-data");
  for (const auto& line : report::write_data_report(data, report_options, report_folder))
    std::cout << line << "\n";
  if (!options.bench) return 0;

  // The training batches exactly as `xp run` makes them, timed without a model.
  const data::LoaderOptions loader_options =
      data::training_loader_options(recipe.data.batch_size, recipe.data.workers, recipe.run.seed,
                                    recipe.data.augment, recipe.data.reduced_decode);
  data::PreprocessOptions preprocess;
  preprocess.size = recipe.data.size;
  data::DataLoader loader(data.train, loader_options, preprocess);
  std::cout << "bench    " << options.epochs << " epoch(s) of " << loader.samples_per_epoch()
            << " images, batch " << recipe.data.batch_size << ", " << recipe.data.workers
            << " workers, size " << recipe.data.size << ", augment "
            << data::augment_preset_name(recipe.data.augment.preset) << "\n";
  std::int64_t images = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    const auto epoch_started = std::chrono::steady_clock::now();
    loader.start_epoch(epoch);
    std::int64_t epoch_images = 0;
    while (auto batch = loader.next()) epoch_images += batch->images.size(0);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_started).count();
    std::printf("epoch %d  %lld images in %.2f s: %.1f images/s\n", epoch,
                static_cast<long long>(epoch_images), seconds, epoch_images / seconds);
    images += epoch_images;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("images/s %.1f\n", images / seconds);
  return 0;
}

int dispatch(const cli::CliOptions& options) {
  switch (options.verb) {
    case cli::Verb::kCheck:
      return check(options);
    case cli::Verb::kRun:
      return run(options);
    case cli::Verb::kModel:
      return model(options);
    case cli::Verb::kFeatures:
      return features(options);
    case cli::Verb::kData:
      return data_command(options);
    case cli::Verb::kSweep:
      return sweep(options);
    case cli::Verb::kLs:
      return list_runs(options);
    case cli::Verb::kDiff:
      return diff_runs(options);
    case cli::Verb::kReport:
      return write_reports(options);
    case cli::Verb::kCache:
      return cache_command(options);
    case cli::Verb::kNone:
      break;
  }
  XP_ASSERT(false, "dispatch without a verb");
  return 2;
}

}  // namespace xp::commands
