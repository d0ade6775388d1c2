#include "core/pipeline/engine.h"

#include <c10/util/Exception.h>

#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/models/weights/h5.h"
#include "core/pipeline/job.h"
#include "core/pipeline/learner_file.h"
#include "core/pipeline/out_of_memory.h"
#include "core/pipeline/run_observer.h"
#include "core/pipeline/run_session.h"
#include "core/pipeline/run_setup.h"
#include "core/pipeline/stage.h"
#include "core/pipeline/stage_cache_driver.h"
#include "core/report/html_report.h"
#include "core/report/lr_schedule.h"
#include "core/report/metrics_csv.h"
#include "core/report/run_folder.h"
#include "core/train/device.h"
#include "core/train/learner.h"
#include "core/train/meters.h"
#include "core/util/atomic_file.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

// A stage's failure with the stage named, so that the message points into the recipe:
// "stage [3] fit (recipe.yaml:22:5): …".
class StageFailed : public Error {
 public:
  StageFailed(const PlannedStage& planned, const std::string& error)
      : Error(str_cat("stage [", planned.index, "] ", planned.type, " (", planned.where,
                      "): ", error)) {}
};

// Runs `work` (one stage of `learner`); any error but an interrupt comes back as StageFailed.
template <typename Work>
void as_stage(const PlannedStage& planned, const train::Learner& learner, const Work& work) {
  try {
    work();
  } catch (const Interrupted&) {
    throw;
  } catch (const c10::OutOfMemoryError& error) {
    throw StageFailed(planned, out_of_memory_message(error.what(), learner.options().batch_size));
  } catch (const std::exception& error) {
    throw StageFailed(planned, error.what());
  }
}

// report.html as of now. A report that cannot be written is a warning: it never stops the run.
void refresh_report(const std::filesystem::path& folder, report::Console& console) {
  try {
    report::write_report(folder);
  } catch (const std::exception& error) {
    console.line(str_cat("warning: ", report::files::kReport, " not written: ", error.what()));
  }
}

// Where a stopped run continues: the learner's state before stage `next_stage` (or inside it, with
// `fit`), the metrics.csv rows up to there, and the run's stage keys.
void save_resume_point(const std::filesystem::path& folder, train::Learner& learner, int next_stage,
                       const train::FitProgress* fit, const RunObserver& observer,
                       const std::vector<std::string>& key_hashes) {
  LearnerFile file;
  file.state = learner.state();
  if (fit) file.fit = *fit;
  file.run = RunProgress{next_stage, observer.rows(), observer.last_metric(), key_hashes};
  write_learner_file(folder / report::files::kResume, file);
}

// The end of a run that stopped: status.json says why, report.html shows how far it got, and the
// console says how to continue.
void record_stop(RunSession& session, report::Console& console, const std::exception* error) {
  console.progress_end();
  if (!error) {
    console.line(str_cat("interrupted: state saved; continue with  xp run --resume ",
                         session.folder.string()));
    session.record.interrupted();
    refresh_report(session.folder, console);
    return;
  }
  try {
    session.record.fail(error->what());
  } catch (const std::exception& while_recording) {  // the run's own error is the one to report
    console.line(
        str_cat("warning: the failure could not be fully recorded: ", while_recording.what()));
  }
  refresh_report(session.folder, console);
  if (std::filesystem::exists(session.folder / report::files::kResume))
    console.line(
        str_cat("failed: once the cause is fixed, continue from the last completed epoch with  "
                "xp run --resume ",
                session.folder.string()));
}

