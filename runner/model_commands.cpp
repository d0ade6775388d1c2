#include "runner/model_commands.h"

#include <iostream>

#include "core/data/image_inputs.h"
#include "core/pipeline/export_run.h"
#include "core/pipeline/predict_images.h"
#include "core/pipeline/run_setup.h"
#include "core/train/device.h"
#include "core/util/atomic_file.h"
#include "core/util/strings.h"

namespace xp::commands {

namespace {

// What the command line names (the run folder, the images, the device) is checked before
// anything runs: a mistake there is a usage error (exit 2), not a failed run.
template <typename Function>
auto as_usage_error(const char* command, Function&& function) {
  try {
    return function();
  } catch (const UserError& error) {
    throw cli::UsageError(str_cat("xp ", command, ": ", error.what()));
  }
}

}  // namespace

int predict(const cli::CliOptions& options) {
  const std::vector<std::string> inputs(options.paths.begin() + 1, options.paths.end());
  pipeline::PredictRequest request;
  request.files = as_usage_error("predict", [&] { return data::list_image_inputs(inputs); });
  request.tta = options.tta;
  request.top = options.top;
  request.batch_size = options.batch_size;
  request.progress_every = options.progress_every;
  // Messages go to stderr when the predictions themselves go to stdout.
  std::ostream& log = options.out.empty() ? std::cerr : std::cout;
  const int threads = pipeline::configure_threads(options.threads);
  pipeline::TrainedRun run = as_usage_error("predict", [&] {
    return pipeline::open_trained_run(options.paths[0], options.device, options.checkpoint);
  });
  if (run.task == models::Task::kMultiLabel && !run.threshold)
    log << "note: the run found no F2 threshold (it had no predict or tta stage); tags use 0.5\n";

  const pipeline::PredictOutcome outcome = pipeline::predict_images(run, request, log);
  if (options.out.empty())
    std::cout << outcome.csv << std::flush;
  else
    write_file_atomic(options.out, outcome.csv);

  if (!outcome.unreadable.empty()) {
    log << "skipped " << outcome.unreadable.size() << " file(s) that cannot be read:\n";
    for (const auto& file : outcome.unreadable) log << "  " << file.reason << "\n";
  }
  const double rate = outcome.predicted * outcome.passes / outcome.seconds;
  log << str_printf(
      "predict  %lld images%s in %.2f s: %.1f images/s (%d threads, batch %d, %s, "
      "%d px)\n",
      static_cast<long long>(outcome.predicted),
      outcome.passes > 1 ? str_cat(" x ", outcome.passes, " passes").c_str() : "", outcome.seconds,
      rate, threads, options.batch_size > 0 ? options.batch_size : run.inference.batch_size,
      run.inference.device.str().c_str(), run.inference.preprocess.size);
  if (!options.out.empty()) log << "predictions: " << options.out << "\n";
  return 0;
}

int export_model(const cli::CliOptions& options) {
  const auto format = pipeline::parse_export_format(options.format);
  pipeline::TrainedRun run = as_usage_error("export", [&] {
    return pipeline::open_trained_run(options.paths[0], "cpu", options.checkpoint);
  });
  pipeline::export_run(run, format, options.out);
  std::cout << "exported " << run.weights.string() << " (" << run.model->arch().name << ", "
            << run.classes.size() << " outputs, " << run.inference.preprocess.size << " px) to "
            << options.out << "\n";
  return 0;
}

}  // namespace xp::commands
