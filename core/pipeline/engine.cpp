#include "core/pipeline/engine.h"

#include <torch/torch.h>

#include <thread>

#include "core/data/dataset.h"
#include "core/models/weights/h5.h"
#include "core/models/weights/load.h"
#include "core/report/metrics_csv.h"
#include "core/report/lr_schedule.h"
#include "core/report/run_folder.h"
#include "core/report/run_record.h"
#include "core/report/skipped_csv.h"
#include "core/train/learner.h"
#include "core/train/meters.h"
#include "core/util/atomic_file.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

// Turns the learner's events into console lines, metrics.csv rows and status.json heartbeats.
class RunObserver : public train::TrainingObserver {
 public:
  RunObserver(report::Console& console, report::MetricsCsv& metrics, report::LrScheduleLog& schedule,
              report::RunRecord& record, std::string metric_name)
      : console_(console), metrics_(metrics), schedule_(schedule), record_(record), metric_name_(std::move(metric_name)) {}

  void begin_stage(int index, const std::string& type) {
    stage_index_ = index;
    stage_type_ = type;
    header_printed_ = false;
    record_.stage(index, type, -1);
  }

  void on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches) override {
    console_.progress_begin(str_cat("epoch ", epoch + 1, "/", epochs), batches);
    record_.stage(stage_index_, stage_type_, epoch);
    done_ = 0;
  }

  void on_batch(std::int64_t, double smoothed_loss) override { console_.progress_update(++done_, smoothed_loss); }

  void on_lr(std::int64_t iteration, const std::vector<double>& group_lrs) override {
    schedule_.add(stage_index_, iteration, group_lrs);
  }

  void end_stage() { schedule_.write(); }

  void on_epoch(const train::EpochStats& stats) override {
    console_.progress_end();
    if (!header_printed_) {  // printed with the first epoch's line: lr_find has progress but no epochs
      console_.line(str_printf("%-10s %-10s %-10s %-10s %s", "epoch", "trn_loss", "val_loss", metric_name_.c_str(), "time"));
      header_printed_ = true;
    }
    console_.line(str_printf("%-10lld %-10.6f %-10.6f %-10.6f %s", static_cast<long long>(stats.epoch), stats.trn_loss,
                             stats.val_loss, stats.metric, report::format_duration(stats.seconds).c_str()));
    report::MetricsRow row;
    row.stage = stage_index_;
    row.stage_type = stage_type_;
    row.epoch = stats.epoch;
    row.lr = stats.lr;
    row.trn_loss = stats.trn_loss;
    row.trn_loss_mean = stats.trn_loss_mean;
    row.val_loss = stats.val_loss;
    row.metric = stats.metric;
    row.seconds = stats.seconds;
    metrics_.add(row);
    last_metric_ = stats.metric;
  }

  double last_metric() const { return last_metric_; }

 private:
  report::Console& console_;
  report::MetricsCsv& metrics_;
  report::LrScheduleLog& schedule_;
  report::RunRecord& record_;
  int stage_index_ = 0;
  std::string stage_type_;
  bool header_printed_ = false;
  std::int64_t done_ = 0;
  std::string metric_name_;
  double last_metric_ = 0;
};

}  // namespace

RecipeData load_recipe_data(const recipe::Recipe& recipe, const std::filesystem::path& cache_root) {
  RecipeData loaded{data::load_data(recipe.data, recipe.run.seed), std::nullopt};
  if (recipe.data.resize_cache > 0)
    loaded.resized = cache::apply_resize_cache(loaded.data, cache_root, recipe.data.resize_cache, recipe.data.workers);
  return loaded;
}

std::string describe(const cache::ResizeCacheStats& stats) {
  return str_cat("resize cache  ", stats.folder.string(), ": ", stats.written, " written, ", stats.reused, " reused, ",
                 stats.kept, " already small (", str_printf("%.1f s", stats.seconds), ")");
}

models::Task task_of(data::Target target) {
  switch (target) {
    case data::Target::kMultiLabel: return models::Task::kMultiLabel;
    case data::Target::kRegression: return models::Task::kRegression;
    case data::Target::kAuto:
    case data::Target::kSingleLabel: break;
  }
  return models::Task::kSingleLabel;
}

models::Classifier build_model(const recipe::Recipe& recipe, const data::DataBundle& data) {
  torch::manual_seed(recipe.run.seed);
  models::ModelOptions options = recipe.model;
  options.task = task_of(data.target);
  models::Classifier model(options, static_cast<int>(data.classes.size()));
  if (!recipe.model.weights.empty()) {
    // fastai's ConvLearner.pretrained: pretrained body, new head, everything but the head frozen.
    models::load_backbone_weights(*model, recipe.model.weights);
    model->freeze_to(models::ClassifierImpl::kLayerGroups - 1);
  }
  return model;
}

train::ComputeOptions compute_options(const recipe::Recipe& recipe) {
  train::ComputeOptions options;
  options.precision = train::parse_precision(recipe.run.precision);
  options.channels_last = recipe.run.channels_last;
  return options;
}

