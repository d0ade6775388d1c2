#include "runner/sweep_trials.h"

#include <cmath>
#include <iostream>
#include <utility>

#include "core/report/run_folder.h"
#include "core/report/run_status.h"
#include "core/report/sweep_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::commands {

namespace fs = std::filesystem;
namespace state = report::trial_state;

std::string trial_name(int number) {
  return report::sweep_files::trial_root("", number).filename().string();
}

fs::path newest_run(const fs::path& trial_root, const std::string& name) {
  std::error_code error;
  fs::path newest;
  if (!fs::is_directory(trial_root / name, error)) return newest;
  for (const auto& entry : fs::directory_iterator(trial_root / name, error))
    if (entry.is_directory() && !entry.is_symlink() &&
        entry.path().filename() != report::files::kLatest &&
        (newest.empty() || entry.path().filename() > newest.filename()))
      newest = entry.path();
  return newest;
}

std::string log_tail(const fs::path& log) {
  std::error_code error;
  if (!fs::exists(log, error)) return "";
  const auto lines = split(read_file(log), '\n');
  std::vector<std::string> tail;
  for (auto it = lines.rbegin(); it != lines.rend() && tail.size() < 3; ++it)
    if (!trim(*it).empty()) tail.insert(tail.begin(), trim(*it));
  return join(tail, " | ");
}

SweepTrials::SweepTrials(const cli::CliOptions& options, std::string run_name, fs::path folder)
    : options_(options), name_(std::move(run_name)), folder_(std::move(folder)), ledger_(folder_) {}

const report::TrialRecord& SweepTrials::find(int number) const {
  for (const auto& trial : ledger_.trials())
    if (trial.number == number) return trial;
  throw Error(str_cat("trial ", number, " is not in the ledger"));
}

report::TrialRecord& SweepTrials::find(int number) {
  return const_cast<report::TrialRecord&>(std::as_const(*this).find(number));
}

fs::path SweepTrials::trial_root(int number) const {
  return report::sweep_files::trial_root(folder_, number);
}

namespace {

bool has_resume_point(const std::string& run) {
  std::error_code error;
  return !run.empty() && fs::exists(fs::path(run) / report::files::kResume, error);
}

// Handed to a process or to Slurm, and not known to have ended.
bool in_flight(const report::TrialRecord& trial) {
  return trial.state == state::kRunning || trial.state == state::kQueued;
}

}  // namespace

fs::path SweepTrials::resume_folder(const report::TrialRecord& trial) const {
  const bool stopped = trial.state == state::kInterrupted || in_flight(trial);
  return stopped && has_resume_point(trial.run) ? fs::path(trial.run) : fs::path();
}

std::vector<std::string> SweepTrials::xp_arguments(int number, int threads, int nproc) const {
  const auto& trial = find(number);
  std::vector<std::string> args = {"run"};
  const fs::path resume = resume_folder(trial);
  if (!resume.empty()) {
    args.insert(args.end(), {"--resume", resume.string()});
  } else {
    args.push_back(options_.recipe);
    for (const auto& item : options_.overrides) args.insert(args.end(), {"--set", item});
    for (const auto& item : trial.overrides) args.insert(args.end(), {"--set", item});
    args.insert(args.end(), {"--out", trial_root(number).string()});
  }
  args.insert(args.end(), {"--cache", cli::cache_root(options_)});
  if (threads > 0) args.insert(args.end(), {"--threads", std::to_string(threads)});
  if (nproc > 1) args.insert(args.end(), {"--nproc", std::to_string(nproc)});
  if (options_.no_cache) args.push_back("--no-cache");
  return args;
}

void SweepTrials::record_start(int number, const std::string& state, const std::string& slurm_job) {
  report::TrialRecord& trial = find(number);
  trial.state = state;
  trial.slurm_job = slurm_job;
  ++trial.attempts;
  trial.error.clear();
}

