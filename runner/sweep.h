// `xp sweep`: every trial of the grid (pipeline/sweep.h) as an `xp run` — a child process here,
// `jobs` at a time (sweep_local.h), or an element of a Slurm job array (--slurm, sweep_slurm.h) —
// with the ledger (report/sweep_ledger.h) kept current after every start and finish; --status
// shows it.
#pragma once

#include "runner/cli.h"

namespace xp::commands {

// Exit code: 0 when every trial is complete (or --status, or --slurm --no-wait once submitted),
// 1 when any failed or is not complete, 2 for a bad recipe or grid (nothing run), 130 when
// interrupted (local trials are stopped and saved, Slurm's go on; run the same sweep again to
// resume or follow them).
int sweep(const cli::CliOptions& options);

}  // namespace xp::commands
