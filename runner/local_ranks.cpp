#include "runner/local_ranks.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>  // sigabbrev_np
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/util/error.h"
#include "core/util/free_port.h"
#include "core/util/interrupt.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"

namespace xp::commands {

namespace {

using Clock = std::chrono::steady_clock;

// How long the other ranks get to end by themselves after one died (their next collective fails
// at once; a rank busy in a long computation notices at its end) before they are killed.
constexpr std::chrono::seconds kGracePeriod{60};

// The command line each rank runs: this one without --nproc, with a share of the threads.
std::vector<std::string> rank_arguments(const cli::CliOptions& options) {
  std::vector<std::string> args;
  const auto& given = options.command_line;
  for (std::size_t at = 0; at < given.size(); ++at) {
    if (given[at] == "--nproc") {
      ++at;  // and its value
      continue;
    }
    if (given[at].rfind("--nproc=", 0) == 0) continue;
    args.push_back(given[at]);
  }
  if (options.threads == 0)
    args.insert(args.end(), {"--threads", std::to_string(thread_share(options.nproc))});
  return args;
}

// Rank `rank`'s environment: this process's, with the launcher's variables replaced.
std::vector<std::string> rank_environment(int rank, int world, int port) {
  return environment_with({"RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(world),
                           "LOCAL_RANK=" + std::to_string(rank),
                           "LOCAL_WORLD_SIZE=" + std::to_string(world), "MASTER_ADDR=127.0.0.1",
                           "MASTER_PORT=" + std::to_string(port), "XP_LAUNCHER=xp"});
}

std::string how_it_ended(int status) {
  if (WIFSIGNALED(status)) {
    const char* name = ::sigabbrev_np(WTERMSIG(status));
    return str_cat("was killed by signal ", WTERMSIG(status),
                   name ? str_cat(" (SIG", name, ")") : "");
  }
  return str_cat("exited with code ", WEXITSTATUS(status));
}

// A rank's exit code as the launcher's: a rank killed by a signal is a failed run (1).
int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 1; }

}  // namespace

int run_local_ranks(const cli::CliOptions& options) {
  const int world = options.nproc;
  const int port = free_loopback_port();
  const std::vector<std::string> args = rank_arguments(options);
  std::vector<pid_t> ranks;
  const std::string self = self_executable();
  for (int rank = 0; rank < world; ++rank)
    ranks.push_back(
        spawn(self, args, rank_environment(rank, world, port), /*own_process_group=*/true));

  int result = 0;
  int running = world;
  // Once a rank died: when the rest are killed (never before).
  Clock::time_point stop_by = Clock::time_point::max();
  bool interrupted = false;
  while (running > 0) {
    // Ctrl-C reaches this process alone (the ranks lead process groups of their own): each rank
    // gets exactly one SIGINT, and they stop together at their next training step.
    if (interrupt_requested() && !interrupted) {
      interrupted = true;
      for (const pid_t pid : ranks)
        if (pid > 0) ::kill(pid, SIGINT);
    }
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done <= 0) {
      if (Clock::now() > stop_by) {
        for (const pid_t pid : ranks)
          if (pid > 0) ::kill(pid, SIGKILL);
        stop_by = Clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto found = std::find(ranks.begin(), ranks.end(), done);
    if (found == ranks.end()) continue;
    const int rank = static_cast<int>(found - ranks.begin());
    *found = -1;
    --running;
    if (exit_code(status) == 0 || result != 0) continue;
    result = exit_code(status);
    if (running > 0) {
      std::cerr << "xp run --nproc: rank " << rank << " of " << world << " (pid " << done << ") "
                << how_it_ended(status) << "; stopping the other ranks\n"
                << std::flush;
      stop_by = Clock::now() + kGracePeriod;
    }
  }
  return result;
}

}  // namespace xp::commands
