#include "core/pipeline/engine.h"

#include <torch/torch.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <thread>

#include "core/cache/data_identity.h"
#include "core/cache/file_identity.h"
#include "core/cache/stage_store.h"
#include "core/data/dataset.h"
#include "core/models/weights/h5.h"
#include "core/models/weights/load.h"
#include "core/pipeline/learner_file.h"
#include "core/pipeline/stage_cache.h"
#include "core/report/html_report.h"
#include "core/report/lr_schedule.h"
#include "core/report/metrics_csv.h"
#include "core/report/run_folder.h"
#include "core/report/run_record.h"
#include "core/report/skipped_csv.h"
#include "core/train/learner.h"
#include "core/train/meters.h"
#include "core/util/atomic_file.h"
#include "core/util/file_lock.h"
#include "core/util/rng.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

// Turns the learner's events into console lines, metrics.csv rows and status.json heartbeats.
class RunObserver : public train::TrainingObserver {
 public:
  RunObserver(report::Console& console, report::MetricsCsv& metrics,
              report::LrScheduleLog& schedule, report::RunRecord& record, std::string metric_name)
      : console_(console),
        metrics_(metrics),
        schedule_(schedule),
        record_(record),
        metric_name_(std::move(metric_name)) {}

  void begin_stage(int index, const std::string& type) {
    stage_index_ = index;
    stage_type_ = type;
    header_printed_ = false;
    stage_rows_.clear();
    stage_lr_.clear();
    record_.stage(index, type, -1);
  }

  // What the stage in progress added to metrics.csv and lr_schedule.csv (for the stage cache).
  const std::vector<std::string>& stage_rows() const { return stage_rows_; }
  const std::vector<std::pair<std::int64_t, std::vector<double>>>& stage_lr() const {
    return stage_lr_;
  }
  std::size_t rows() const { return rows_; }

  // A cached stage's rows and LR log, as if it had run.
  void replay(int index, const StageOutputs& outputs) {
    for (const auto& row : outputs.metric_rows) metrics_.add_line(row);
    rows_ += outputs.metric_rows.size();
    if (outputs.last_metric) last_metric_ = *outputs.last_metric;
    for (const auto& [iteration, groups] : outputs.lr_rows) schedule_.add(index, iteration, groups);
    schedule_.write();
  }
  // xp run --resume: the rows kept from the stopped run.
  void resume(std::size_t rows, double last_metric) {
    rows_ = rows;
    last_metric_ = last_metric;
  }

  void on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches) override {
    console_.progress_begin(str_cat("epoch ", epoch + 1, "/", epochs), batches);
    record_.stage(stage_index_, stage_type_, epoch);
    done_ = 0;
  }

  void on_batch(std::int64_t, double smoothed_loss) override {
    console_.progress_update(++done_, smoothed_loss);
    // Fault injection for the resume tests: die like `kill -9` after this many training batches.
    if (kill_at_batch_ > 0 && ++batches_ == kill_at_batch_) std::raise(SIGKILL);
  }

  void on_lr(std::int64_t iteration, const std::vector<double>& group_lrs) override {
    schedule_.add(stage_index_, iteration, group_lrs);
    stage_lr_.emplace_back(iteration, group_lrs);
  }

  void end_stage() { schedule_.write(); }

  void on_epoch(const train::EpochStats& stats) override {
    console_.progress_end();
    if (!header_printed_) {  // printed with the first epoch's line: lr_find has progress but no epochs
      console_.line(str_printf("%-10s %-10s %-10s %-10s %s", "epoch", "trn_loss", "val_loss",
                               metric_name_.c_str(), "time"));
      header_printed_ = true;
    }
    console_.line(str_printf("%-10lld %-10.6f %-10.6f %-10.6f %s",
                             static_cast<long long>(stats.epoch), stats.trn_loss, stats.val_loss,
                             stats.metric, report::format_duration(stats.seconds).c_str()));
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
    stage_rows_.push_back(report::MetricsCsv::format(row));
    ++rows_;
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
  std::size_t rows_ = 0;  // metrics.csv rows so far
  std::int64_t batches_ = 0;
  const std::int64_t kill_at_batch_ = [] {
    const char* value = std::getenv("XP_TEST_KILL_AT_BATCH");
    return value ? std::atoll(value) : 0LL;
  }();
  std::vector<std::string> stage_rows_;
  std::vector<std::pair<std::int64_t, std::vector<double>>> stage_lr_;
};

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

