#include "runner/sweep_slurm.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "core/report/run_folder.h"
#include "core/report/sweep_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"

namespace xp::commands {

namespace fs = std::filesystem;
namespace state = report::trial_state;

namespace {

bool in_slurm(const report::TrialRecord& trial) {
  return !trial.slurm_job.empty() &&
         (trial.state == state::kQueued || trial.state == state::kRunning);
}

// "123_4" → "123".
std::string array_of(const std::string& slurm_job) {
  return slurm_job.substr(0, slurm_job.find('_'));
}

// The exit code an element wrote, if it has.
std::optional<int> exit_code_of(const fs::path& file) {
  std::error_code error;
  if (!fs::exists(file, error)) return std::nullopt;
  const std::string text = trim(read_file(file));
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 3)
    return std::nullopt;  // being written
  return std::stoi(text);
}

// Brings the ledger's Slurm trials up to date from squeue and the elements' exit-code files.
class SlurmFollower {
 public:
  explicit SlurmFollower(SweepTrials& trials) : trials_(trials) {}

  // Returns how many of `numbers` are still queued or running.
  int refresh(const std::vector<int>& numbers) {
    std::map<std::string, std::map<int, slurm::ElementState>> arrays;
    for (const int number : numbers) {
      const auto& trial = trials_.find(number);
      if (in_slurm(trial) && !arrays.count(array_of(trial.slurm_job)))
        arrays[array_of(trial.slurm_job)] = slurm::query(array_of(trial.slurm_job));
    }
    int live = 0;
    for (const int number : numbers) {
      report::TrialRecord& trial = trials_.find(number);
      if (!in_slurm(trial)) continue;
      const std::string array = array_of(trial.slurm_job);
      const fs::path exit_file = slurm::exit_file(trials_.trial_root(number), array);
      if (const auto code = exit_code_of(exit_file)) {
        trials_.record_end(number, *code, -1);
        continue;
      }
      const auto& elements = arrays[array];
      const auto element = elements.find(number);
      if (element != elements.end() && !slurm::ended(element->second.state)) {
        ++live;
        missing_[number] = 0;
        const std::string now =
            element->second.state == "PENDING" ? state::kQueued : state::kRunning;
        if (now != trial.state) {
          trial.state = now;
          trials_.ledger().save();
          std::cout << "trial " << trial_name(number) << "  " << now << "  (Slurm job "
                    << trial.slurm_job << ")\n"
                    << std::flush;
        }
        continue;
      }
      // Never started, and cancelled by --fail-fast: back to pending, for the next sweep.
      if (cancelled_waiting_ && trial.state == state::kQueued) {
        trial.state = state::kPending;
        trial.slurm_job.clear();
        --trial.attempts;
        trials_.ledger().save();
        std::cout << "trial " << trial_name(number) << "  not started (--fail-fast)\n"
                  << std::flush;
        continue;
      }
      // Ended without an exit-code file: killed past its SIGTERM, or the file is not visible yet
      // (a shared file system's attribute cache): believed on the second look.
      if (++missing_[number] < 2) {
        ++live;
        continue;
      }
      const std::string how =
          element == elements.end()
              ? std::string("is no longer in squeue")
              : str_cat("ended as ", element->second.state,
                        element->second.reason.empty() || element->second.reason == "None"
                            ? ""
                            : " (" + element->second.reason + ")");
      trials_.record_lost(number, str_cat("Slurm job ", trial.slurm_job, " ", how,
                                          " before xp recorded an exit code"));
    }
    return live;
  }

  // --fail-fast: cancels the elements of `arrays` that wait for a node; the trials they were
  // return to pending.
  void cancel_waiting(const std::set<std::string>& arrays) {
    if (cancelled_waiting_) return;
    cancelled_waiting_ = true;
    for (const auto& array : arrays) {
      try {
        slurm::cancel_pending(array);
      } catch (const Error& error) {  // the trials run on; the sweep still ends
        std::cout << "warning: --fail-fast could not cancel the waiting trials: " << error.what()
                  << "\n";
      }
    }
  }

  // Whether the last refresh found a trial with neither a live element nor an exit code, not yet
  // believed: refresh again a moment later.
  bool suspects() const {
    for (const auto& [number, looks] : missing_)
      if (looks == 1) return true;
    return false;
  }

