// Runs a plan: opens the run folder (run_session.h), builds the learner (run_setup.h), runs each
// stage in order — or replays it from the stage cache (stage_cache_driver.h) — keeping
// status.json, metrics.csv and log.txt current, and saving a resume point after every stage and
// epoch. Any failure marks the run FAILED (or INTERRUPTED) in status.json before the exception
// travels on to the runner; a stage's failure names the stage and its place in the recipe.
#pragma once

#include "core/pipeline/plan.h"
#include "core/pipeline/run_options.h"
#include "core/report/console.h"

namespace xp::pipeline {

// Prints the plan and the training progress to `console`, which also fills the run's log.txt.
RunResult run_plan(const Plan& plan, const RunOptions& options, report::Console& console);

}  // namespace xp::pipeline