std::vector<StageKey> recipe_stage_keys(const Plan& plan, const std::string& data_identity) {
  KeyInputs inputs;
  inputs.data = data_identity;
  if (!plan.recipe.model.weights.empty())
    inputs.weights = cache::file_identity(plan.recipe.model.weights);
  return stage_keys(plan, inputs);
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

namespace {

// The learner's state at a point a stopped run can continue from: before stage `next_stage`, or
// inside it when `fit` is set; with the number of metrics.csv rows written up to that point.
void save_resume_point(const std::filesystem::path& folder, train::Learner& learner, int next_stage,
                       const train::FitProgress* fit, std::size_t metric_rows, double last_metric,
                       const std::vector<std::string>& key_hashes) {
  LearnerFile file;
  file.state = learner.state();
  if (fit) file.fit = *fit;
  file.extra = {{"next_stage", next_stage},
                {"metric_rows", metric_rows},
                {"last_metric", last_metric},
                {"stage_keys", key_hashes}};
  write_learner_file(folder / report::files::kResume, file);
}

// report.html as of now. A report that cannot be written is a warning: it never stops the run.
void refresh_report(const std::filesystem::path& folder, report::Console& console) {
  try {
    report::write_report(folder);
  } catch (const std::exception& error) {
    console.line(str_cat("warning: ", report::files::kReport, " not written: ", error.what()));
  }
}

// What report.html's plan table lists: every stage with its description and epochs.
nlohmann::json plan_record(const Plan& plan) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& planned : plan.stages)
    stages.push_back({{"stage", planned.index},
                      {"type", planned.type},
                      {"description", planned.stage->describe()},
                      {"epochs", planned.stage->epochs()}});
  return stages;
}

// What changed since a run started, from the key fields its run.json recorded (runs before they were
// recorded get the general reason): "recipe.yaml: stages[1].fit.lr: 0.01 → 0.02; the data changed …".
std::string why_keys_differ(const nlohmann::ordered_json& started, const KeyFields& now) {
  const auto recorded = started.is_object() ? started.value("key_fields", nlohmann::ordered_json())
                                            : nlohmann::ordered_json();
  if (!recorded.is_object())
    return "its data, weights file or recipe.yaml changed since the run started (the stage keys "
           "differ)";
  KeyFields before;
  for (const auto& [path, value] : recorded.items())
    if (value.is_string()) before[path] = value.get<std::string>();
  std::vector<std::string> reasons;
  for (const auto& change : key_changes(before, now, 4)) {
    if (change.rfind("xp.data_identity", 0) == 0)
      reasons.push_back("the data changed (its files, labels or classes)");
    else if (change.rfind("xp.weights_identity", 0) == 0)
      reasons.push_back("the model.weights file changed");
    else if (change.rfind("xp.", 0) == 0)
      reasons.push_back("xp's " + change);
    else
      reasons.push_back("recipe.yaml was edited: " + change);
  }
  return reasons.empty() ? "its stage keys differ" : join(reasons, "; ");
}

// Runs `read` (reading a stopped run's files to resume it); when it throws, the run's status.json
// says FAILED with the reason before the error travels on — not RUNNING, as the killed run left it.
template <typename Read>
auto record_failure_in(const std::filesystem::path& folder, const Read& read) -> decltype(read()) {
  try {
    return read();
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& error) {
    try {
      report::RunRecord::mark_failed(folder, error.what());
    } catch (const std::exception&) {  // the reading error is the one to report
    }
    throw;
  }
}

