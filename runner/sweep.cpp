#include "runner/sweep.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/pipeline/sweep.h"
#include "core/recipe/diagnostics.h"
#include "core/report/run_folder.h"
#include "core/report/sweep_folder.h"
#include "core/util/error.h"
#include "core/util/file_lock.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"
#include "runner/sweep_local.h"
#include "runner/sweep_slurm.h"
#include "runner/sweep_trials.h"

namespace xp::commands {

namespace fs = std::filesystem;

namespace {

// Seconds between squeue calls: XP_SLURM_POLL_SECONDS, else 10 (a cluster's squeue is shared).
double poll_seconds() {
  const char* given = std::getenv("XP_SLURM_POLL_SECONDS");
  if (!given || !*given) return 10;
  char* end = nullptr;
  const double seconds = std::strtod(given, &end);
  if (*end != '\0' || !(seconds > 0 && seconds <= 3600))
    throw UserError(str_cat("XP_SLURM_POLL_SECONDS='", given,
                            "': expected seconds between squeue calls, above 0 and at most 3600"));
  return seconds;
}

}  // namespace

int sweep(const cli::CliOptions& options) {
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  const recipe::Recipe base = recipe::load_recipe(options.recipe, options.overrides);
  std::vector<pipeline::GridAxis> cli_axes;
  for (const auto& text : options.grid) {
    try {
      cli_axes.push_back(pipeline::parse_grid_option(text));
    } catch (const UserError& error) {
      throw cli::UsageError(str_cat("xp sweep: ", error.what()));  // a command-line mistake: exit 2
    }
  }
  const pipeline::SweepSpec spec = pipeline::sweep_spec(base, cli_axes);
  if (spec.grid.empty())
    throw cli::UsageError(
        "xp sweep: nothing to vary: give --grid KEY=V1,V2 or a `sweep: {grid: …}` block in the "
        "recipe");
  const auto combinations = pipeline::expand_grid(spec.grid);

  // Every trial's recipe is checked before any runs: a typo in the 9th value should not cost 8 trials.
  for (const auto& combination : combinations) {
    std::vector<std::string> sets = options.overrides;
    sets.insert(sets.end(), combination.begin(), combination.end());
    try {
      pipeline::make_plan(recipe::load_recipe(options.recipe, sets), registry);
    } catch (const recipe::RecipeError& error) {
      std::cerr << "trial " << join(combination, " ") << ":\n";
      throw;
    }
  }

  const fs::path folder =
      fs::path(options.out) / base.run.name / pipeline::sweep_folder_name(base, spec.grid);
  if (options.status && !fs::exists(folder / report::sweep_files::kLedger))
    throw UserError(str_cat("xp sweep --status: this recipe and grid have not been swept yet (no ",
                            (folder / report::sweep_files::kLedger).string(), ")"));
  fs::create_directories(folder);
  // One xp sweep writes a sweep's ledger at a time; --status reads it while another follows it.
  const auto lock = FileLock::try_lock(folder / report::files::kInUse);
  if (!lock && !options.status)
    throw UserError(str_cat("another xp sweep is running in ", folder.string(),
                            "; wait for it to finish (xp sweep … --status shows where it stands)"));

  SweepTrials trials(options, base.run.name, folder);
  std::vector<int> selected;
  for (const auto& combination : combinations)
    selected.push_back(trials.ledger().trial(combination).number);
  if (options.status) return show_sweep_status(trials, selected, lock != nullptr);

  const int jobs = options.jobs > 0 ? options.jobs : spec.jobs;
  const bool fail_fast = options.fail_fast || (spec.fail_fast && !options.keep_going);
  if (options.slurm) {
    SlurmSweepOptions slurm;
    slurm.request.job_name = "xp-" + base.run.name;
    slurm.request.partition = options.partition;
    slurm.request.working_dir = fs::current_path();
    slurm.request.tasks_per_trial =
        options.gpus_per_trial > 0 ? options.gpus_per_trial : options.nproc;
    slurm.request.gpus_per_task = options.gpus_per_trial > 0 ? 1 : 0;
    slurm.request.cpus_per_task = options.threads;
    slurm.request.max_running = options.jobs > 0 ? options.jobs : (spec.jobs > 1 ? spec.jobs : 0);
    slurm.request.sbatch_options = options.sbatch;
    slurm.threads = options.threads;
    slurm.wait = !options.no_wait;
    slurm.fail_fast = fail_fast;
    slurm.poll_seconds = poll_seconds();
    return run_slurm_sweep(trials, selected, slurm);
  }
  LocalSweepOptions local;
  local.jobs = jobs;
  local.fail_fast = fail_fast;
  local.nproc = options.nproc;
  local.threads = options.threads > 0 ? options.threads : thread_share(jobs * options.nproc);
  return run_local_sweep(trials, selected, local);
}

}  // namespace xp::commands
