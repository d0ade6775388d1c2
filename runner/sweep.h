// `xp sweep`: every trial of the grid (pipeline/sweep.h) as a child `xp run` process, `jobs` at a
// time, with the ledger (report/sweep_ledger.h) kept current after every start and finish.
#pragma once

#include "runner/cli.h"

namespace xp::commands {

// Exit code: 0 when every trial is complete, 1 when any failed, 2 for a bad recipe or grid
// (nothing run), 130 when interrupted (running trials are stopped and saved; run the same
// sweep again to resume them).
int sweep(const cli::CliOptions& options);

}  // namespace xp::commands
