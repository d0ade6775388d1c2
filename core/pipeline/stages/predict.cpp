// Stages `predict` and `tta`: the network's predictions for the validation images (and the test
// images, for a Kaggle submission), without and with test-time augmentation.
//
//   - tta: {}                     # log_preds, y = learn.TTA(); probs = np.mean(np.exp(log_preds), 0)
//   - tta: {n_aug: 4, beta: 0.25} # fastai v2's learn.tta(): 0.75·mean(augmented) + 0.25·plain
//   - predict: {}                 # learn.predict(): the validation transform only
//
// Both write predictions.csv (validation, with actual and predicted labels), confusion.csv/.png
// (single-label), top_losses.png (the 12 worst-predicted validation images), submission.csv (the test split, when the data has one and `test` is on), and
// scores from the whole split (train/scores.h); `tta` also writes tta.json with every score
// without and with TTA. They always run the whole network on images, precompute or not (TTA on
// cached activations would average identical passes: fastai.md §7.1).
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

#include <opencv2/core.hpp>

#include "core/data/augment.h"
#include "core/data/loader.h"
#include "core/data/preprocess.h"
#include "core/pipeline/registry.h"
#include "core/report/console.h"
#include "core/report/plot.h"
#include "core/report/predictions.h"
#include "core/report/run_folder.h"
#include "core/report/run_record.h"
#include "core/train/learner.h"
#include "core/train/scores.h"
#include "core/train/tta.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

struct PredictOptions {
  bool augmented = false;  // tta: plain + n_aug augmented passes
  train::TtaOptions tta;
  bool test = true;  // predict the test split too, when there is one
};

double score(const std::vector<std::pair<std::string, double>>& scores, const std::string& name) {
  for (const auto& [key, value] : scores)
    if (key == name) return value;
  XP_ASSERT(false, "no score named ", name);
  return 0;
}

std::string scores_text(const std::vector<std::pair<std::string, double>>& scores) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : scores)
    parts.push_back(str_printf("%s %.6g", name.c_str(), value));
  return join(parts, "  ");
}

class PredictStage : public Stage {
 public:
  explicit PredictStage(PredictOptions options) : options_(options) {}

  std::string describe() const override {
    std::string text =
        options_.augmented
            ? str_cat("1 plain + ", options_.tta.n_aug, " augmented passes, ",
                      options_.tta.beta ? str_printf("v2 weighting beta=%g", *options_.tta.beta)
                                        : std::string("probabilities averaged (fastai 0.7)"))
            : std::string("validation transform");
    return text + (options_.test ? "; test split → submission.csv" : "");
  }

  void run(StageContext& context) override {
    auto& learner = context.learner;
    const auto& data = learner.data();
    const auto task = learner.model()->task();
    const auto started = Clock::now();

    const torch::Tensor plain = learner.predict(data.valid);
    const torch::Tensor combined =
        options_.augmented ? with_tta(learner, data.valid, plain) : plain;
    const auto scores = train::task_scores(task, combined, data.valid->labels);

    report::PredictionTable table{task, data.classes, data.valid->ids, combined,
                                  data.valid->labels};
    if (task == models::Task::kMultiLabel) table.threshold = score(scores, "f2_threshold");
    write_file_atomic(context.folder / report::files::kPredictions, report::predictions_csv(table));
    if (task == models::Task::kSingleLabel) write_confusion(context, combined);
    write_top_losses(context, combined, table.threshold);

    report::PredictionInfo summary;
    summary.stage = context.stage_index;
    summary.valid_images = data.valid->size();
    if (options_.augmented) {
      summary.n_aug = options_.tta.n_aug;
      summary.combine =
          options_.tta.beta
              ? str_printf("(1-beta)*mean(augmented) + beta*plain, beta=%g", *options_.tta.beta)
              : std::string("mean of the plain and augmented passes (fastai 0.7)");
      summary.plain = train::task_scores(task, plain, data.valid->labels);
      summary.tta = scores;
      context.console.line(str_cat("tta      plain  ", scores_text(summary.plain)));
      context.console.line(str_cat("tta      tta    ", scores_text(scores)));
    } else {
      summary.scores = scores;
      context.console.line(str_cat("predict  ", scores_text(scores)));
    }
    if (task == models::Task::kMultiLabel) summary.threshold = table.threshold;

    if (options_.test && data.test) {
      const torch::Tensor test_plain = learner.predict(data.test);
      report::PredictionTable test{
          task,
          data.classes,
          data.test->ids,
          options_.augmented ? with_tta(learner, data.test, test_plain) : test_plain,
          torch::Tensor(),
          table.threshold};
      write_file_atomic(context.folder / report::files::kSubmission, report::submission_csv(test));
      summary.test_images = data.test->size();
      summary.submission = report::files::kSubmission;
      context.console.line(str_cat(options_.augmented ? "tta      " : "predict  ",
                                   data.test->size(), " test images → ",
                                   report::files::kSubmission));
    }
    summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (options_.augmented)
      context.record.add_tta(std::move(summary));
    else
      context.record.add_predict(std::move(summary));
  }

