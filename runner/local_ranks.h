// `xp run --nproc N`: the ranks of a data-parallel job started on this machine, as torchrun
// --nproc_per_node does — each an `xp run` of the same command line with RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in its environment, and
// hardware threads / N torch threads unless --threads says otherwise. Rank 0 prints and writes the
// run; this process waits for them all. When a rank dies, the message names it and the others
// are stopped (they end by themselves as soon as a collective fails; any still running after a
// grace period are killed). The ranks lead process groups of their own: Ctrl-C reaches this
// process, which hands each rank one SIGINT (they stop together at the next training step and
// save where they are); and a rank dies with its launcher.
#pragma once

#include "runner/cli.h"

namespace xp::commands {

// The exit code: 0 when every rank completed, else the first failed rank's.
int run_local_ranks(const cli::CliOptions& options);

}  // namespace xp::commands
