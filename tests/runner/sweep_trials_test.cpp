// What a sweep's trial runs: the `xp run` arguments both runners (local processes, Slurm array
// elements) give it — a fresh run with the trial's values, or --resume of its stopped run.
#include <doctest/doctest.h>

#include "core/report/sweep_ledger.h"
#include "runner/sweep_trials.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::TempDir;
using xp::testing::write_text;

TEST_CASE("sweep trials: a fresh trial's xp run arguments, and a stopped one's --resume") {
  TempDir dir;
  xp::cli::CliOptions options;
  options.recipe = "recipes/tiny.yaml";
  options.overrides = {"seed=3"};
  options.out = (dir.path() / "results").string();
  options.cache = (dir.path() / "cache").string();
  const fs::path folder = dir.path() / "results" / "tiny" / "sweep-1";
  xp::commands::SweepTrials trials(options, "tiny", folder);
  const int number = trials.ledger().trial({"stages[1].fit.lr=0.01"}).number;
  const std::string root = trials.trial_root(number).string();
  CHECK(root == (folder / "trials" / "t0").string());
  CHECK(trials.xp_arguments(number, 2, 3) ==
        std::vector<std::string>{"run", "recipes/tiny.yaml", "--set", "seed=3", "--set",
                                 "stages[1].fit.lr=0.01", "--out", root, "--cache", options.cache,
                                 "--threads", "2", "--nproc", "3"});
  // No thread count and one rank: xp run decides (SLURM_CPUS_PER_TASK, or the CPUs it may use).
  CHECK(trials.xp_arguments(number, 0, 1).size() == 10);

  // Interrupted with a resume point: continued, not started over. Failed: started over.
  auto& trial = trials.find(number);
  const fs::path run = folder / "trials" / "t0" / "tiny" / "20261201-000000-abcd";
  fs::create_directories(run);
  write_text(run / "resume.h5", "");
  trial.run = run.string();
  trial.state = xp::report::trial_state::kInterrupted;
  CHECK(trials.xp_arguments(number, 1, 1) ==
        std::vector<std::string>{"run", "--resume", run.string(), "--cache", options.cache,
                                 "--threads", "1"});
  trial.state = xp::report::trial_state::kQueued;  // its Slurm job vanished mid-run
  CHECK(trials.xp_arguments(number, 1, 1)[1] == "--resume");
  trial.state = xp::report::trial_state::kFailed;
  CHECK(trials.xp_arguments(number, 1, 1)[1] == "recipes/tiny.yaml");
}