 private:
  torch::Tensor with_tta(train::Learner& learner,
                         const std::shared_ptr<const data::ImageSet>& split,
                         const torch::Tensor& plain) const {
    std::vector<torch::Tensor> augmented;
    for (int pass = 0; pass < options_.tta.n_aug; ++pass)
      augmented.push_back(learner.predict(split, pass));
    return train::combine_tta(plain, augmented, options_.tta);
  }

  static void write_confusion(StageContext& context, const torch::Tensor& probs) {
    const auto& data = context.learner.data();
    const auto classes = static_cast<std::int64_t>(data.classes.size());
    const torch::Tensor matrix =
        train::confusion_matrix(probs, data.valid->labels, classes).contiguous();
    write_file_atomic(context.folder / report::files::kConfusion,
                      report::confusion_csv(matrix, data.classes));
    std::vector<std::vector<std::int64_t>> counts;
    const std::int64_t* cells = matrix.data_ptr<std::int64_t>();
    for (std::int64_t row = 0; row < classes; ++row)
      counts.emplace_back(cells + row * classes, cells + (row + 1) * classes);
    report::write_png(
        context.folder / report::files::kConfusionPlot,
        report::confusion_chart(counts, data.classes,
                                str_cat("confusion matrix (stage ", context.stage_index, ")")));
  }

  // fastai v2's plot_top_losses: the validation images the model is most wrong about, each with
  // its predicted and actual labels, its loss and the probability of the actual class.
  static void write_top_losses(StageContext& context, const torch::Tensor& probs,
                               double threshold) {
    constexpr std::int64_t kShown = 12;
    const auto& data = context.learner.data();
    const auto task = context.learner.model()->task();
    const torch::Tensor losses = train::per_sample_loss(task, probs, data.valid->labels);
    const auto top = losses.topk(std::min<std::int64_t>(kShown, losses.size(0)));
    const torch::Tensor order = std::get<1>(top);
    const int size = context.learner.options().preprocess.size;
    std::vector<std::vector<cv::Mat>> rows(1);
    for (std::int64_t rank = 0; rank < order.size(0); ++rank) {
      const std::int64_t sample = order[rank].item<std::int64_t>();
      const cv::Mat image = data::center_crop(
          data::scale_shorter_side(data::sample_image(*data.valid, sample), size), size);
      std::vector<std::string> lines;
      const torch::Tensor row = probs[sample];
      if (task == models::Task::kSingleLabel) {
        const std::int64_t actual = data.valid->labels[sample].item<std::int64_t>();
        const std::int64_t predicted = row.argmax().item<std::int64_t>();
        lines = {"pred " + data.classes[static_cast<std::size_t>(predicted)],
                 "actual " + data.classes[static_cast<std::size_t>(actual)],
                 str_printf("loss %.2f", losses[sample].item<double>()),
                 str_printf("p(actual) %.3g", row[actual].item<double>())};
      } else {
        lines = {str_printf("loss %.3f", losses[sample].item<double>()),
                 data.valid->ids[static_cast<std::size_t>(sample)]};
        if (task == models::Task::kMultiLabel)
          lines.insert(lines.begin(), str_printf("threshold %.2f", threshold));
      }
      if (rows.back().size() == 4) rows.emplace_back();
      rows.back().push_back(report::captioned(image, lines));
    }
    report::write_png(context.folder / report::files::kTopLosses, report::tile_grid(rows));
  }

  PredictOptions options_;
};

std::unique_ptr<Stage> create(const recipe::Node& params, PlanContext& context, bool augmented) {
  PredictOptions options;
  options.augmented = augmented;
  options.test = context.has_test && (!params.has("test") || params["test"].json().get<bool>());
  if (augmented) {
    options.tta.n_aug = static_cast<int>(params["n_aug"].integer());
    if (params.has("beta")) options.tta.beta = params["beta"].number();
    if (!context.augment && context.max_zoom <= 1.0) {
      context.warnings.push_back(
          params.warning("tta with data.augment: none and max_zoom 1: every augmented pass equals "
                         "the plain one; set data.augment"));
    }
  }
  return std::make_unique<PredictStage>(options);
}

std::unique_ptr<Stage> create_tta(const recipe::Node& params, PlanContext& context,
                                  std::vector<recipe::Diagnostic>&) {
  return create(params, context, true);
}

std::unique_ptr<Stage> create_predict(const recipe::Node& params, PlanContext& context,
                                      std::vector<recipe::Diagnostic>&) {
  return create(params, context, false);
}

}  // namespace

const StageDescriptor& tta_stage_descriptor() {
  static const StageDescriptor descriptor{"tta",
                                          "Test-time augmentation (learn.TTA()): validation scores "
                                          "without and with it, predictions, submission.",
                                          "tta: {n_aug: 4}", &create_tta};
  return descriptor;
}

const StageDescriptor& predict_stage_descriptor() {
  static const StageDescriptor descriptor{
      "predict",
      "Predictions of the validation (and test) images: predictions.csv, submission.csv, scores.",
      "predict: {}", &create_predict};
  return descriptor;
}

}  // namespace xp::pipeline
