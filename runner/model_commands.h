// The commands that use a finished run's model (predict, export) as functions of parsed options;
// each returns the exit code. cli.cpp's command table names them.
#pragma once

#include "runner/cli.h"

namespace xp::commands {

int predict(const cli::CliOptions& options);
int export_model(const cli::CliOptions& options);

}  // namespace xp::commands