// Stages [first_stage, end) of the plan, each replayed from the stage cache or run; then
// model.h5, and the run marked COMPLETE. Returns the final metric.
double run_stages(const Plan& plan, const RunOptions& options, const Job& job, RunSession& session,
                  report::Console& console) {
  const recipe::Recipe& recipe = plan.recipe;
  const std::filesystem::path& folder = session.folder;
  RecipeData loaded = load_recipe_data(recipe, options.cache_root);
  record_data(recipe, loaded, folder, console, session.record);
  const std::vector<StageKey> keys = recipe_stage_keys(
      plan, loaded.identity, train::device_type(train::resolve_on_this_machine(recipe.run.device)),
      job.env.world_size);
  const std::vector<std::string> key_hashes = record_stage_keys(session, keys);

  models::Classifier model = build_model(recipe, loaded.data);
  record_model(recipe, model, console, session.record);
  train::LearnerOptions settings = learner_options(recipe, model);
  settings.group = job.group;
  train::Learner learner(model, std::move(loaded.data), settings);
  const std::string metric_name = train::TaskMetricMeter::name(model->task());
  report::MetricsCsv metrics(folder / report::files::kMetrics, metric_name);
  report::LrScheduleLog schedule(folder);
  report::TrainingLossLog losses(folder);
  report::RunEvents events(folder, metric_name);
  RunObserver observer(console, metrics, schedule, losses, events, session.record, metric_name);

  // --resume: the rows and LR log up to the resume point, and the learner as it was there.
  int first_stage = 0;
  std::optional<train::FitProgress> resume_fit;
  if (const auto& point = session.resume_point) {
    first_stage = point->run->next_stage;
    metrics.keep_rows(session.old_metrics, point->run->metric_rows);
    schedule.keep_stages_before(session.old_schedule, first_stage);
    losses.keep_stages_before(session.old_losses, first_stage);
    events.resume_at(losses.iterations(), point->fit ? point->fit->iteration : 0);
    observer.resume(point->run->metric_rows, point->run->last_metric);
    learner.restore(point->state);
    resume_fit = point->fit;
    console.line(str_cat("resume  from stage [", first_stage, "]",
                         resume_fit ? str_cat(" epoch ", resume_fit->epoch + 1) : "",
                         resume_fit && resume_fit->batches_done > 0
                             ? str_cat(" batch ", resume_fit->batches_done)
                             : ""));
  }

  StageCacheDriver stage_cache(options.cache_root, options.stage_cache, folder, console,
                               session.record);
  // A data-parallel job's other ranks follow rank 0's cache hits, and take its state before the
  // next stage they run.
  bool behind_rank0 = false;
  // Resume points and the report are rank 0's to write: the other ranks' would be thrown away.
  const auto keep_resume_point = [&](int next_stage, const train::FitProgress* fit) {
    if (job.writer()) save_resume_point(folder, learner, next_stage, fit, observer, key_hashes);
  };
  const auto refresh = [&] {
    if (job.writer()) refresh_report(folder, console);
  };
  for (const auto& planned : plan.stages) {
    const int index = planned.index;
    if (index < first_stage) continue;
    const StageKey& key = keys[static_cast<std::size_t>(index)];
    // A stage resumed part-way has only part of its outputs here: it is neither replayed nor
    // cached.
    const bool resumed_inside = resume_fit && index == first_stage;
    const std::string header =
        str_cat("stage [", index, "] ", planned.type, "  ", planned.stage->describe());
    if (job.agree(!resumed_inside && stage_cache.replay(planned, key, header, observer))) {
      behind_rank0 = job.distributed();
      continue;
    }
    if (stage_cache.catch_up(learner))  // the stages before were replayed: start from their state
      keep_resume_point(index, nullptr);
    if (std::exchange(behind_rank0, false)) learner.sync_from_rank0();

    console.line(header);
    StageCapture capture(folder, console, session.record);
    observer.begin_stage(index, planned.type);
    StageContext context{learner,
                         observer,
                         index,
                         folder,
                         session.record,
                         console,
                         options.cache_root,
                         {},
                         resumed_inside ? &*resume_fit : nullptr};
    context.on_fit_progress = [&](const train::FitProgress& progress) {
      keep_resume_point(index, &progress);
    };
    as_stage(planned, learner, [&] { planned.stage->run(context); });
    observer.end_stage();
    const StageOutputs outputs = capture.finish(observer);

    keep_resume_point(index + 1, nullptr);
    session.record.add(report::TimingInfo{index, planned.type, outputs.seconds, /*cached=*/false});
    if (!resumed_inside && job.writer())
      stage_cache.publish(planned, key,
                          index > 0 ? &keys[static_cast<std::size_t>(index - 1)] : nullptr, outputs,
                          learner.state());
    refresh();
  }
  stage_cache.catch_up(learner);

  if (job.writer())
    models::write_h5(folder / report::files::kModel, models::state_dict_of(*learner.model()));
  std::error_code ignored;
  std::filesystem::remove(folder / report::files::kResume, ignored);  // model.h5 is the end state
  session.record.complete();
  refresh();
  report::update_latest_link(folder);
  return observer.last_metric();
}