int configure_threads(int requested) {
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = requested > 0 ? requested : hardware;
  // LibTorch defaults to one thread here (performance.md); always set it explicitly.
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

RunResult run_plan(const Plan& plan, const RunOptions& options, report::Console& console) {
  const auto& recipe = plan.recipe;
  XP_CHECK(recipe.run.device == "auto" || recipe.run.device == "cpu",
           "device '", recipe.run.device, "' is not available: this build of xp runs on the CPU");
  // bf16/channels_last training crashed once (SIGSEGV after the first epoch) in a parallel ctest run
  // and could not be reproduced in time; until it is understood, they serve inference only.
  XP_CHECK(recipe.run.precision == "fp32" && !recipe.run.channels_last,
           "precision: bf16 and channels_last are used by `xp features` (inference) only in this version: "
           "training with them crashed intermittently in testing; set precision: fp32 and channels_last: false");
  const int threads = configure_threads(options.threads > 0 ? options.threads : recipe.run.threads);

  RunResult result;
  result.folder = report::create_run_folder(options.results_root, recipe.run.name);
  write_file_atomic(result.folder / report::files::kRecipe, recipe.doc.to_yaml());
  report::Provenance provenance;
  provenance.recipe_path = recipe.doc.path();
  provenance.command_line = options.command_line;
  provenance.seed = recipe.run.seed;
  provenance.threads = threads;
  provenance.precision = recipe.run.precision + (recipe.run.channels_last ? " channels_last" : "");
  report::RunRecord record(result.folder, provenance);
  console.tee_to((result.folder / report::files::kLog).string());
  console.line(plan.describe());
  for (const auto& warning : plan.rendered_warnings()) console.line(warning);
  console.line(str_cat("run     ", result.folder.string(), "  (threads: ", threads, ")"));

  try {
    RecipeData loaded = load_recipe_data(recipe, options.cache_root);
    data::DataBundle data = std::move(loaded.data);
    if (loaded.resized) {
      console.line(describe(*loaded.resized));
      record.set("resize_cache", {{"shorter_side", recipe.data.resize_cache},
                                  {"folder", loaded.resized->folder.string()},
                                  {"written", loaded.resized->written},
                                  {"reused", loaded.resized->reused},
                                  {"already_small", loaded.resized->kept}});
    }
    console.line(str_cat("data    ", data.train->size(), " train, ", data.valid->size(), " valid images, ",
                         data.classes.size(), data.target == data::Target::kRegression ? " value" : " class",
                         data.classes.size() == 1 ? "" : (data.target == data::Target::kRegression ? "s" : "es"),
                         " (", data::target_name(data.target), ")"));
    record.set("target", data::target_name(data.target));
    record.set("classes", data.classes);
    record.set("data", {{"train_images", data.train->size()},
                        {"valid_images", data.valid->size()},
                        {"test_images", data.test ? data.test->size() : 0},
                        {"skipped_images", data.skipped.size()}});
    if (!data.skipped.empty()) {
      write_file_atomic(result.folder / report::files::kSkipped, report::skipped_csv(data.skipped));
      console.line(str_cat("warning: skipped ", data.skipped.size(), " bad image file",
                           data.skipped.size() == 1 ? "" : "s", " (data.on_bad_image: skip), listed in ",
                           report::files::kSkipped, "; first: ", data.skipped[0].path, " ", data.skipped[0].reason));
    }

    models::Classifier model = build_model(recipe, data);
    if (!recipe.model.weights.empty()) {
      console.line(str_cat("model   ", recipe.model.arch, " weights from ", recipe.model.weights,
                           "; body frozen (layer groups 0-", model->frozen_groups() - 1, ")"));
      record.set("weights", recipe.model.weights);
    }
    train::LearnerOptions learner_options;
    learner_options.batch_size = recipe.data.batch_size;
    learner_options.workers = recipe.data.workers;
    learner_options.seed = recipe.run.seed;
    learner_options.preprocess.size = recipe.data.size;
    learner_options.preprocess.mean = model->input_mean();
    learner_options.preprocess.std = model->input_std();
    learner_options.augment = recipe.data.augment;
    learner_options.reduced_decode = recipe.data.reduced_decode;
    learner_options.compute = compute_options(recipe);
    train::Learner learner(model, std::move(data), learner_options);

    const std::string metric_name = train::TaskMetricMeter::name(model->task());
    report::MetricsCsv metrics(result.folder / report::files::kMetrics, metric_name);
    report::LrScheduleLog schedule(result.folder);
    RunObserver observer(console, metrics, schedule, record, metric_name);
    for (const auto& planned : plan.stages) {
      console.line(str_cat("stage [", planned.index, "] ", planned.type, "  ", planned.stage->describe()));
      observer.begin_stage(planned.index, planned.type);
      StageContext context{learner, observer, planned.index, result.folder, record, console, options.cache_root};
      planned.stage->run(context);
      observer.end_stage();
    }
    result.final_metric = observer.last_metric();
    models::write_h5(result.folder / report::files::kModel, models::state_dict_of(*learner.model()));
    record.complete();
    report::update_latest_link(result.folder);
  } catch (const Interrupted&) {
    console.progress_end();
    record.interrupted();
    throw;
  } catch (const std::exception& error) {
    console.progress_end();
    record.fail(error.what());
    throw;
  }
  return result;
}

}  // namespace xp::pipeline
