// What `xp sweep` varies: a grid of recipe values (from --grid options and the recipe's `sweep:`
// block), expanded into trials — one `--set` list each, every combination once, the first axis
// varying slowest. Each trial is an ordinary `xp run`; the stage cache lets trials share the
// stages their keys have in common (a sweep over the last stage's lr computes the rest once).
#pragma once

#include <string>
#include <vector>

#include "core/recipe/recipe.h"

namespace xp::pipeline {

struct GridAxis {
  std::string key;                  // as for --set: "stages[2].fit.lr"
  std::vector<std::string> values;  // each as --set value text: "0.01", "[0.001, 0.01]"
};

struct SweepSpec {
  std::vector<GridAxis> grid;
  int jobs = 1;
  bool fail_fast = false;
};

// "KEY=V1,V2,…" from the command line. Commas inside brackets, braces or quotes belong to a value:
// "stages[2].fit.lr=[1e-3,1e-2],[1e-3,3e-2]" has two values. Throws UserError on a malformed spec.
GridAxis parse_grid_option(const std::string& text);

// The recipe's `sweep:` block (empty grid when it has none), then each of `cli_axes` added or
// replacing the recipe's axis for the same key.
SweepSpec sweep_spec(const recipe::Recipe& recipe, const std::vector<GridAxis>& cli_axes);

// Every combination: one "KEY=VALUE" list per trial.
std::vector<std::vector<std::string>> expand_grid(const std::vector<GridAxis>& grid);

// The sweep's folder name below results/<name>/: "sweep-<hash>" of the recipe's canonical fields
// (as the stage keys see them, the sweep block left out) and the grid's keys. The same recipe
// swept over the same keys finds its folder — and its ledger — again, even with values added.
std::string sweep_folder_name(const recipe::Recipe& recipe, const std::vector<GridAxis>& grid);

}  // namespace xp::pipeline
