// xp's entry point: parse the command line, dispatch, and map every failure to an exit code
// (DESIGN.md): 0 ok, 1 the run failed, 2 the recipe or command line is wrong, 130 interrupted.
// This is the only place that prints errors (shared/STYLE.md R13).
#include <csignal>
#include <cstdio>
#include <iostream>

#include "core/recipe/diagnostics.h"
#include "core/util/build_info.h"
#include "core/util/interrupt.h"
#include "runner/cli.h"

namespace {

// Ctrl-C, and SIGTERM — what Slurm sends at a job's time limit, on scancel or preemption, KillWait
// (30 s) before SIGKILL: both stop a run at the next batch with its resume point saved.
void on_stop_signal(int) {
  if (xp::interrupt_requested()) std::_Exit(130);  // a second one stops at once
  xp::request_interrupt();
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  try {
    const xp::cli::CliOptions options = xp::cli::parse_cli(argc, argv);
    if (options.help) {
      std::cout << options.help_text;
      return 0;
    }
    if (options.version) {
      const auto& build = xp::build_info();
      std::cout << "xp " << build.version << " (" << build.git_sha
                << (build.git_dirty ? "+dirty" : "") << ")\n";
      return 0;
    }
    return xp::cli::run_command(options);
  } catch (const xp::cli::UsageError& error) {
    std::cerr << "error: " << error.what() << "\nRun 'xp --help' for usage.\n";
    return 2;
  } catch (const xp::recipe::RecipeError& error) {
    std::cerr << error.what() << "\n";
    return 2;
  } catch (const xp::Interrupted&) {
    std::cerr << "interrupted\n";
    return 130;
  } catch (const xp::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  } catch (const std::logic_error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
