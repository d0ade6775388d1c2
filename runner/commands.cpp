#include "runner/commands.h"

#include <iostream>

#include "core/cache/activations.h"
#include "core/data/dataset.h"
#include "core/train/features.h"
#include "core/models/summary.h"
#include "core/pipeline/engine.h"
#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/recipe/recipe.h"
#include "core/train/precision.h"
#include "core/util/cpu_features.h"

namespace xp::commands {

namespace {

pipeline::Plan load_plan(const cli::CliOptions& options) {
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  return pipeline::make_plan(recipe::load_recipe(options.recipe, options.overrides), registry);
}

}  // namespace

int check(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  std::cout << plan.describe() << "\nok: " << options.recipe << " is valid\n";
  return 0;
}

int run(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  report::Console console(stdout);
  pipeline::RunOptions run_options;
  run_options.results_root = options.out;
  run_options.command_line = options.command_line;
  run_options.threads = options.threads;
  const pipeline::RunResult result = pipeline::run_plan(plan, run_options, console);
  console.line(str_cat("results: ", result.folder.string()));
  return 0;
}

int model(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  const auto& recipe = plan.recipe;
  pipeline::configure_threads(recipe.run.threads);
  const data::DataBundle data = data::load_data(recipe.data, recipe.run.seed);
  models::Classifier network = pipeline::build_model(recipe, static_cast<int>(data.classes.size()));
  models::SummaryContext context;
  context.input_size = recipe.data.size;
  context.weights = recipe.model.weights;
  std::cout << models::summarize(*network, context) << "\n";
  return 0;
}

int features(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  const auto& recipe = plan.recipe;
  const int threads = pipeline::configure_threads(recipe.run.threads);
  const data::DataBundle data = data::load_data(recipe.data, recipe.run.seed);
  models::Classifier network = pipeline::build_model(recipe, static_cast<int>(data.classes.size()));
  const auto split = options.split == "valid" ? data.valid : options.split == "test" ? data.test : data.train;
  if (!split) throw cli::UsageError("xp features --split test: the recipe's data has no test split (set data.test)");
  data::PreprocessOptions preprocess;
  preprocess.size = recipe.data.size;
  preprocess.mean = network->input_mean();
  preprocess.std = network->input_std();
  const std::string warning = train::precision_warning(pipeline::compute_options(recipe), has_native_bf16());
  if (!warning.empty()) std::cerr << "warning: " << warning << "\n";
  std::cout << "features " << split->size() << " " << options.split << " images, " << recipe.model.arch << " at "
            << recipe.data.size << " px, " << threads << " threads\n";
  const train::FeatureSet computed =
      train::compute_features(*network, split, recipe.data.batch_size, recipe.data.workers, preprocess,
                              pipeline::compute_options(recipe));
  cache::write_activations(options.out, {computed.features, computed.labels, split->ids});
  std::cout << "wrote " << options.out << ": features " << computed.features.size(0) << "x" << computed.features.size(1)
            << ", labels, ids\n";
  return 0;
}

int dispatch(const cli::CliOptions& options) {
  switch (options.verb) {
    case cli::Verb::kCheck: return check(options);
    case cli::Verb::kRun: return run(options);
    case cli::Verb::kModel: return model(options);
    case cli::Verb::kFeatures: return features(options);
    case cli::Verb::kNone: break;
  }
  XP_ASSERT(false, "dispatch without a verb");
  return 2;
}

}  // namespace xp::commands
