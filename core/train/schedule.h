// Learning-rate schedules as per-iteration multipliers of each layer group's base LR, exactly as
// fastai 0.7 computes them (shared/reference/fastai.md §2.1):
//
//   constant  fit(lr, n):                       m_k = 1
//   sgdr      fit(lr, n, cycle_len, cycle_mult): CosAnneal — for the first nb/20 iterations of the
//             first cycle m = 1/100 (warm-up), otherwise m = (1 + cos(π·c/nb)) / 2 where c counts
//             iterations within the cycle; at c == nb the cycle restarts and nb ← nb·cycle_mult.
//
// Epochs: fastai's sum_geom(cycle_len or 1, cycle_mult, cycles).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xp::train {

enum class ScheduleKind { kConstant, kSgdr };

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kConstant;
  int cycles = 1;      // fastai's n_cycle
  int cycle_len = 1;   // epochs in the first cycle
  int cycle_mult = 1;  // growth of each following cycle
};

// fastai's sum_geom(a, r, n): a·n if r == 1, else ceil(a·(1 − rⁿ)/(1 − r)).
std::int64_t total_epochs(const ScheduleOptions& options);

// The LR multiplier of every training iteration of the fit (total_epochs × batches_per_epoch).
std::vector<double> lr_multipliers(const ScheduleOptions& options, std::int64_t batches_per_epoch);

std::string to_string(ScheduleKind kind);

}  // namespace xp::train