 private:
  SweepTrials& trials_;
  std::map<int, int> missing_;  // polls in a row that found no live element and no exit code
  bool cancelled_waiting_ = false;
};

// Sleeps `seconds` unless interrupted; returns whether it was.
bool wait_or_interrupt(double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (interrupt_requested()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return interrupt_requested();
}

// slurm/array-<k>.sbatch and its recipe copy, k one past the scripts already there.
fs::path next_script(const fs::path& slurm_folder) {
  fs::create_directories(slurm_folder);
  for (int k = 0;; ++k) {
    const fs::path script = slurm_folder / str_cat("array-", k, ".sbatch");
    if (!fs::exists(script)) return script;
  }
}

std::string submit_array(SweepTrials& trials, const std::vector<int>& numbers,
                         const SlurmSweepOptions& options) {
  const std::string& recipe = trials.recipe();
  const fs::path script = next_script(trials.folder() / "slurm");
  const fs::path recipe_copy = fs::path(script).replace_extension(".recipe.yaml");
  fs::copy_file(recipe, recipe_copy, fs::copy_options::overwrite_existing);
  std::vector<slurm::ArrayElement> elements;
  for (const int number : numbers) {
    fs::create_directories(trials.trial_root(number));
    // Under srun each rank is a task of its own: no --nproc.
    elements.push_back(
        {number, trials.trial_root(number), trials.xp_arguments(number, options.threads, 1)});
  }
  write_file_atomic(script, slurm::batch_script(options.request, elements, self_executable(),
                                                recipe, recipe_copy));
  const std::string array = slurm::submit(script);
  std::vector<std::string> names;
  for (const int number : numbers) {
    names.push_back(trial_name(number));
    trials.record_start(number, state::kQueued, str_cat(array, "_", number));
  }
  trials.ledger().save();
  std::cout << "submitted Slurm job array " << array << ": " << join(names, " ") << "  (script "
            << script.string() << ")\n"
            << std::flush;
  return array;
}

}  // namespace

int run_slurm_sweep(SweepTrials& trials, const std::vector<int>& selected,
                    const SlurmSweepOptions& options) {
  SlurmFollower follower(trials);
  for (const int number : selected) trials.settle_orphan(trials.find(number));
  follower.refresh(selected);
  if (follower.suspects()) {  // a second look settles elements that ended without an exit code
    std::this_thread::sleep_for(std::chrono::seconds(1));
    follower.refresh(selected);
  }
  std::vector<int> to_submit;
  int following = 0;
  for (const int number : selected) {
    const report::TrialRecord& trial = trials.find(number);
    if (trial.state == state::kComplete) {
      trials.announce_done_before(trial);
    } else if (in_slurm(trial)) {
      ++following;
      std::cout << "trial " << trial_name(number) << "  " << trial.state << " as Slurm job "
                << trial.slurm_job << "\n";
    } else {
      to_submit.push_back(number);
    }
  }
  trials.ledger().save();
  std::cout << "sweep   " << trials.folder().string() << ": " << selected.size() << " trials, "
            << to_submit.size() << " to submit, " << following << " in Slurm already\n"
            << std::flush;
  std::set<std::string> arrays;
  if (!to_submit.empty()) arrays.insert(submit_array(trials, to_submit, options));
  for (const int number : selected)
    if (in_slurm(trials.find(number))) arrays.insert(array_of(trials.find(number).slurm_job));
  if (!options.wait) {
    std::cout << "not waiting: `xp sweep` with the same recipe and grid and --status shows where "
                 "the trials stand; without --status it follows them\n";
    return 0;
  }
  bool interrupted = false;
  const auto any_failed = [&] {
    for (const int number : selected)
      if (trials.find(number).state == state::kFailed) return true;
    return false;
  };
  while (follower.refresh(selected) > 0) {
    if (options.fail_fast && any_failed()) follower.cancel_waiting(arrays);
    if (wait_or_interrupt(options.poll_seconds)) {
      interrupted = true;
      break;
    }
  }
  const int code = trials.conclude(selected, interrupted);
  if (interrupted)
    std::cout << "stopped following; the trials go on in Slurm (job array "
              << join(std::vector<std::string>(arrays.begin(), arrays.end()), ", ")
              << "): the same xp sweep command follows them again, --status shows them, scancel "
                 "stops them\n";
  return code;
}

int show_sweep_status(SweepTrials& trials, const std::vector<int>& selected, bool follow_slurm) {
  if (follow_slurm) {
    for (const int number : selected) trials.settle_orphan(trials.find(number));
    SlurmFollower follower(trials);
    follower.refresh(selected);
    trials.ledger().save();
  } else {
    std::cout << "(another xp sweep holds this sweep: the ledger as it last wrote it)\n";
  }
  std::map<std::string, int> counts;
  for (const int number : selected) {
    const report::TrialRecord& trial = trials.find(number);
    ++counts[trial.state];
    std::string detail;
    if (trial.state == state::kComplete)
      detail = trials.result_text(trial);
    else if (in_slurm(trial))
      detail = "Slurm job " + trial.slurm_job;
    if (!trial.error.empty()) detail += (detail.empty() ? "" : "  ") + ("error: " + trial.error);
    std::cout << "trial " << trial_name(number) << "  " << trial.state << "  "
              << join(trial.overrides, " ") << (detail.empty() ? "" : "  " + detail) << "\n";
  }
  std::vector<std::string> tally;
  for (const auto& [name, count] : counts) tally.push_back(str_cat(count, " ", name));
  std::cout << "sweep   " << trials.folder().string() << ": " << selected.size() << " trials, "
            << join(tally, ", ") << "\n";
  return 0;
}

}  // namespace xp::commands
