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

// Runs `code` with Debian's Python (torch lives there) and returns what it prints.
std::string run_python(const char* code, const std::string& arguments) {
  xp::testing::TempDir dir;
  const auto script = dir.path() / "reference.py";
  xp::testing::write_text(script, code);
  FILE* pipe = popen(
      ("/usr/bin/python3 " + script.string() + " " + arguments + " 2>/dev/null").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  REQUIRE(pclose(pipe) == 0);
  return output;
}

std::pair<long, std::vector<double>> fastai_reference(int batches, int cycle_len, int cycle_mult,
                                                      int cycles) {
  std::istringstream in(
      run_python(kFastaiCosAnneal, std::to_string(batches) + " " + std::to_string(cycle_len) + " " +
                                       std::to_string(cycle_mult) + " " + std::to_string(cycles)));
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
  } cases[] = {{20, 1, 2, 3}, {37, 1, 1, 3},  {10, 2, 1, 1},
               {7, 1, 2, 4},  {100, 3, 3, 2}, {1, 1, 1, 2}};
  for (const auto& c : cases) {
    CAPTURE(c.batches);
    CAPTURE(c.cycle_len);
    CAPTURE(c.cycle_mult);
    CAPTURE(c.cycles);
    const auto [epochs, reference] =
        fastai_reference(c.batches, c.cycle_len, c.cycle_mult, c.cycles);
    ScheduleOptions options{ScheduleKind::kSgdr, c.cycles, c.cycle_len, c.cycle_mult};
    CHECK(total_epochs(options) == epochs);
    const auto ours = lr_multipliers(options, c.batches);
    REQUIRE(ours.size() == reference.size());
    for (std::size_t idx = 0; idx < ours.size(); ++idx)
      REQUIRE(ours[idx] == doctest::Approx(reference[idx]).epsilon(1e-12));
  }
}

TEST_CASE(
    "the documented simulation: nb=20, cycle_mult=2 starts 0.01, 0.994, 0.976 and restarts at "
    "1.0") {
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
  CHECK(total_epochs({ScheduleKind::kSgdr, 3, 1, 2}) ==
        7);  // fit(lr, 3, cycle_len=1, cycle_mult=2)
  CHECK(total_epochs({ScheduleKind::kSgdr, 1, 2, 1}) == 2);  // fit(1e-2, 1, cycle_len=2)
}

TEST_CASE("the constant schedule keeps the base LR") {
  const auto lrs = lr_multipliers({ScheduleKind::kConstant, 2, 1, 1}, 5);
  CHECK(lrs == std::vector<double>(10, 1.0));
}

namespace {

// fastai v2 (fastai/callback/schedule.py): fit_one_cycle's scheduler, re-typed with its torch
// tensors, stepped as TrainEvalCallback steps pct_train (+= 1/(n_iter·n_epoch) after each batch).
const char* const kFastaiOneCycle = R"PY(
import math, sys, torch
def _cos_anneal(start, end, pos): return start + (1 + math.cos(math.pi * (1-pos))) * (end-start) / 2
def SchedCos(start, end): return lambda pos: _cos_anneal(start, end, pos)
def combine_scheds(pcts, scheds):
    pcts = torch.tensor([0] + list(pcts))
    pcts = torch.cumsum(pcts, 0)
    pct_lim = len(pcts) - 2
    def _inner(pos):
        idx = min((pos >= pcts).nonzero().max(), pct_lim)
        actual_pos = (pos-pcts[idx]) / (pcts[idx+1]-pcts[idx])
        return scheds[idx](actual_pos.item())
    return _inner
def combined_cos(pct, start, middle, end):
    return combine_scheds([pct, 1-pct], [SchedCos(start, middle), SchedCos(middle, end)])
n_iter, n_epoch = int(sys.argv[1]), int(sys.argv[2])
pct_start, div, div_final = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
lr = combined_cos(pct_start, 1/div, 1, 1/div_final)
mom = combined_cos(pct_start, 0.95, 0.85, 0.95)
pct_train, lrs, moms = 0., [], []
for _ in range(n_iter * n_epoch):
    lrs.append(lr(pct_train)); moms.append(mom(pct_train))
    pct_train += 1./(n_iter*n_epoch)
print(" ".join(repr(x) for x in lrs)); print(" ".join(repr(x) for x in moms))
)PY";

std::vector<std::vector<double>> one_cycle_reference(int batches, int epochs, double pct_start,
                                                     double div, double div_final) {
  char arguments[128];
  std::snprintf(arguments, sizeof arguments, "%d %d %.17g %.17g %.17g", batches, epochs, pct_start,
                div, div_final);
  std::istringstream in(run_python(kFastaiOneCycle, arguments));
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(in, line);) {
    std::istringstream values(line);
    rows.emplace_back();
    for (double value; values >> value;) rows.back().push_back(value);
  }
  return rows;
}

}  // namespace

TEST_CASE(
    "one_cycle LR and momentum equal fastai v2's fit_one_cycle scheduler, iteration by iteration") {
  const struct {
    int batches, epochs;
    double pct_start, div, div_final;
  } cases[] = {
      {20, 1, 0.25, 25, 1e5}, {7, 3, 0.25, 25, 1e5}, {13, 2, 0.3, 5, 1e5}, {10, 4, 0.99, 25, 1e4}};
  for (const auto& c : cases) {
    CAPTURE(c.batches);
    CAPTURE(c.epochs);
    CAPTURE(c.pct_start);
    const auto reference =
        one_cycle_reference(c.batches, c.epochs, c.pct_start, c.div, c.div_final);
    REQUIRE(reference.size() == 2);
    ScheduleOptions options;
    options.kind = ScheduleKind::kOneCycle;
    options.cycle_len = c.epochs;
    options.pct_start = c.pct_start;
    options.div = c.div;
    options.div_final = c.div_final;
    CHECK(total_epochs(options) == c.epochs);
    const auto lrs = lr_multipliers(options, c.batches);
    const auto moms = momentum_values(options, c.batches, 0.9);
    REQUIRE(lrs.size() == reference[0].size());
    REQUIRE(moms.size() == reference[1].size());
    for (std::size_t idx = 0; idx < lrs.size(); ++idx) {
      CAPTURE(idx);
      // fastai keeps the phase boundaries in a float32 tensor, so its positions carry float32 rounding.
      REQUIRE(lrs[idx] == doctest::Approx(reference[0][idx]).epsilon(1e-6));
      REQUIRE(moms[idx] == doctest::Approx(reference[1][idx]).epsilon(1e-6));
    }
  }
}

TEST_CASE("cycle ends: sgdr's restarts, every epoch of a constant fit, one_cycle's last epoch") {
  CHECK(cycle_end_epochs({ScheduleKind::kSgdr, 3, 1, 2}) == std::vector<std::int64_t>{1, 3, 7});
  CHECK(cycle_end_epochs({ScheduleKind::kSgdr, 2, 2, 1}) == std::vector<std::int64_t>{2, 4});
  CHECK(cycle_end_epochs({ScheduleKind::kConstant, 3, 1, 1}) == std::vector<std::int64_t>{1, 2, 3});
  ScheduleOptions one_cycle;
  one_cycle.kind = ScheduleKind::kOneCycle;
  one_cycle.cycle_len = 5;
  CHECK(cycle_end_epochs(one_cycle) == std::vector<std::int64_t>{5});
  // SGD keeps its momentum under the other schedules.
  CHECK(momentum_values({ScheduleKind::kSgdr, 1, 1, 1}, 4, 0.9) == std::vector<double>(4, 0.9));
}
