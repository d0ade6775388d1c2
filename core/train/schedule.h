// Learning-rate schedules as per-iteration multipliers of each layer group's base LR, exactly as
// fastai 0.7 computes them (shared/reference/fastai.md §2.1):
//
//   constant  fit(lr, n):                       m_k = 1
//   sgdr      fit(lr, n, cycle_len, cycle_mult): CosAnneal — for the first nb/20 iterations of the
//             first cycle m = 1/100 (warm-up), otherwise m = (1 + cos(π·c/nb)) / 2 where c counts
//             iterations within the cycle; at c == nb the cycle restarts and nb ← nb·cycle_mult.
//   one_cycle fastai v2's fit_one_cycle(cycle_len, lr_max, div=25, div_final=1e5, pct_start=0.25):
//             with pos = k / iterations, cosine from 1/div up to 1 over pos ∈ [0, pct_start), then
//             cosine down to 1/div_final; momentum cosine moms[0] → moms[1], then moms[1] → moms[2].
//             Cosine from a to b at p ∈ [0, 1]: a + (1 + cos(π·(1 − p)))·(b − a)/2 (v2's SchedCos).
//
// Epochs: fastai's sum_geom(cycle_len or 1, cycle_mult, cycles); one_cycle: cycle_len.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace xp::train {

enum class ScheduleKind { kConstant, kSgdr, kOneCycle };

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kConstant;
  int cycles = 1;      // fastai's n_cycle
  int cycle_len = 1;   // epochs in the first cycle
  int cycle_mult = 1;  // growth of each following cycle
  // one_cycle (fastai v2's defaults)
  double pct_start = 0.25;
  double div = 25;
  double div_final = 1e5;
  std::array<double, 3> moms = {0.95, 0.85, 0.95};
};

// fastai's sum_geom(a, r, n): a·n if r == 1, else ceil(a·(1 − rⁿ)/(1 − r)).
std::int64_t total_epochs(const ScheduleOptions& options);
// The same in floating point, which cannot overflow (cycles: 100 with cycle_mult: 2 is ~1.3e30
// epochs): what a recipe check compares with kMaxEpochsPerFit before total_epochs is asked.
double total_epochs_unbounded(const ScheduleOptions& options);
constexpr std::int64_t kMaxEpochsPerFit = 1000000;

// The LR multiplier of every training iteration of the fit (total_epochs × batches_per_epoch).
std::vector<double> lr_multipliers(const ScheduleOptions& options, std::int64_t batches_per_epoch);
// The momentum (SGD) or β₁ (Adam) of every iteration: `momentum` throughout, except one_cycle's moms.
std::vector<double> momentum_values(const ScheduleOptions& options, std::int64_t batches_per_epoch,
                                    double momentum);
// The epochs (counted from 1) after which each cycle ends: sgdr's restarts, or the fit's last epoch.
std::vector<std::int64_t> cycle_end_epochs(const ScheduleOptions& options);

std::string to_string(ScheduleKind kind);

}  // namespace xp::train
