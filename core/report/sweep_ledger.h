// A sweep's ledger (<sweep folder>/ledger.json): every trial's number, its --set values, its state
// and result. A trial keeps its number for the life of the folder — found again by its values —
// so re-running a sweep skips finished trials, retries failed ones, resumes interrupted ones and
// never renumbers. Rewritten atomically after every change. summary.csv and summary.png compare
// the trials' final metrics.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xp::report {

namespace trial_state {
inline constexpr const char* kPending = "pending";
inline constexpr const char* kQueued = "queued";    // submitted to Slurm, waiting for a node
inline constexpr const char* kRunning = "running";  // also what a sweep that died leaves behind
inline constexpr const char* kComplete = "complete";
inline constexpr const char* kFailed = "failed";
inline constexpr const char* kInterrupted = "interrupted";
}  // namespace trial_state

struct TrialRecord {
  int number = 0;
  std::vector<std::string> overrides;  // "KEY=VALUE", in grid order
  std::string state = trial_state::kPending;
  std::string run;  // its run folder, once it has one
  int attempts = 0;
  int exit_code = 0;
  std::string error;  // a failed trial's status.json error
  double metric = 0;  // last metrics.csv row: the task's metric, losses
  double val_loss = 0;
  double trn_loss = 0;
  double seconds = 0;  // wall time of the last attempt
  std::string
      slurm_job;  // "<array job id>_<trial number>" of the last Slurm submission; "" locally
};

class SweepLedger {
 public:
  // Reads <folder>/ledger.json when it exists. Throws xp::Error naming it when it is not a ledger.
  explicit SweepLedger(std::filesystem::path folder);

  // The trial with these values, added with the next free number if new.
  TrialRecord& trial(const std::vector<std::string>& overrides);
  std::vector<TrialRecord>& trials() { return trials_; }
  const std::vector<TrialRecord>& trials() const { return trials_; }
  void set_metric_name(const std::string& name) { metric_name_ = name; }
  const std::string& metric_name() const { return metric_name_; }
  void save() const;

  // summary.csv (trial, one column per grid key, state, metric, val_loss, trn_loss, seconds, run),
  // summary.png (the metric per trial) and report.html (sweep_report.h) for `selected` (the
  // current grid's trials), in order.
  void write_summary(const std::vector<std::string>& grid_keys,
                     const std::vector<int>& selected) const;

 private:
  std::filesystem::path folder_;
  std::string metric_name_ = "metric";
  std::vector<TrialRecord> trials_;
};

// The grid value of `key` in a trial's overrides ("" when absent).
std::string override_value(const TrialRecord& trial, const std::string& key);

// "t3  lr=0.01 cycle_len=2": the trial's number and each grid key's last component with its value
// (summary.png's bars, report.html's legends).
std::string trial_label(const TrialRecord& trial, const std::vector<std::string>& grid_keys);

}  // namespace xp::report
