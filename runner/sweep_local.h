// A sweep's trials as `xp run` processes on this machine, `jobs` at a time, each in its own
// process group with its output in trials/t<N>/log.txt; Ctrl-C gives each running trial one
// SIGINT, so it saves its state before it stops.
#pragma once

#include <vector>

#include "runner/sweep_trials.h"

namespace xp::commands {

struct LocalSweepOptions {
  int jobs = 1;
  bool fail_fast = false;
  int threads = 1;  // torch threads per process (per rank of a data-parallel trial)
  int nproc = 1;    // ranks per trial (xp run --nproc)
};

// Runs the trials numbered `selected` that are not complete; returns sweep.h's exit code.
int run_local_sweep(SweepTrials& trials, const std::vector<int>& selected,
                    const LocalSweepOptions& options);

}  // namespace xp::commands
