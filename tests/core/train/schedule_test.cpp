// The SGDR schedule against an independent reference: fastai 0.7's LR_Updater/CosAnneal classes,
// re-typed in Python from fastai's sgdr.py and run at test time, plus figures from
// shared/reference/fastai.md.
#include <doctest/doctest.h>

#include <cstdio>
#include <sstream>

#include "core/train/schedule.h"
#include "tests/test_support.h"

using namespace xp::train;

namespace {

// fastai 0.7 (old/fastai/sgdr.py): calc_lr runs in on_train_begin and after every batch.
const char* const kFastaiCosAnneal = R"PY(
import math, sys
class CosAnneal:
    def __init__(self, nb, cycle_mult=1):
        self.nb, self.cycle_mult = nb, cycle_mult
    def on_train_begin(self):
        self.cycle_iter, self.cycle_count, self.iteration = 0, 0, 0
        return self.calc_lr(1.0)
    def on_batch_end(self):
        self.iteration += 1
        return self.calc_lr(1.0)
    def calc_lr(self, init_lrs):
        if self.iteration < self.nb/20:
            self.cycle_iter += 1
            return init_lrs/100.
        cos_out = math.cos(math.pi*(self.cycle_iter)/self.nb) + 1
        self.cycle_iter += 1
        if self.cycle_iter == self.nb:
            self.cycle_iter = 0
            self.nb *= self.cycle_mult
            self.cycle_count += 1
        return init_lrs / 2 * cos_out
def sum_geom(a, r, n): return a*n if r == 1 else math.ceil(a*(1-r**n)/(1-r))
batches, cycle_len, cycle_mult, cycles = map(int, sys.argv[1:5])
epochs = sum_geom(cycle_len, cycle_mult, cycles)
s = CosAnneal(batches*cycle_len, cycle_mult)
lrs = [s.on_train_begin()]
for _ in range(epochs*batches - 1): lrs.append(s.on_batch_end())
print(epochs); print(" ".join(repr(x) for x in lrs))
)PY";

std::pair<long, std::vector<double>> fastai_reference(int batches, int cycle_len, int cycle_mult, int cycles) {
  xp::testing::TempDir dir;
  const auto script = dir.path() / "cos_anneal.py";
  xp::testing::write_text(script, kFastaiCosAnneal);
  const std::string command = "/usr/bin/python3 " + script.string() + " " + std::to_string(batches) + " " +
                              std::to_string(cycle_len) + " " + std::to_string(cycle_mult) + " " + std::to_string(cycles);
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  REQUIRE(pclose(pipe) == 0);
  std::istringstream in(output);
  long epochs = 0;
  in >> epochs;
  std::vector<double> lrs;
  for (double value; in >> value;) lrs.push_back(value);
  return {epochs, lrs};
}

}  // namespace

TEST_CASE("SGDR multipliers equal fastai 0.7's CosAnneal, iteration by iteration") {
  const struct {
    int batches, cycle_len, cycle_mult, cycles;
  } cases[] = {{20, 1, 2, 3}, {37, 1, 1, 3}, {10, 2, 1, 1}, {7, 1, 2, 4}, {100, 3, 3, 2}, {1, 1, 1, 2}};
  for (const auto& c : cases) {
    CAPTURE(c.batches);
    CAPTURE(c.cycle_len);
    CAPTURE(c.cycle_mult);
    CAPTURE(c.cycles);
    const auto [epochs, reference] = fastai_reference(c.batches, c.cycle_len, c.cycle_mult, c.cycles);
    ScheduleOptions options{ScheduleKind::kSgdr, c.cycles, c.cycle_len, c.cycle_mult};
    CHECK(total_epochs(options) == epochs);
    const auto ours = lr_multipliers(options, c.batches);
    REQUIRE(ours.size() == reference.size());
    for (std::size_t idx = 0; idx < ours.size(); ++idx) REQUIRE(ours[idx] == doctest::Approx(reference[idx]).epsilon(1e-12));
  }
}

TEST_CASE("the documented simulation: nb=20, cycle_mult=2 starts 0.01, 0.994, 0.976 and restarts at 1.0") {
  const auto lrs = lr_multipliers({ScheduleKind::kSgdr, 2, 1, 2}, 20);
  CHECK(lrs[0] == doctest::Approx(0.01));
  CHECK(lrs[1] == doctest::Approx(0.994).epsilon(1e-3));
  CHECK(lrs[2] == doctest::Approx(0.976).epsilon(1e-3));
  CHECK(lrs[19] == doctest::Approx(0.006).epsilon(0.05));
  CHECK(lrs[20] == doctest::Approx(1.0));
  CHECK(lrs[21] == doctest::Approx(0.998).epsilon(1e-3));
}

TEST_CASE("epoch counts follow fastai's sum_geom") {
  CHECK(total_epochs({ScheduleKind::kConstant, 2, 1, 1}) == 2);  // fit(1e-2, 2)
  CHECK(total_epochs({ScheduleKind::kSgdr, 3, 1, 1}) == 3);      // fit(1e-2, 3, cycle_len=1)
  CHECK(total_epochs({ScheduleKind::kSgdr, 3, 1, 2}) == 7);      // fit(lr, 3, cycle_len=1, cycle_mult=2)
  CHECK(total_epochs({ScheduleKind::kSgdr, 1, 2, 1}) == 2);      // fit(1e-2, 1, cycle_len=2)
}

TEST_CASE("the constant schedule keeps the base LR") {
  const auto lrs = lr_multipliers({ScheduleKind::kConstant, 2, 1, 1}, 5);
  CHECK(lrs == std::vector<double>(10, 1.0));
}
