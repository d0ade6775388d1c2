// Stage `lr_find`: fastai 0.7's learn.lr_find() — one epoch (or num_it batches) of SGD with the LR
// growing exponentially from start_lr to end_lr, stopped when the loss diverges; the model and
// RNG are restored afterwards, so the stages after it run as if it had not been there.
//
//   - lr_find                                          # learn.lr_find()
//   - lr_find: {start_lr: 1e-6, end_lr: 1, num_it: 100}
//
// Writes lr_find.csv (stage, iteration, lr, loss = fastai's smoothed loss, raw_loss), lr_find.png
// (fastai's sched.plot(): the loss against the LR on a log axis, skipping the first 10 and last 5
// points, with fastai v2's suggestions marked), and the suggestions to run.json and the console.
#include <filesystem>

#include "core/pipeline/precompute.h"
#include "core/pipeline/registry.h"
#include "core/report/console.h"
#include "core/report/plot.h"
#include "core/report/run_folder.h"
#include "core/report/run_record.h"
#include "core/train/learner.h"
#include "core/util/atomic_file.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

namespace fs = std::filesystem;

// fastai 0.7's sched.plot(n_skip=10, n_skip_end=5): points [10, n − 6).
constexpr std::size_t kSkipStart = 10;
constexpr std::size_t kSkipEnd = 6;

std::string number(double value) { return str_printf("%.9g", value); }
std::string short_number(double value) { return str_printf("%.2e", value); }

class LrFindStage : public Stage {
 public:
  explicit LrFindStage(train::LrFindOptions options) : options_(std::move(options)) {}

  std::string describe() const override {
    return str_cat(
        "start_lr=", number(options_.start_lr.back()), " end_lr=", number(options_.end_lr),
        options_.num_it > 0 ? str_cat(" num_it=", options_.num_it) : std::string(" (one epoch)"),
        options_.linear ? " linear" : "", options_.precompute ? " precompute" : "",
        "  (weights restored afterwards)");
  }

  void run(StageContext& context) override {
    if (options_.precompute) ensure_precomputed(context);
    const train::LrFindResult result = context.learner.lr_find(options_, context.observer);
    context.console.progress_end();
    write_csv(context, result);
    const auto& s = result.suggestions;
    report::LrFindInfo info{context.stage_index,
                            static_cast<std::int64_t>(result.lrs.size()),
                            result.scheduled,
                            result.diverged,
                            {}};
    if (s.valid)
      info.suggestions = report::LrSuggestionsInfo{s.valley, s.slide, s.minimum, s.steep};
    write_plot(context, result, info.suggestions);
    context.record.add(std::move(info));
    context.console.line(str_cat("lr_find  ", result.lrs.size(), " of ", result.scheduled,
                                 " batches", result.diverged ? " (stopped: the loss diverged)" : "",
                                 "; weights restored"));
    if (s.valid)
      context.console.line(str_cat("lr_find  suggestions: valley ", short_number(s.valley),
                                   "  slide ", short_number(s.slide), "  minimum ",
                                   short_number(s.minimum), "  steep ", short_number(s.steep)));
    else
      context.console.line(
          "lr_find  too few batches for suggestions (lower data.batch_size or set num_it)");
  }

 private:
  static void write_csv(StageContext& context, const train::LrFindResult& result) {
    const fs::path path = context.folder / report::files::kLrFind;
    std::string text = fs::exists(path) ? read_file(path) : "stage,iteration,lr,loss,raw_loss\n";
    for (std::size_t i = 0; i < result.lrs.size(); ++i)
      text += str_cat(context.stage_index, ",", i, ",", number(result.lrs[i]), ",",
                      number(result.losses[i]), ",", number(result.raw_losses[i]), "\n");
    write_file_atomic(path, text);
  }

  static void write_plot(StageContext& context, const train::LrFindResult& result,
                         const std::optional<report::LrSuggestionsInfo>& suggestions) {
    const fs::path path = report::lr_find_plot(context.folder, context.stage_index);
    const std::size_t n = result.lrs.size();
    const std::size_t end = n > kSkipStart + kSkipEnd ? n - kSkipEnd : n;
    const std::size_t begin = n > kSkipStart + kSkipEnd ? kSkipStart : 0;
    report::ChartSeries curve{"smoothed loss",
                              {result.lrs.begin() + static_cast<long>(begin),
                               result.lrs.begin() + static_cast<long>(end)},
                              {result.losses.begin() + static_cast<long>(begin),
                               result.losses.begin() + static_cast<long>(end)},
                              false};
    report::LineChart chart{
        str_cat("lr_find (stage ", context.stage_index, "): smoothed training loss"),
        "learning rate (log scale)",
        "loss",
        /*log_x=*/true,
        false,
        false,
        {std::move(curve)},
        {},
        640,
        400};
    if (suggestions) chart.markers = report::lr_suggestion_markers(*suggestions);
    report::write_png(path, report::line_chart(chart));
  }

  train::LrFindOptions options_;
};

std::unique_ptr<Stage> create(const recipe::Node& params, PlanContext& context,
                              std::vector<recipe::Diagnostic>& errors) {
  train::LrFindOptions options;
  options.start_lr = params["start_lr"].numbers();
  if (const std::string mismatch = train::per_group_mismatch(
          options.start_lr.size(), static_cast<std::size_t>(context.layer_groups));
      !mismatch.empty()) {
    errors.push_back(params["start_lr"].error(mismatch));
    return nullptr;
  }
  options.end_lr = params["end_lr"].number();
  if (options.end_lr <= options.start_lr.back()) {
    errors.push_back(params["end_lr"].error(
        str_cat("must be above start_lr (", number(options.start_lr.back()), ")")));
    return nullptr;
  }
  if (params.has("num_it")) options.num_it = params["num_it"].integer();
  options.linear = params["linear"].json().get<bool>();
  options.stop_div = params["stop_div"].json().get<bool>();
  options.precompute = parse_precompute(params, context, errors);
  return std::make_unique<LrFindStage>(std::move(options));
}

}  // namespace

const StageDescriptor& lr_find_stage_descriptor() {
  static const StageDescriptor descriptor{
      "lr_find",
      "learn.lr_find(): the loss over one epoch of exponentially growing LRs, with suggestions; "
      "weights restored.",
      "lr_find: {start_lr: 1e-5, end_lr: 10}", &create};
  return descriptor;
}

}  // namespace xp::pipeline
