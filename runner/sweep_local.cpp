#include "runner/sweep_local.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "core/report/sweep_folder.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"

namespace xp::commands {

namespace fs = std::filesystem;
namespace state = report::trial_state;

namespace {

using Clock = std::chrono::steady_clock;

struct Running {
  int number;
  pid_t pid;
  Clock::time_point started;
};

// Starts trial `number` with its output appended to its log.txt.
Running start(SweepTrials& trials, int number, const LocalSweepOptions& options,
              const std::string& self) {
  report::TrialRecord& trial = trials.find(number);
  const fs::path root = trials.trial_root(number);
  fs::create_directories(root);
  const bool resumed = !trials.resume_folder(trial).empty();
  std::vector<std::string> args = {self};
  const auto xp_args = trials.xp_arguments(number, options.threads, options.nproc);
  args.insert(args.end(), xp_args.begin(), xp_args.end());
  const fs::path log = root / report::sweep_files::kTrialLog;
  const pid_t pid = spawn_logged(self, args, log.string());
  trials.record_start(number, state::kRunning);
  trials.ledger().save();
  std::cout << "trial " << trial_name(number) << "  " << (resumed ? "resumed" : "started") << "  "
            << join(trial.overrides, " ") << "  (log: " << log.string() << ")\n"
            << std::flush;
  return {number, pid, Clock::now()};
}

}  // namespace

int run_local_sweep(SweepTrials& trials, const std::vector<int>& selected,
                    const LocalSweepOptions& options) {
  std::vector<int> queue;
  for (const int number : selected) {
    report::TrialRecord& trial = trials.find(number);
    trials.settle_orphan(trial);
    if (trial.state == state::kComplete) {
      trials.announce_done_before(trial);
      continue;
    }
    queue.push_back(number);
  }
  trials.ledger().save();
  std::cout << "sweep   " << trials.folder().string() << ": " << selected.size() << " trials, "
            << queue.size() << " to run, " << options.jobs << " at a time, " << options.threads
            << " threads each"
            << (options.nproc > 1 ? str_cat(" (", options.nproc, " ranks per trial)") : "") << "\n";
  const std::string self = self_executable();
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
    while (!stop_starting && next < queue.size() && static_cast<int>(running.size()) < options.jobs)
      running.push_back(start(trials, queue[next++], options, self));
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
    trials.record_end(child->number, code,
                      std::chrono::duration<double>(Clock::now() - child->started).count());
    if (trials.find(child->number).state == state::kFailed && options.fail_fast)
      stop_starting = true;
    running.erase(child);
  }
  const int code = trials.conclude(selected, interrupted);
  if (interrupted)
    std::cout << "interrupted: run the same sweep again to resume the stopped trials\n";
  return code;
}

}  // namespace xp::commands
