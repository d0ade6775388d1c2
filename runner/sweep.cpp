#include "runner/sweep.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/pipeline/sweep.h"
#include "core/recipe/diagnostics.h"
#include "core/report/run_folder.h"
#include "core/report/run_index.h"
#include "core/report/run_status.h"
#include "core/report/sweep_folder.h"
#include "core/report/sweep_ledger.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/file_lock.h"
#include "core/util/interrupt.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"

extern char** environ;

namespace xp::commands {

namespace fs = std::filesystem;
namespace state = report::trial_state;

namespace {

using Clock = std::chrono::steady_clock;

std::string trial_name(int number) {
  return report::sweep_files::trial_root("", number).filename().string();
}

// The newest run folder of a trial (DIR/t<N>/<name>/<run id>), or "" when it has none yet.
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

// The last non-empty lines of a trial's log: why a trial with no run folder failed.
std::string log_tail(const fs::path& log) {
  std::error_code error;
  if (!fs::exists(log, error)) return "";
  const auto lines = split(read_file(log), '\n');
  std::vector<std::string> tail;
  for (auto it = lines.rbegin(); it != lines.rend() && tail.size() < 3; ++it)
    if (!trim(*it).empty()) tail.insert(tail.begin(), trim(*it));
  return join(tail, " | ");
}

struct Running {
  int number;
  pid_t pid;
  Clock::time_point started;
};

class SweepRunner {
 public:
  SweepRunner(const cli::CliOptions& options, const recipe::Recipe& recipe, const fs::path& folder,
              int jobs, bool fail_fast)
      : options_(options),
        name_(recipe.run.name),
        folder_(folder),
        ledger_(folder),
        jobs_(jobs),
        fail_fast_(fail_fast),
        self_(xp::self_executable()) {
    threads_ = options.threads > 0 ? options.threads : thread_share(jobs);
  }

  report::SweepLedger& ledger() { return ledger_; }

