// What a sweep's two runners share — trials as local processes (sweep_local.cpp) or as a Slurm job
// array (sweep_slurm.cpp): the ledger, each trial's `xp run` arguments (a fresh run, or --resume
// of a stopped one), how a finished trial's run folder is read into the ledger, what the console
// says, and the summary and exit code at the end.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/report/run_index.h"
#include "core/report/sweep_ledger.h"
#include "runner/cli.h"

namespace xp::commands {

// "t3": how the console and the trial folders name trial 3.
std::string trial_name(int number);

class SweepTrials {
 public:
  // `run_name` is the recipe's name: a trial's runs are trials/t<N>/<run_name>/<run id>/.
  SweepTrials(const cli::CliOptions& options, std::string run_name, std::filesystem::path folder);

  report::SweepLedger& ledger() { return ledger_; }
  const std::filesystem::path& folder() const { return folder_; }
  report::TrialRecord& find(int number);
  const report::TrialRecord& find(int number) const;
  std::filesystem::path trial_root(int number) const;

  // A trial stopped part-way (interrupted, killed, or its sweep died) whose run has a resume
  // point; "" when it is to start over.
  std::filesystem::path resume_folder(const report::TrialRecord& trial) const;
  // The arguments after the xp binary: `run --resume RUN` or `run RECIPE --set … --out
  // trials/t<N>`, with the sweep's cache, and --threads / --nproc when not 0 / 1.
  std::vector<std::string> xp_arguments(int number, int threads, int nproc) const;

  // Trial `number` handed to whatever runs it (`state`: running here, queued in Slurm, with its
  // `slurm_job` there): one more attempt, the last error cleared. The caller saves the ledger.
  void record_start(int number, const std::string& state, const std::string& slurm_job = "");

  // A trial the ledger calls running or queued (its sweep died) whose run finished anyway.
  void settle_orphan(report::TrialRecord& trial);
  // "trial t3  complete (stages[1].fit.lr=0.01)": a trial this sweep need not run.
  void announce_done_before(const report::TrialRecord& trial) const;
  // "accuracy 0.9120  val_loss 0.2810": a complete trial's result.
  std::string result_text(const report::TrialRecord& trial) const;
  // Trial `number` ended with `exit_code` (0 complete, 130 interrupted, else failed): its run
  // folder read into the ledger, which is saved, and one console line. `seconds` < 0: the run's
  // own wall time.
  void record_end(int number, int exit_code, double seconds);

  // Trial `number` ended with no exit code (Slurm killed it, or its node died): interrupted when
  // its run has a resume point (the next sweep resumes it), else failed; `why` is the error.
  void record_lost(int number, const std::string& why);

  // The recipe file the trials run.
  const std::string& recipe() const { return options_.recipe; }

  // summary.csv, summary.png and report.html of `selected`; then the console's last line and the
  // exit code (sweep.h).
  int conclude(const std::vector<int>& selected, bool interrupted);

 private:
  // The trial's run folder and wall time, from the newest run below its root.
  report::RunSummary read_run(report::TrialRecord& trial, double seconds);
  // The trial complete, with its run's last metrics.
  void mark_complete(report::TrialRecord& trial, const report::RunSummary& summary);
  // "trial t3  complete  accuracy 0.9120  val_loss 0.2810  (12.0 s)"
  void announce(const report::TrialRecord& trial) const;

  const cli::CliOptions& options_;
  std::string name_;
  std::filesystem::path folder_;
  report::SweepLedger ledger_;
};

// The newest run folder of a trial (trial_root/<name>/<run id>), or "" when it has none yet.
std::filesystem::path newest_run(const std::filesystem::path& trial_root, const std::string& name);

// The last non-empty lines of a trial's log: why a trial with no run folder failed.
std::string log_tail(const std::filesystem::path& log);

}  // namespace xp::commands
