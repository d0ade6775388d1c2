// TensorBoard event files (event_file.h, run_events.h) read back by an independent reader and by
// TensorBoard's own (tests/tools/read_tfevents.py).
#include <doctest/doctest.h>

#include <filesystem>

#include "core/report/event_file.h"
#include "core/report/run_events.h"
#include "tests/test_support.h"

using namespace xp;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Both readers agree, and the independent one gives `expected`.
void check_read(const fs::path& folder, const json& expected_scalars, const json& expected_texts) {
  const json own = testing::read_event_files(folder, false);
  CHECK(own["scalars"] == expected_scalars);
  CHECK(own["texts"] == expected_texts);
  const json tensorboard = testing::read_event_files(folder, true);
  if (tensorboard.is_null()) return;
  CHECK(tensorboard["scalars"] == expected_scalars);
  CHECK(tensorboard["texts"] == expected_texts);
}

}  // namespace

TEST_CASE("EventFile: scalars and text, read back by TensorBoard and by an independent reader") {
  testing::TempDir dir;
  fs::path written;
  {
    report::EventFile events(dir.path());
    written = events.path();
    events.scalar("train/loss", 0, 2.5);
    events.scalar("train/loss", 1, 0.125);
    events.scalar("lr/group_0", 1, 0.01);  // not exact in float32: read back as the float
    events.text("stages", 0, "[0] fit");
  }
  CHECK(report::is_event_file_name(written.filename().string()));
  check_read(
      dir.path(),
      {{"train/loss", {{0, 2.5}, {1, 0.125}}}, {"lr/group_0", {{1, static_cast<float>(0.01)}}}},
      {{"stages", {{0, "[0] fit"}}}});
}

TEST_CASE(
    "RunEvents: a resumed run's restart makes TensorBoard drop what the stopped run logged "
    "after the resume point") {
  testing::TempDir dir;
  {  // the first run: a fit of 4 iterations stopped after iteration 2 (its resume point: 2)
    report::RunEvents first(dir.path(), "accuracy");
    first.begin_stage(0, "fit");
    for (int iteration = 0; iteration < 3; ++iteration) first.loss(iteration, 9, 9);
  }
  {  // resumed at iteration 2 of stage 0: the replayed iterations 0–1 are not written again
    report::RunEvents resumed(dir.path(), "accuracy");
    resumed.resume_at(0, 2);
    resumed.begin_stage(0, "fit");
    for (int iteration = 0; iteration < 4; ++iteration) resumed.loss(iteration, iteration, 1);
    resumed.epoch(0.5, 0.25, 0.75);
    resumed.begin_stage(1, "tta");
  }
  check_read(dir.path(),
             {{"train/loss", {{0, 9}, {1, 9}, {2, 2}, {3, 3}}},
              {"train/smoothed_loss", {{0, 9}, {1, 9}, {2, 1}, {3, 1}}},
              {"epoch/trn_loss", {{3, 0.5}}},
              {"epoch/val_loss", {{3, 0.25}}},
              {"epoch/accuracy", {{3, 0.75}}}},
             {{"stages", {{0, "[0] fit"}, {4, "[1] tta"}}}});
}

TEST_CASE(
    "RunEvents: a run stopped after an epoch's last iteration but before its validation logs that "
    "epoch's points when resumed, one step below its restart") {
  testing::TempDir dir;
  {  // a fit of one epoch of 4 iterations, every one trained, stopped in the validation
    report::RunEvents first(dir.path(), "accuracy");
    first.begin_stage(0, "fit");
    for (int iteration = 0; iteration < 4; ++iteration) first.loss(iteration, 9, 9);
  }
  {  // resumed at iteration 4 of stage 0: the restart is at step 4, the epoch ends at step 3
    report::RunEvents resumed(dir.path(), "accuracy");
    resumed.resume_at(0, 4);
    resumed.begin_stage(0, "fit");
    for (int iteration = 0; iteration < 4; ++iteration) resumed.loss(iteration, 1, 1);
    resumed.epoch(0.5, 0.25, 0.75);
  }
  check_read(dir.path(),
             {{"train/loss", {{0, 9}, {1, 9}, {2, 9}, {3, 9}}},
              {"train/smoothed_loss", {{0, 9}, {1, 9}, {2, 9}, {3, 9}}},
              {"epoch/trn_loss", {{3, 0.5}}},
              {"epoch/val_loss", {{3, 0.25}}},
              {"epoch/accuracy", {{3, 0.75}}}},
             {{"stages", {{0, "[0] fit"}}}});
}