void SweepTrials::settle_orphan(report::TrialRecord& trial) {
  if (!in_flight(trial) || trial.run.empty()) return;
  const report::RunSummary summary = report::summarize_run(trial.run);
  if (summary.state == report::state_name(report::RunState::kComplete))
    mark_complete(trial, summary);
}

void SweepTrials::announce_done_before(const report::TrialRecord& trial) const {
  std::cout << "trial " << trial_name(trial.number) << "  complete (" << join(trial.overrides, " ")
            << ")\n";
}

std::string SweepTrials::result_text(const report::TrialRecord& trial) const {
  return str_printf("%s %.4f  val_loss %.4f", ledger_.metric_name().c_str(), trial.metric,
                    trial.val_loss);
}

void SweepTrials::mark_complete(report::TrialRecord& trial, const report::RunSummary& summary) {
  trial.state = state::kComplete;
  trial.metric = summary.metric;
  trial.val_loss = summary.val_loss;
  trial.trn_loss = summary.trn_loss;
  if (!summary.metric_name.empty()) ledger_.set_metric_name(summary.metric_name);
}

report::RunSummary SweepTrials::read_run(report::TrialRecord& trial, double seconds) {
  const fs::path run = newest_run(trial_root(trial.number), name_);
  if (!run.empty()) trial.run = run.string();
  const report::RunSummary summary =
      run.empty() ? report::RunSummary{} : report::summarize_run(run);
  trial.seconds = seconds >= 0 ? seconds : (std::isfinite(summary.seconds) ? summary.seconds : 0);
  return summary;
}

void SweepTrials::record_end(int number, int exit_code, double seconds) {
  report::TrialRecord& trial = find(number);
  trial.exit_code = exit_code;
  const report::RunSummary summary = read_run(trial, seconds);
  trial.error.clear();
  if (exit_code == 0) {
    mark_complete(trial, summary);
  } else if (exit_code == 130) {
    trial.state = state::kInterrupted;
  } else {
    trial.state = state::kFailed;
    trial.error = !summary.error.empty()
                      ? summary.error
                      : log_tail(trial_root(number) / report::sweep_files::kTrialLog);
  }
  ledger_.save();
  announce(trial);
}

void SweepTrials::record_lost(int number, const std::string& why) {
  report::TrialRecord& trial = find(number);
  read_run(trial, -1);
  trial.exit_code = -1;
  trial.state = has_resume_point(trial.run) ? state::kInterrupted : state::kFailed;
  const std::string tail = log_tail(trial_root(number) / report::sweep_files::kTrialLog);
  trial.error = why + (tail.empty() ? "" : "; its log ends: " + tail);
  ledger_.save();
  announce(trial);
}

void SweepTrials::announce(const report::TrialRecord& trial) const {
  std::cout << "trial " << trial_name(trial.number) << "  " << trial.state
            << (trial.state == state::kComplete ? "  " + result_text(trial) : "")
            << (trial.error.empty() ? "" : "  error: " + trial.error)
            << str_printf("  (%.1f s)", trial.seconds) << "\n"
            << std::flush;
}

int SweepTrials::conclude(const std::vector<int>& selected, bool interrupted) {
  std::vector<std::string> keys;
  for (const auto& item : find(selected.front()).overrides)
    keys.push_back(item.substr(0, item.find('=')));
  ledger_.write_summary(keys, selected);
  int failed = 0, complete = 0;
  for (const int number : selected) {
    const auto& trial = find(number);
    failed += trial.state == state::kFailed;
    complete += trial.state == state::kComplete;
  }
  std::cout << "sweep   " << complete << " of " << selected.size() << " trials complete"
            << (failed ? str_cat(", ", failed, " failed") : "") << "; summary in "
            << (folder_ / report::sweep_files::kSummary).string() << "\n";
  if (interrupted) return 130;
  return failed > 0 || complete < static_cast<int>(selected.size()) ? 1 : 0;
}

}  // namespace xp::commands
