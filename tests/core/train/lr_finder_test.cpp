// The LR finder's arithmetic against fastai's formulas (shared/reference/fastai.md §1).
#include <doctest/doctest.h>

#include <cmath>

#include "core/train/lr_finder.h"

using namespace xp::train;

TEST_CASE("lr_find schedule: fastai 0.7's exponential and linear ramps") {
  // Exponential: lr_i = start · (end/start)^(i/n), so the last batch stops one step short of end.
  const auto exponential = lr_find_multipliers(1e-5, 10, 100, false);
  REQUIRE(exponential.size() == 100);
  CHECK(exponential[0] == 1.0);
  CHECK(1e-5 * exponential[50] == doctest::Approx(1e-5 * std::pow(1e6, 0.5)));
  CHECK(1e-5 * exponential[99] == doctest::Approx(10.0 / std::pow(1e6, 0.01)));
  // Linear: lr_i = start · (end/start)/n · i: the first batch trains at LR 0.
  const auto linear = lr_find_multipliers(1e-3, 1, 10, true);
  CHECK(linear[0] == 0.0);
  CHECK(1e-3 * linear[5] == doctest::Approx(0.5));
}

TEST_CASE("lr_find stop: NaN or above 4x the best, the best counted only after 10 batches") {
  DivergenceStop stop;
  // Batches 0-10 never set the best (it stays 1e9), so a jump there does not stop.
  for (int batch = 0; batch <= 10; ++batch) CHECK_FALSE(stop.should_stop(batch == 5 ? 100.0 : 1.0));
  CHECK_FALSE(stop.should_stop(0.5));  // batch 11: best = 0.5
  CHECK_FALSE(stop.should_stop(2.0));  // 4 × 0.5 = 2 is not above it
  CHECK(stop.should_stop(2.01));
  DivergenceStop nan_stop;
  CHECK(nan_stop.should_stop(std::nan("")));
}

TEST_CASE("lr_find suggestions on a textbook curve: falling, a valley, then divergence") {
  // 100 points from 1e-7 to 10; the loss falls between 1e-4 and 1e-1 and rises after.
  std::vector<double> lrs, losses;
  for (int i = 0; i < 100; ++i) {
    const double lr = 1e-7 * std::pow(1e8, i / 100.0);
    const double x = std::log10(lr);  // -7 … 1
    lrs.push_back(lr);
    losses.push_back(x < -4 ? 2.0 : x < -1 ? 2.0 - 0.5 * (x + 4) : 0.5 + 2 * (x + 1) * (x + 1));
  }
  const LrSuggestions s = suggest_lrs(lrs, losses, 100);
  REQUIRE(s.valid);
  // The lowest loss is at lr ≈ 1e-1: minimum = that / 10.
  CHECK(std::log10(s.minimum) == doctest::Approx(-2.0).epsilon(0.05));
  // The steepest fall and the valley lie inside the falling stretch.
  CHECK(s.steep > 1e-4);
  CHECK(s.steep < 1e-1);
  CHECK(s.valley > 1e-4);
  CHECK(s.valley < 1e-1);
  // Too few points: no suggestions.
  CHECK_FALSE(suggest_lrs({1, 2, 3}, {1, 1, 1}, 3).valid);
}
