#include "core/pipeline/run_session.h"

#include <nlohmann/json.hpp>

#include "core/pipeline/gpu_info.h"
#include "core/report/run_folder.h"
#include "core/train/device.h"
#include "core/train/fused_step.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

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

// What report.html's plan table lists: every stage with its description and epochs.
std::vector<report::PlannedStageInfo> plan_record(const Plan& plan) {
  std::vector<report::PlannedStageInfo> stages;
  for (const auto& planned : plan.stages)
    stages.push_back(
        {planned.index, planned.type, planned.stage->describe(), planned.stage->epochs()});
  return stages;
}

// What changed since a run started, from the key fields its run.json recorded (runs before they
// were recorded get the general reason): "recipe.yaml: stages[1].fit.lr: 0.01 → 0.02; the data
// changed …".
std::string why_keys_differ(const report::RunInfo& started, const KeyFields& now) {
  if (started.key_fields.empty())
    return "its data, weights file or recipe.yaml changed since the run started (the stage keys "
           "differ)";
  const KeyFields before(started.key_fields.begin(), started.key_fields.end());
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

RunSession start(const Plan& plan, const RunOptions& options, int threads,
                 report::Console& console) {
  const auto& recipe = plan.recipe;
  const auto folder = report::create_run_folder(options.results_root, recipe.run.name);
  auto in_use = FileLock::try_lock(folder / report::files::kInUse);
  write_file_atomic(folder / report::files::kRecipe, recipe::with_absolute_paths(recipe).to_yaml());
  report::Provenance provenance;
  provenance.recipe_path = recipe.doc.path();
  provenance.command_line = options.command_line;
  provenance.seed = recipe.run.seed;
  provenance.threads = threads;
  const train::Device device = train::resolve_on_this_machine(recipe.run.device);
  provenance.device = train::to_string(device);
  provenance.precision = train::to_string(recipe.run.compute.precision) +
                         (recipe.run.compute.channels_last ? " channels_last" : "");
  provenance.optimizer_step =
      train::step_implementation(train::use_fused_step(recipe.run.compute.fused_optimizer),
                                 device.kind == train::Device::Kind::kCuda);
  RunSession session(folder, std::move(in_use), report::RunRecord(folder, provenance));
  console.tee_to((folder / report::files::kLog).string());
  session.record.update([&](report::RunInfo& run) {
    run.name = recipe.run.name;
    run.plan = plan_record(plan);
    if (device.kind == train::Device::Kind::kCuda) run.gpu = describe_gpu(device.index);
  });
  console.line(plan.describe());
  for (const auto& warning : plan.rendered_warnings()) console.line(warning);
  return session;
}

RunSession resume(const RunOptions& options, report::Console& console) {
  const auto& folder = options.resume_folder;
  auto in_use = FileLock::try_lock(folder / report::files::kInUse);
  XP_CHECK(in_use != nullptr, "cannot resume ", folder.string(),
           ": another xp process is running it");
  const auto status = report::read_run_status(folder);
  XP_CHECK(!(status && status->state == report::RunState::kComplete), "cannot resume ",
           folder.string(), ": the run is already complete");
  return record_failure_in(folder, [&] {
    std::optional<LearnerFile> resume_point;
    const auto resume_file = folder / report::files::kResume;
    std::error_code error;
    if (std::filesystem::exists(resume_file, error)) {
      resume_point = read_learner_file(resume_file);
      if (!resume_point->run)
        throw CacheError(str_cat(resume_file.string(),
                                 " holds a learner state without the run's progress: not a resume "
                                 "point xp wrote"));
    }
    RunSession session(folder, std::move(in_use),
                       report::RunRecord::reopen(folder, options.command_line));
    session.resuming = true;
    session.resume_point = std::move(resume_point);
    session.old_metrics = read_if_exists(folder / report::files::kMetrics);
    session.old_schedule = read_if_exists(folder / report::files::kLrSchedule);
    session.old_losses = read_if_exists(folder / report::files::kTrainingLoss);
    console.tee_to((folder / report::files::kLog).string());
    return session;
  });
}

}  // namespace

RunSession open_run_session(const Plan& plan, const RunOptions& options, int threads,
                            report::Console& console) {
  RunSession session = options.resume_folder.empty() ? start(plan, options, threads, console)
                                                     : resume(options, console);
  // What the numbers are computed with, as run.json records it.
  const report::RunInfo& run = session.record.run();
  console.line(str_cat(session.resuming ? "resume  " : "run     ", session.folder.string(), "  (",
                       run.device, ", ", threads, threads == 1 ? " thread, " : " threads, ",
                       run.precision, ", optimizer step ",
                       run.optimizer_step.value_or("unrecorded"), ")"));
  return session;
}

std::vector<std::string> record_stage_keys(RunSession& session, const std::vector<StageKey>& keys) {
  std::vector<std::string> hashes;
  for (const auto& key : keys) hashes.push_back(key.hash);
  if (session.resume_point && session.resume_point->run->stage_keys != hashes)
    throw UserError(str_cat("cannot resume ", session.folder.string(), ": ",
                            why_keys_differ(session.record.run(), keys.back().fields),
                            ", so continuing would mix two experiments; start a new run"));
  session.record.update([&](report::RunInfo& run) {
    run.stage_keys = hashes;
    // What the last stage's key covers: what why_keys_differ compares when the run is resumed.
    run.key_fields.assign(keys.back().fields.begin(), keys.back().fields.end());
  });
  return hashes;
}

}  // namespace xp::pipeline
