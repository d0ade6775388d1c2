// End-to-end: fit's fastai v2 options from a recipe — one_cycle, Adam/AdamW, decoupled weight
// decay — and cycle snapshots.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::e2e;
using xp::testing::TempDir;

TEST_CASE("fit with one_cycle and adamw trains, logs v2's LR curve, and snapshots each cycle end") {
  TempDir dir;
  const auto recipe =
      write_recipe(dir.path(),
                   "  - fit: {lr: 0.002, schedule: one_cycle, cycle_len: 2, optimizer: adamw, "
                   "wd: 0.01, snapshots: true}\n");
  const Outcome run = run_xp(
      "run " + recipe + " --set stages[0].fit.cycles=2 --set stages[0].fit.snapshots=true --out " +
      (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find(
            "one_cycle cycle_len=2 pct_start=0.25 div=25 adamw wd=0.01 decoupled snapshots") !=
        std::string::npos);
  const fs::path folder = only_run(dir.path() / "results");
  // The SGDR stage has two 1-epoch cycles; the one_cycle stage is one cycle.
  CHECK(fs::exists(folder / "checkpoints" / "stage0-cycle0.h5"));
  CHECK(fs::exists(folder / "checkpoints" / "stage0-cycle1.h5"));
  CHECK(fs::exists(folder / "checkpoints" / "stage1-cycle0.h5"));
  CHECK(!fs::exists(folder / "checkpoints" / "stage1-cycle1.h5"));

  // lr_schedule.csv's one_cycle rows: lr/25 at the start, lr at 25% of the 32 iterations, then down.
  std::istringstream rows(xp::testing::read_text(folder / "lr_schedule.csv"));
  std::vector<double> head_lrs;
  for (std::string line; std::getline(rows, line);)
    if (line.rfind("1,", 0) == 0) head_lrs.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  REQUIRE(head_lrs.size() == 32);  // 2 epochs × 16 batches
  CHECK(head_lrs[0] == doctest::Approx(0.002 / 25));
  CHECK(head_lrs[8] == doctest::Approx(0.002));
  const double end_pos = (31.0 / 32 - 0.25) / 0.75;
  CHECK(head_lrs[31] ==
        doctest::Approx(0.002 + (1 + std::cos(M_PI * (1 - end_pos))) * (0.002 / 1e5 - 0.002) / 2));
}

TEST_CASE(
    "fit option errors: one_cycle keys under sgdr, L2 decay with adamw, several one_cycle cycles") {
  TempDir dir;
  const auto recipe =
      write_recipe(dir.path(),
                   "  - fit: {lr: 0.01, cycles: 2, pct_start: 0.3}\n"
                   "  - fit: {lr: 0.01, optimizer: adamw, wd_mode: l2}\n"
                   "  - fit: {lr: 0.01, schedule: one_cycle, cycles: 2, cycle_len: 1}\n");
  const Outcome check = run_xp("check " + recipe);
  CAPTURE(check.output);
  CHECK(check.exit_code == 2);
  CHECK(check.output.find("'stages[1].fit.pct_start': applies to schedule: one_cycle only") !=
        std::string::npos);
  CHECK(check.output.find(
            "'stages[2].fit.wd_mode': adamw's weight decay is decoupled by definition") !=
        std::string::npos);
  CHECK(check.output.find(
            "'stages[3].fit.cycles': one_cycle is a single cycle of cycle_len epochs") !=
        std::string::npos);
}
