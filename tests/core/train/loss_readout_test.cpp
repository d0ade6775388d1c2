// The learner reads its per-batch losses back from the device in groups: each loss reaches the
// caller once, in order, with its batch's index and size, when `every` of them are queued.
#include "core/train/loss_readout.h"

#include <doctest/doctest.h>
#include <torch/torch.h>

using xp::train::LossReadout;

TEST_CASE("LossReadout: losses come back in order with their batches, `every` at a time") {
  LossReadout readout(3);
  CHECK(readout.take().empty());
  const std::vector<float> losses = {2.5f, 1.25f, 0.1f, 7.0f};
  for (std::size_t idx = 0; idx < 2; ++idx) {
    readout.add(torch::tensor(losses[idx]), static_cast<std::int64_t>(idx), 8);
    CHECK_FALSE(readout.due());
  }
  readout.add(torch::tensor({losses[2]}), 2, 5);  // a one-element tensor reads as a scalar
  CHECK(readout.due());
  CHECK(readout.pending() == 3);
  const auto reads = readout.take();
  REQUIRE(reads.size() == 3);
  for (std::size_t idx = 0; idx < 3; ++idx) {
    CHECK(reads[idx].loss == static_cast<double>(losses[idx]));  // float's value, exactly
    CHECK(reads[idx].batch_index == static_cast<std::int64_t>(idx));
  }
  CHECK(reads[2].batch_size == 5);
  CHECK(readout.pending() == 0);
  readout.add(torch::tensor(losses[3]), 3, 8);
  const auto rest = readout.take();  // the epoch's end: whatever is queued
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].loss == 7.0);
  CHECK(xp::train::loss_readout_interval(false) == 1);
  CHECK(xp::train::loss_readout_interval(true) > 1);
}
