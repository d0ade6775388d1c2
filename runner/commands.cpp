#include "runner/commands.h"

#include <sys/prctl.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "core/cache/cache_layout.h"
#include "core/dist/launch_env.h"
#include "core/pipeline/engine.h"
#include "core/pipeline/inspect.h"
#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/recipe/recipe.h"
#include "core/report/console.h"
#include "core/report/run_folder.h"
#include "core/report/run_index.h"
#include "core/util/atomic_file.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"
#include "runner/folder_commands.h"
#include "runner/local_ranks.h"
#include "runner/sweep.h"

namespace xp::commands {

namespace {

pipeline::Plan load_plan(const cli::CliOptions& options) {
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  return pipeline::make_plan(recipe::load_recipe(options.recipe, options.overrides), registry);
}

}  // namespace

int check(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  // The ranks of the run this command line would start: --nproc's, or the launcher's.
  const int ranks = options.nproc > 1 ? options.nproc : dist::launch_env().world_size;
  pipeline::require_trainable(plan, ranks);  // xp check refuses what xp run would
  std::cout << plan.describe() << "\n";
  for (const auto& warning : plan.rendered_warnings()) std::cout << warning << "\n";
  if (options.no_cache)
    std::cout << "cache   not used (--no-cache): xp run would run every stage\n";
  else
    pipeline::print_cache_status(plan, cli::cache_root(options), std::cout, ranks);
  std::cout << "ok: " << options.recipe << " is valid\n";
  return 0;
}

int run(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  dist::LaunchEnv launch = dist::launch_env();
  if (options.nproc > 1) {
    if (launch.world_size > 1)
      throw cli::UsageError(str_cat("xp run --nproc: this process is already rank ", launch.rank,
                                    " of ", launch.world_size, " (launched by ", launch.launcher,
                                    "); leave out --nproc"));
    pipeline::require_trainable(plan, options.nproc);  // here, not once in every rank
    return run_local_ranks(options);
  }
  if (const char* launcher = std::getenv("XP_LAUNCHER"); launcher && launch.world_size > 1) {
    launch.launcher = launcher;  // xp run --nproc started this rank
    // It leads a process group of its own (run_local_ranks): if the launcher dies, so does it,
    // as torchrun's workers do, rather than train on alone.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
  const bool rank0 = launch.rank == 0;
  if (rank0 && plan.recipe.doc.root().contains("sweep") && options.resume.empty())
    std::cout << "note: xp run runs the recipe once; its sweep: block is for xp sweep\n";
  // Rank 0 speaks for a data-parallel job; the others say only their errors.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> silent(
      rank0 ? nullptr : std::fopen("/dev/null", "w"),
      [](std::FILE* file) { return file ? std::fclose(file) : 0; });
  report::Console console(rank0 ? stdout : silent.get(), options.progress_every);
  console.set_progress_style(cli::progress_style(options, console.terminal()));
  pipeline::RunOptions run_options;
  run_options.results_root = options.out;
  run_options.cache_root = cli::cache_root(options);
  run_options.command_line = options.command_line;
  run_options.threads = options.threads;
  run_options.stage_cache = !options.no_cache;
  run_options.launch = launch;
  // A Slurm task uses the CPUs it was given; ranks sharing a machine otherwise share its cores,
  // unless told otherwise (torchrun's OMP_NUM_THREADS=1 for the same reason).
  if (options.threads == 0 && plan.recipe.run.threads == 0) {
    if (launch.cpus_per_task > 0)
      run_options.threads = std::min(launch.cpus_per_task, available_cpus());
    else if (launch.local_world_size > 1)
      run_options.threads = thread_share(launch.local_world_size);
  }
  if (!options.resume.empty()) {
    run_options.resume_folder = options.resume;
    const std::filesystem::path folder(options.resume);
    // results/<name>/<run>: the cache the run was started with, unless --cache says otherwise.
    if (options.cache.empty())
      run_options.cache_root = cache::layout::default_root(folder.parent_path().parent_path());
    // The thread count the run started with: CPU kernels may sum in another order with another
    // count, and a resumed run must end bit for bit where an uninterrupted one would.
    if (options.threads == 0) {
      try {
        const int threads = report::read_run_json(folder).threads;
        if (threads > 0) run_options.threads = std::min(threads, 4096);
      } catch (const Error&) {
        // No readable run.json: left to the engine, which reports it and marks the run FAILED.
      }
    }
  }
  const pipeline::RunResult result = pipeline::run_plan(plan, run_options, console);
  console.line(str_cat("results: ", result.folder.string()));
  return 0;
}

int model(const cli::CliOptions& options) {
  pipeline::print_model(load_plan(options), std::cout);
  return 0;
}

int features(const cli::CliOptions& options) {
  if (const std::string refusal = why_not_replaceable(options.out); !refusal.empty())
    throw cli::UsageError(refusal);
  const pipeline::Plan plan = load_plan(options);
  if (options.split == "test" && plan.recipe.data.test.empty())
    throw cli::UsageError(
        "xp features --split test: the recipe's data has no test split (set data.test)");
  pipeline::write_features(plan, cli::cache_root(options), options.split, options.out, std::cout);
  return 0;
}

int data_command(const cli::CliOptions& options) {
  const pipeline::Plan plan = load_plan(options);
  const auto report_folder = report::data_report_folder(options.out, plan.recipe.run.name);
  pipeline::inspect_data(plan, cli::cache_root(options), report_folder,
                         options.bench ? options.epochs : 0, std::cout);
  return 0;
}

}  // namespace xp::commands
