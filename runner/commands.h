// The recipe commands (check, run, model, features, data) as functions of parsed options; each
// returns the exit code. cli.cpp's command table names them.
#pragma once

#include "core/recipe/diagnostics.h"
#include "runner/cli.h"

namespace xp::commands {

int check(const cli::CliOptions& options);
int run(const cli::CliOptions& options);
int model(const cli::CliOptions& options);
int features(const cli::CliOptions& options);
int data_command(const cli::CliOptions& options);

}  // namespace xp::commands
