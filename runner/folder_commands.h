// Commands on result folders and caches rather than recipes:
//   xp ls [DIR]              a table of the runs below DIR (default results)
//   xp diff RUN_A RUN_B      what differs: recipe values, final metrics, TTA scores, duration
//   xp report RUN...         rewrites each folder's report.html
//   xp cache ls|gc           the stage cache's entries (and activations) and their sizes; removal
#pragma once

#include "runner/cli.h"

namespace xp::commands {

int list_runs(const cli::CliOptions& options);
int diff_runs(const cli::CliOptions& options);
int write_reports(const cli::CliOptions& options);
int cache_command(const cli::CliOptions& options);

}  // namespace xp::commands