// xp run --resume of a data-parallel run: rank 0 reopened the run folder; the other ranks take
// its resume point and files from it (they need not see the folder), and resume from them as it
// does.
void follow_resume_point(const Job& job, RunSession& session) {
  if (!job.distributed()) return;
  const auto resume_file = session.folder / report::files::kResume;
  const std::string point =
      job.share(job.writer() && session.resume_point ? read_file(resume_file) : "");
  const std::string metrics = job.share(session.old_metrics);
  const std::string schedule = job.share(session.old_schedule);
  const std::string losses = job.share(session.old_losses);
  if (job.writer()) return;
  session.resuming = true;
  session.old_metrics = metrics;
  session.old_schedule = schedule;
  session.old_losses = losses;
  if (point.empty()) return;  // stopped before its first resume point: from the start
  write_file_atomic(resume_file, point);
  session.resume_point = read_learner_file(resume_file);
}

// A data-parallel rank other than 0 writes its run here, and nothing is kept: rank 0's folder is
// the run's.
class ScratchFolder {
 public:
  explicit ScratchFolder(int rank)
      : path_(std::filesystem::temp_directory_path() / str_cat("xp-rank", rank, "-", ::getpid())) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

RunResult run_plan(const Plan& plan, const RunOptions& requested, report::Console& console) {
  require_trainable(plan, requested.launch.world_size);
  const int threads =
      configure_threads(requested.threads > 0 ? requested.threads : plan.recipe.run.threads);
  train::configure_kernels(plan.recipe.run.compute.deterministic);
  const Job job =
      join_job(requested.launch,
               train::torch_device(train::resolve_on_this_machine(plan.recipe.run.device)));
  RunOptions options = requested;
  std::optional<ScratchFolder> scratch;
  if (!job.writer()) {
    scratch.emplace(job.env.rank);
    options.results_root = scratch->path();
    options.stage_cache = false;    // rank 0's hits are followed through Job::agree
    options.resume_folder.clear();  // rank 0 reopens the run; here a scratch run follows it
  }
  RunSession session = open_run_session(plan, options, threads, console);
  if (!requested.resume_folder.empty()) follow_resume_point(job, session);
  if (job.distributed())
    session.record.update([&](report::RunInfo& run) {
      run.distributed =
          report::DistributedInfo{job.env.world_size, job.backend(), job.env.launcher, job.hosts};
    });
  // After its last collective a rank signs off: one that ends first is then no loss to one still
  // writing its results (the heartbeat, dist/heartbeat.h).
  const auto sign_off = [&] {
    if (job.group) job.group->sign_off();
  };
  try {
    RunResult result{session.folder, run_stages(plan, options, job, session, console)};
    sign_off();
    return result;
  } catch (const Interrupted&) {
    sign_off();  // every rank stopped at the same step
    record_stop(session, console, nullptr);
    throw;
  } catch (const std::exception& error) {
    // On NCCL a rank gone silent surfaces as whatever CUDA call failed once the communicators were
    // aborted (dist/process_group.cpp): the record and the message name the rank instead.
    const std::string lost = job.group ? job.group->lost_contact() : "";
    if (!lost.empty() &&
        std::string(error.what()).find(" lost contact with ") == std::string::npos) {
      const dist::RankLost named(str_cat(lost, " (here: ", error.what(), ")"));
      record_stop(session, console, &named);
      throw named;
    }
    record_stop(session, console, &error);
    throw;
  }
}

}  // namespace xp::pipeline