std::string read_if_exists(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::exists(path, error) ? read_file(path) : std::string();
}

}  // namespace

RunResult run_plan(const Plan& plan, const RunOptions& options, report::Console& console) {
  const auto& recipe = plan.recipe;
  require_trainable(plan);
  const int threads = configure_threads(options.threads > 0 ? options.threads : recipe.run.threads);
  const bool resuming = !options.resume_folder.empty();

  RunResult result;
  std::optional<LearnerFile> resume_point;
  std::string old_metrics, old_schedule;  // a resumed run's files, read before they are rewritten
  std::unique_ptr<FileLock> in_use;       // held while this process works in the folder
  if (resuming) {
    result.folder = options.resume_folder;
    in_use = FileLock::try_lock(result.folder / report::files::kInUse);
    XP_CHECK(in_use != nullptr, "cannot resume ", result.folder.string(),
             ": another xp process is running it");
    const auto status = nlohmann::json::parse(
        read_if_exists(result.folder / report::files::kStatus), nullptr, false);
    XP_CHECK(!(status.is_object() && status.value("state", "") == "COMPLETE"), "cannot resume ",
             result.folder.string(), ": the run is already complete");
    record_failure_in(result.folder, [&] {
      const auto resume_file = result.folder / report::files::kResume;
      std::error_code error;
      if (std::filesystem::exists(resume_file, error))
        resume_point = read_learner_file(resume_file);
      old_metrics = read_if_exists(result.folder / report::files::kMetrics);
      old_schedule = read_if_exists(result.folder / report::files::kLrSchedule);
    });
  } else {
    result.folder = report::create_run_folder(options.results_root, recipe.run.name);
    in_use = FileLock::try_lock(result.folder / report::files::kInUse);
    // The paths as absolute ones, so that the folder's recipe.yaml runs (and resumes) from anywhere.
    recipe::Document resolved = recipe.doc;
    resolved.root()["data"]["path"] =
        std::filesystem::absolute(recipe.data.path).lexically_normal().string();
    if (!recipe.model.weights.empty())
      resolved.root()["model"]["weights"] =
          std::filesystem::absolute(recipe.model.weights).lexically_normal().string();
    write_file_atomic(result.folder / report::files::kRecipe, resolved.to_yaml());
  }
  report::Provenance provenance;
  provenance.recipe_path = recipe.doc.path();
  provenance.command_line = options.command_line;
  provenance.seed = recipe.run.seed;
  provenance.threads = threads;
  provenance.precision = recipe.run.precision + (recipe.run.channels_last ? " channels_last" : "");
  report::RunRecord record =
      resuming ? record_failure_in(
                     result.folder,
                     [&] { return report::RunRecord::reopen(result.folder, options.command_line); })
               : report::RunRecord(result.folder, provenance);
  console.tee_to((result.folder / report::files::kLog).string());
  if (!resuming) {
    record.set("name", recipe.run.name);
    record.set("plan", plan_record(plan));
    console.line(plan.describe());
    for (const auto& warning : plan.rendered_warnings()) console.line(warning);
  }
  console.line(str_cat(resuming ? "resume  " : "run     ", result.folder.string(),
                       "  (threads: ", threads, ")"));

  try {
    RecipeData loaded = load_recipe_data(recipe, options.cache_root);
    data::DataBundle data = std::move(loaded.data);
    if (const auto& checked = loaded.decode_checked) {
      console.line(describe(*checked));
      record.set("decode_check", {{"decoded", checked->decoded},
                                  {"reused", checked->reused},
                                  {"undecodable", checked->undecodable},
                                  {"cache_problem", checked->cache_problem}});
    }
    if (loaded.resized) {
      console.line(describe(*loaded.resized));
      record.set("resize_cache", {{"shorter_side", recipe.data.resize_cache},
                                  {"folder", loaded.resized->folder.string()},
                                  {"written", loaded.resized->written},
                                  {"reused", loaded.resized->reused},
                                  {"already_small", loaded.resized->kept}});
    }
    const std::vector<StageKey> keys = recipe_stage_keys(plan, loaded.identity);
    std::vector<std::string> hashes;  // what run.json and every resume point record
    for (const auto& key : keys) hashes.push_back(key.hash);
    const auto resumed_keys = [&] {
      const nlohmann::json& extra = resume_point->extra;
      return extra.is_object() ? extra.value("stage_keys", nlohmann::json()) : nlohmann::json();
    };
    if (resume_point && resumed_keys() != nlohmann::json(hashes))
      throw UserError(str_cat("cannot resume ", result.folder.string(), ": ",
                              why_keys_differ(record.run(), keys.back().fields),
                              ", so continuing would mix two experiments; start a new run"));
    record.set("stage_keys", hashes);
    record.set("key_fields",
               keys.back().fields);  // what the last stage's key covers: see why_keys_differ
    console.line(str_cat(
        "data    ", data.train->size(), " train, ", data.valid->size(), " valid images, ",
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
                           data.skipped.size() == 1 ? "" : "s",
                           " (data.on_bad_image: skip), listed in ", report::files::kSkipped,
                           "; first: ", data.skipped[0].path, " ", data.skipped[0].reason));
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

    int first_stage = 0;
    std::optional<train::FitProgress> resume_fit;
    if (resume_point) {
      first_stage = resume_point->extra.at("next_stage");
      const std::size_t rows = resume_point->extra.at("metric_rows");
      metrics.keep_rows(old_metrics, rows);
      schedule.keep_stages_before(old_schedule, first_stage);
      observer.resume(rows, resume_point->extra.value("last_metric", 0.0));
      learner.restore(resume_point->state);
      resume_fit = resume_point->fit;
      console.line(
          resume_fit
              ? str_cat("resume  from stage [", first_stage, "] epoch ", resume_fit->epoch + 1,
                        resume_fit->batches_done > 0 ? str_cat(" batch ", resume_fit->batches_done)
                                                     : "")
              : str_cat("resume  from stage [", first_stage, "]"));
    }

    const cache::StageStore store(options.cache_root);
    // The stage cache is an optimisation: when it cannot be used (a full disk, a folder that cannot
    // be written), the run warns once, records why in run.json, and goes on without it.
    bool cache_usable = options.stage_cache;
    const auto using_cache = [&](int index, const char* what, const std::function<void()>& work) {
      std::string problem;
      try {
        work();
      } catch (const Interrupted&) {
        throw;
      } catch (const Error& error) {
        problem = error.what();
      } catch (const std::filesystem::filesystem_error& error) {
        problem = error.what();
      }
      if (problem.empty()) return;
      console.line(
          str_cat("warning: stage cache ", what, " failed, continuing without it: ", problem));
      record.append("stage_cache", {{"stage", index}, {"error", str_cat(what, ": ", problem)}});
      cache_usable = false;
    };
    std::optional<CachedStage> pending;  // a cached state the learner has not loaded yet
    for (const auto& planned : plan.stages) {
      const int index = planned.index;
      if (index < first_stage) continue;
      const StageKey& key = keys[static_cast<std::size_t>(index)];
      const bool resumed_inside = resume_fit && index == first_stage;
      const std::string header =
          str_cat("stage [", index, "] ", planned.type, "  ", planned.stage->describe());
      std::unique_ptr<FileLock>
          lock;  // held while this process looks up, computes and stores the entry
      if (cache_usable && !resumed_inside) {
        std::optional<CachedStage> cached;
        using_cache(index, "lookup", [&] {
          lock = store.lock(key.hash);
          cached = find_cached_stage(store, key.hash,
                                     [&](const std::string& text) { console.line(text); });
        });
        if (cached) {
          console.line(str_cat(header, "  [cached ", key.hash, ", from ",
                               cached->entry.value("run", "?"),
                               str_printf(": %.1f s saved]", cached->outputs.seconds)));
          observer.begin_stage(index, planned.type);
          for (const auto& line : cached->outputs.lines) console.line(line);
          observer.replay(index, cached->outputs);
          record.replay(cached->outputs.record_ops);
          restore_stage_files(*cached, result.folder);
          record.append("stage_cache", {{"stage", index},
                                        {"key", key.hash},
                                        {"hit", true},
                                        {"from", cached->entry.value("run", "")},
                                        {"seconds_saved", cached->outputs.seconds}});
          record.append(
              "timings",
              {{"stage", index}, {"type", planned.type}, {"seconds", 0.0}, {"cached", true}});
          pending = std::move(cached);
          continue;
        }
      }
      if (pending) {  // the stages before this one were cached: continue from the last one's state
        learner.restore(pending->state.state);
        pending.reset();
        save_resume_point(result.folder, learner, index, nullptr, observer.rows(),
                          observer.last_metric(), hashes);
      }

      console.line(header);
      const auto started = std::chrono::steady_clock::now();
      const FolderSnapshot before = snapshot_folder(result.folder);
      console.begin_capture();
      record.begin_capture();
      observer.begin_stage(index, planned.type);
      StageContext context{learner, observer,           index, result.folder, record,
                           console, options.cache_root, {},    nullptr};
      context.on_fit_progress = [&](const train::FitProgress& progress) {
        save_resume_point(result.folder, learner, index, &progress, observer.rows(),
                          observer.last_metric(), hashes);
      };
      context.resume_fit = resumed_inside ? &*resume_fit : nullptr;
      planned.stage->run(context);
      observer.end_stage();
      StageOutputs outputs;
      outputs.lines = console.end_capture();
      outputs.record_ops = record.end_capture();
      outputs.metric_rows = observer.stage_rows();
      if (!outputs.metric_rows.empty()) outputs.last_metric = observer.last_metric();
      outputs.lr_rows = observer.stage_lr();
      outputs.files = written_files(before, snapshot_folder(result.folder));
      outputs.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

      save_resume_point(result.folder, learner, index + 1, nullptr, observer.rows(),
                        observer.last_metric(), hashes);
      record.append("timings", {{"stage", index},
                                {"type", planned.type},
                                {"seconds", outputs.seconds},
                                {"cached", false}});
      // A stage resumed part-way has only part of its outputs captured: it is not cached.
      if (cache_usable && !resumed_inside) {
        using_cache(index, "store", [&] {
          publish_stage(store, key, {index, planned.type, result.folder.string()}, outputs,
                        learner.state(),
                        index > 0 ? keys[static_cast<std::size_t>(index - 1)].hash : std::string());
          record.append(
              "stage_cache",
              {{"stage", index}, {"key", key.hash}, {"hit", false}, {"seconds", outputs.seconds}});
        });
      }
      refresh_report(result.folder, console);
    }
    if (pending) learner.restore(pending->state.state);
    result.final_metric = observer.last_metric();
    models::write_h5(result.folder / report::files::kModel,
                     models::state_dict_of(*learner.model()));
    std::error_code ignored;
    std::filesystem::remove(result.folder / report::files::kResume,
                            ignored);  // model.h5 is the final state
    record.complete();
    refresh_report(result.folder, console);
    report::update_latest_link(result.folder);
  } catch (const Interrupted&) {
    console.progress_end();
    console.line(str_cat("interrupted: state saved; continue with  xp run --resume ",
                         result.folder.string()));
    record.interrupted();
    refresh_report(result.folder, console);
    throw;
  } catch (const std::exception& error) {
    console.progress_end();
    try {
      record.fail(error.what());
    } catch (const std::exception& while_recording) {  // the run's own error is the one to report
      console.line(
          str_cat("warning: the failure could not be fully recorded: ", while_recording.what()));
    }
    refresh_report(result.folder, console);
    if (std::filesystem::exists(result.folder / report::files::kResume))
      console.line(
          str_cat("failed: once the cause is fixed, continue from the last completed epoch with  "
                  "xp run --resume ",
                  result.folder.string()));
    throw;
  }
  return result;
}

}  // namespace xp::pipeline
