#include "core/train/schedule.h"

#include <cmath>

#include "core/util/error.h"

namespace xp::train {

std::int64_t total_epochs(const ScheduleOptions& options) {
  XP_CHECK(options.cycles >= 1, "cycles must be >= 1, got ", options.cycles);
  XP_CHECK(options.cycle_len >= 1, "cycle_len must be >= 1, got ", options.cycle_len);
  XP_CHECK(options.cycle_mult >= 1, "cycle_mult must be >= 1, got ", options.cycle_mult);
  const double a = options.cycle_len;
  const double r = options.cycle_mult;
  const int n = options.cycles;
  if (options.cycle_mult == 1) return static_cast<std::int64_t>(a * n);
  return static_cast<std::int64_t>(std::ceil(a * (1 - std::pow(r, n)) / (1 - r)));
}

std::vector<double> lr_multipliers(const ScheduleOptions& options, std::int64_t batches_per_epoch) {
  XP_CHECK(batches_per_epoch >= 1, "a schedule needs at least one batch per epoch");
  const std::int64_t iterations = total_epochs(options) * batches_per_epoch;
  std::vector<double> out(static_cast<std::size_t>(iterations), 1.0);
  if (options.kind == ScheduleKind::kConstant) return out;

  // A literal transcription of fastai 0.7's CosAnneal.calc_lr, called once per iteration.
  double nb = static_cast<double>(batches_per_epoch) * options.cycle_len;
  std::int64_t cycle_iter = 0;
  for (std::int64_t iteration = 0; iteration < iterations; ++iteration) {
    if (static_cast<double>(iteration) < nb / 20) {
      ++cycle_iter;
      out[static_cast<std::size_t>(iteration)] = 1.0 / 100;
      continue;
    }
    const double cos_out = std::cos(M_PI * static_cast<double>(cycle_iter) / nb) + 1;
    ++cycle_iter;
    if (static_cast<double>(cycle_iter) == nb) {
      cycle_iter = 0;
      nb *= options.cycle_mult;
    }
    out[static_cast<std::size_t>(iteration)] = cos_out / 2;
  }
  return out;
}

std::string to_string(ScheduleKind kind) { return kind == ScheduleKind::kSgdr ? "sgdr" : "constant"; }

}  // namespace xp::train
