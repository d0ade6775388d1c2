// The run folder one `xp run` works in, from its start to its end state:
//   start   a new folder: recipe.yaml (paths made absolute), run.json with provenance, the plan
//           printed and in log.txt;
//   resume  a stopped run's folder reopened: its resume point, and its metrics.csv and
//           lr_schedule.csv as they were (the run rewrites them from the rows it keeps).
// The folder stays locked by this process for the session's life, so two processes never write
// one run. A stopped run that cannot be read (a damaged resume.h5 or run.json) is marked FAILED
// with the reason before the error travels on.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/pipeline/learner_file.h"
#include "core/pipeline/plan.h"
#include "core/pipeline/run_options.h"
#include "core/pipeline/stage_key.h"
#include "core/report/console.h"
#include "core/report/run_record.h"
#include "core/util/file_lock.h"

namespace xp::pipeline {

struct RunSession {
  RunSession(std::filesystem::path folder_, std::unique_ptr<FileLock> in_use_,
             report::RunRecord record_)
      : folder(std::move(folder_)), in_use(std::move(in_use_)), record(std::move(record_)) {}

  std::filesystem::path folder;
  std::unique_ptr<FileLock> in_use;  // held while this process works in the folder
  report::RunRecord record;
  bool resuming = false;
  // --resume: where the stopped run continues (none when it stopped before its first resume
  // point), and its files as they were.
  std::optional<LearnerFile> resume_point;
  std::string old_metrics;
  std::string old_schedule;
  std::string old_losses;  // training_loss.csv of the stopped run
};

// Starts the run (or resumes options.resume_folder) and tees `console` into its log.txt.
RunSession open_run_session(const Plan& plan, const RunOptions& options, int threads,
                            report::Console& console);

// Records the run's stage keys in run.json. A resumed run must have the keys its resume point
// recorded: otherwise its data, weights file or recipe.yaml changed, and continuing would mix two
// experiments — a UserError says what changed.
// Returns the keys' hashes: what every resume point of the run records.
std::vector<std::string> record_stage_keys(RunSession& session, const std::vector<StageKey>& keys);

}  // namespace xp::pipeline
