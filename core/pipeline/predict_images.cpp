#include "core/pipeline/predict_images.h"

#include <torch/torch.h>

#include <chrono>

#include "core/report/predictions.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

PredictOutcome predict_images(TrainedRun& run, const PredictRequest& request, std::ostream& log) {
  auto images = std::make_shared<data::ImageSet>();
  images->name = "predict";
  images->files = request.files;
  images->ids = request.files;
  images->labels =
      torch::full({static_cast<std::int64_t>(request.files.size())}, -1, torch::kInt64);

  train::InferenceOptions options = run.inference;
  if (request.batch_size > 0) options.batch_size = request.batch_size;
  options.skip_unreadable = true;

  PredictOutcome outcome;
  outcome.passes = request.tta ? 1 + run.tta.n_aug : 1;
  const auto total = static_cast<std::int64_t>(request.files.size()) * outcome.passes;
  const auto started = Clock::now();
  auto last_line = started;
  std::int64_t before = 0;  // images of the passes already done
  const auto progress = [&](std::int64_t done) {
    if (seconds_since(last_line) < request.progress_every) return;
    last_line = Clock::now();
    const double rate = (before + done) / seconds_since(started);
    log << str_printf("predict  %lld/%lld images, %.1f images/s\n",
                      static_cast<long long>(before + done), static_cast<long long>(total), rate)
        << std::flush;
  };

  const train::Inference plain = train::infer_images(*run.model, images, options, -1, progress);
  torch::Tensor probs = plain.probs;
  if (request.tta) {
    // Every pass reads the same files, so the same ones fail: the rows line up.
    std::vector<torch::Tensor> augmented;
    for (int pass = 0; pass < run.tta.n_aug; ++pass) {
      before += images->size();
      augmented.push_back(train::infer_images(*run.model, images, options, pass, progress).probs);
    }
    probs = train::combine_tta(plain.probs, augmented, run.tta);
  }
  outcome.seconds = seconds_since(started);
  for (const auto& bad : plain.unreadable)
    outcome.unreadable.push_back({request.files[static_cast<std::size_t>(bad.sample)], bad.reason});
  if (plain.kept.empty())
    throw UserError(str_cat(
        "none of the ", request.files.size(), " files could be read as an image",
        outcome.unreadable.empty() ? "" : str_cat(" (first: ", outcome.unreadable[0].reason, ")")));
  outcome.predicted = static_cast<std::int64_t>(plain.kept.size());

  report::PredictionTable table;
  table.task = run.task;
  table.classes = run.classes;
  for (const std::int64_t sample : plain.kept)
    table.ids.push_back(request.files[static_cast<std::size_t>(sample)]);
  table.probs = probs;
  table.threshold = run.threshold.value_or(0.5);
  outcome.csv = report::image_predictions_csv(table, request.top);
  return outcome;
}

}  // namespace xp::pipeline
