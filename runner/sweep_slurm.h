// A sweep's trials as one Slurm job array (slurm_array.h), submitted and followed from here.
//
// The ledger stays the sweep's one record, written by this process only (under the sweep
// folder's lock): array elements write nothing but their trial folder — the run (through the
// shared stage cache, whose file locks serve as they do locally), log.txt and an exit-code file.
// A trial's states: queued (Slurm has it, no node yet) → running → complete | failed |
// interrupted. Stopping `xp sweep` (Ctrl-C) stops following, not the trials: running the same
// sweep again follows them, and submits what is neither finished nor still in Slurm — failed
// trials afresh, stopped ones (time limit, scancel, preemption) from their resume points.
#pragma once

#include <vector>

#include "runner/slurm_array.h"
#include "runner/sweep_trials.h"

namespace xp::commands {

struct SlurmSweepOptions {
  slurm::ArrayRequest request;  // job name, partition, tasks, GPUs, CPUs, %limit, sbatch options
  int threads = 0;              // xp run --threads; 0 = SLURM_CPUS_PER_TASK or xp's default
  bool wait = true;             // follow the array until every trial has ended
  bool fail_fast = false;       // after a failure, cancel the elements still waiting for a node
  double poll_seconds = 10;     // between squeue calls (XP_SLURM_POLL_SECONDS)
};

// Submits the trials numbered `selected` that are neither complete nor still in Slurm as one job
// array, then (with `wait`) follows every selected trial to its end. Returns sweep.h's exit code
// (0 after a submission without `wait`).
int run_slurm_sweep(SweepTrials& trials, const std::vector<int>& selected,
                    const SlurmSweepOptions& options);

// `xp sweep --status`: one line per selected trial (state, metric or Slurm job, error). With
// `follow_slurm`, trials in Slurm are brought up to date first (the caller holds the sweep's
// lock); otherwise the ledger is shown as it is. Returns 0.
int show_sweep_status(SweepTrials& trials, const std::vector<int>& selected, bool follow_slurm);

}  // namespace xp::commands