  // Runs the trials numbered `selected` that are not complete; returns the exit code.
  int run(const std::vector<int>& selected) {
    std::vector<int> queue;
    for (const int number : selected) {
      report::TrialRecord& trial = find(number);
      settle_orphan(trial);
      if (trial.state == state::kComplete) {
        std::cout << "trial " << trial_name(number) << "  complete (" << join(trial.overrides, " ")
                  << ")\n";
        continue;
      }
      queue.push_back(number);
    }
    ledger_.save();
    std::cout << "sweep   " << folder_.string() << ": " << selected.size() << " trials, "
              << queue.size() << " to run, " << jobs_ << " at a time, " << threads_
              << " threads each\n";
    std::size_t next = 0;
    bool stop_starting = false;
    bool interrupted = false;
    std::vector<Running> running;
    while (next < queue.size() || !running.empty()) {
      if (interrupt_requested() && !interrupted) {
        interrupted = stop_starting = true;
        // Trials run in their own process groups (a terminal's Ctrl-C reaches this process only):
        // each gets exactly one SIGINT, so it saves its state before it stops.
        for (const auto& child : running) ::kill(child.pid, SIGINT);
      }
      while (!stop_starting && next < queue.size() && static_cast<int>(running.size()) < jobs_)
        running.push_back(start(queue[next++]));
      int status = 0;
      const pid_t done = ::waitpid(-1, &status, WNOHANG);
      if (done <= 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      const auto child = std::find_if(running.begin(), running.end(),
                                      [&](const Running& r) { return r.pid == done; });
      if (child == running.end()) continue;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      finish(*child, code);
      if (find(child->number).state == state::kFailed && fail_fast_) stop_starting = true;
      running.erase(child);
    }
    write_summary(selected);
    int failed = 0, complete = 0;
    for (const int number : selected) {
      const auto& trial = find(number);
      failed += trial.state == state::kFailed;
      complete += trial.state == state::kComplete;
    }
    std::cout << "sweep   " << complete << " of " << selected.size() << " trials complete"
              << (failed ? str_cat(", ", failed, " failed") : "") << "; summary in "
              << (folder_ / report::sweep_files::kSummary).string() << "\n";
    if (interrupted) {
      std::cout << "interrupted: run the same sweep again to resume the stopped trials\n";
      return 130;
    }
    return failed > 0 || complete < static_cast<int>(selected.size()) ? 1 : 0;
  }

 private:
  report::TrialRecord& find(int number) {
    for (auto& trial : ledger_.trials())
      if (trial.number == number) return trial;
    throw Error(str_cat("trial ", number, " is not in the ledger"));
  }

  fs::path trial_root(int number) const { return report::sweep_files::trial_root(folder_, number); }

  // A finished trial: complete, with the last metrics.csv row's metric and losses.
  void record_complete(report::TrialRecord& trial, const fs::path& run) {
    const report::RunSummary summary = report::summarize_run(run);
    trial.state = state::kComplete;
    trial.metric = summary.metric;
    trial.val_loss = summary.val_loss;
    trial.trn_loss = summary.trn_loss;
    if (!summary.metric_name.empty()) ledger_.set_metric_name(summary.metric_name);
  }

  // A trial the ledger calls running (its sweep died) whose run finished anyway.
  void settle_orphan(report::TrialRecord& trial) {
    if (trial.state != state::kRunning || trial.run.empty()) return;
    const auto status = report::read_run_status(trial.run);
    if (status && status->state == report::RunState::kComplete) record_complete(trial, trial.run);
  }

  Running start(int number) {
    report::TrialRecord& trial = find(number);
    const fs::path root = trial_root(number);
    fs::create_directories(root);
    std::vector<std::string> args = {self_, "run"};
    // A trial stopped part-way (interrupted, or its sweep killed) continues where it stopped.
    const fs::path previous = trial.run.empty() ? fs::path() : fs::path(trial.run);
    const bool resumable = (trial.state == state::kInterrupted || trial.state == state::kRunning) &&
                           !previous.empty() && fs::exists(previous / report::files::kResume);
    if (resumable) {
      args.insert(args.end(), {"--resume", previous.string()});
    } else {
      args.push_back(options_.recipe);
      for (const auto& item : options_.overrides) args.insert(args.end(), {"--set", item});
      for (const auto& item : trial.overrides) args.insert(args.end(), {"--set", item});
      args.insert(args.end(), {"--out", root.string()});
    }
    args.insert(args.end(),
                {"--cache", cli::cache_root(options_), "--threads", std::to_string(threads_)});
    if (options_.no_cache) args.push_back("--no-cache");

    const fs::path log = root / report::sweep_files::kTrialLog;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int error =
        ::posix_spawn(&pid, self_.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0)
      throw Error(str_cat("cannot start trial ", trial_name(number), ": ", std::strerror(error)));

    trial.state = state::kRunning;
    ++trial.attempts;
    trial.error.clear();
    ledger_.save();
    std::cout << "trial " << trial_name(number) << "  " << (resumable ? "resumed" : "started")
              << "  " << join(trial.overrides, " ") << "  (log: " << log.string() << ")\n"
              << std::flush;
    return {number, pid, Clock::now()};
  }

  void finish(const Running& child, int code) {
    report::TrialRecord& trial = find(child.number);
    trial.exit_code = code;
    trial.seconds = std::chrono::duration<double>(Clock::now() - child.started).count();
    const fs::path run = newest_run(trial_root(child.number), name_);
    if (!run.empty()) trial.run = run.string();
    if (code == 0) {
      record_complete(trial, run);
    } else if (code == 130) {
      trial.state = state::kInterrupted;
    } else {
      trial.state = state::kFailed;
      const auto status = run.empty() ? std::nullopt : report::read_run_status(run);
      trial.error = status && !status->error.empty()
                        ? status->error
                        : log_tail(trial_root(child.number) / report::sweep_files::kTrialLog);
    }
    ledger_.save();
    std::cout << "trial " << trial_name(child.number) << "  " << trial.state
              << (trial.state == state::kComplete
                      ? str_printf("  %s %.4f  val_loss %.4f", ledger_.metric_name().c_str(),
                                   trial.metric, trial.val_loss)
                      : "")
              << (trial.error.empty() ? "" : "  error: " + trial.error)
              << str_printf("  (%.1f s)", trial.seconds) << "\n"
              << std::flush;
  }

  void write_summary(const std::vector<int>& selected) {
    std::vector<std::string> keys;
    for (const auto& item : find(selected.front()).overrides)
      keys.push_back(item.substr(0, item.find('=')));
    ledger_.write_summary(keys, selected);
  }

  const cli::CliOptions& options_;
  std::string name_;
  fs::path folder_;
  report::SweepLedger ledger_;
  int jobs_;
  bool fail_fast_;
  std::string self_;
  int threads_ = 1;
};

}  // namespace

int sweep(const cli::CliOptions& options) {
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  const recipe::Recipe base = recipe::load_recipe(options.recipe, options.overrides);
  std::vector<pipeline::GridAxis> cli_axes;
  for (const auto& text : options.grid) {
    try {
      cli_axes.push_back(pipeline::parse_grid_option(text));
    } catch (const UserError& error) {
      throw cli::UsageError(str_cat("xp sweep: ", error.what()));  // a command-line mistake: exit 2
    }
  }
  const pipeline::SweepSpec spec = pipeline::sweep_spec(base, cli_axes);
  if (spec.grid.empty())
    throw cli::UsageError(
        "xp sweep: nothing to vary: give --grid KEY=V1,V2 or a `sweep: {grid: …}` block in the "
        "recipe");
  const auto combinations = pipeline::expand_grid(spec.grid);

  // Every trial's recipe is checked before any runs: a typo in the 9th value should not cost 8 trials.
  for (const auto& combination : combinations) {
    std::vector<std::string> sets = options.overrides;
    sets.insert(sets.end(), combination.begin(), combination.end());
    try {
      pipeline::make_plan(recipe::load_recipe(options.recipe, sets), registry);
    } catch (const recipe::RecipeError& error) {
      std::cerr << "trial " << join(combination, " ") << ":\n";
      throw;
    }
  }

  const int jobs = options.jobs > 0 ? options.jobs : spec.jobs;
  const bool fail_fast = options.fail_fast || (spec.fail_fast && !options.keep_going);
  const fs::path folder =
      fs::path(options.out) / base.run.name / pipeline::sweep_folder_name(base, spec.grid);
  fs::create_directories(folder);
  const auto lock = FileLock::try_lock(folder / report::files::kInUse);
  if (!lock)
    throw UserError(
        str_cat("another xp sweep is running in ", folder.string(), "; wait for it to finish"));

  SweepRunner runner(options, base, folder, jobs, fail_fast);
  std::vector<int> selected;
  for (const auto& combination : combinations)
    selected.push_back(runner.ledger().trial(combination).number);
  return runner.run(selected);
}

}  // namespace xp::commands
