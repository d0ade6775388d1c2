#include "core/train/schedule.h"

#include <cmath>

#include "core/util/error.h"

namespace xp::train {

namespace {

// fastai v2's _cos_anneal(start, end, pos).
double cos_anneal(double start, double end, double pos) {
  return start + (1 + std::cos(M_PI * (1 - pos))) * (end - start) / 2;
}

// fastai v2's combine_scheds([pct_start, 1 − pct_start], [cos(a, b), cos(b, c)]) at pos.
double two_phase(double pos, double pct_start, double a, double b, double c) {
  if (pos < pct_start) return cos_anneal(a, b, pos / pct_start);
  return cos_anneal(b, c, (pos - pct_start) / (1 - pct_start));
}

}  // namespace

double total_epochs_unbounded(const ScheduleOptions& options) {
  XP_CHECK(options.cycles >= 1, "cycles must be >= 1, got ", options.cycles);
  XP_CHECK(options.cycle_len >= 1, "cycle_len must be >= 1, got ", options.cycle_len);
  XP_CHECK(options.cycle_mult >= 1, "cycle_mult must be >= 1, got ", options.cycle_mult);
  if (options.kind == ScheduleKind::kOneCycle) return options.cycle_len;
  const double a = options.cycle_len;
  const double r = options.cycle_mult;
  const double n = options.cycles;
  if (options.cycle_mult == 1) return a * n;
  return std::ceil(a * (1 - std::pow(r, n)) / (1 - r));
}

std::int64_t total_epochs(const ScheduleOptions& options) {
  const double epochs = total_epochs_unbounded(options);
  XP_CHECK(epochs <= static_cast<double>(kMaxEpochsPerFit), "a fit of ", epochs,
           " epochs is over the limit of ", kMaxEpochsPerFit);
  return static_cast<std::int64_t>(epochs);
}

std::vector<double> lr_multipliers(const ScheduleOptions& options, std::int64_t batches_per_epoch) {
  XP_CHECK(batches_per_epoch >= 1, "a schedule needs at least one batch per epoch");
  const std::int64_t iterations = total_epochs(options) * batches_per_epoch;
  std::vector<double> out(static_cast<std::size_t>(iterations), 1.0);
  if (options.kind == ScheduleKind::kConstant) return out;
  if (options.kind == ScheduleKind::kOneCycle) {
    for (std::int64_t k = 0; k < iterations; ++k)
      out[static_cast<std::size_t>(k)] =
          two_phase(static_cast<double>(k) / static_cast<double>(iterations), options.pct_start,
                    1 / options.div, 1, 1 / options.div_final);
    return out;
  }

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

std::vector<double> momentum_values(const ScheduleOptions& options, std::int64_t batches_per_epoch,
                                    double momentum) {
  const std::int64_t iterations = total_epochs(options) * batches_per_epoch;
  std::vector<double> out(static_cast<std::size_t>(iterations), momentum);
  if (options.kind != ScheduleKind::kOneCycle) return out;
  const auto& moms = options.moms;
  for (std::int64_t k = 0; k < iterations; ++k)
    out[static_cast<std::size_t>(k)] =
        two_phase(static_cast<double>(k) / static_cast<double>(iterations), options.pct_start,
                  moms[0], moms[1], moms[2]);
  return out;
}

std::vector<std::int64_t> cycle_end_epochs(const ScheduleOptions& options) {
  if (options.kind == ScheduleKind::kOneCycle)
    return {total_epochs(options)};  // constant: a cycle per epoch
  std::vector<std::int64_t> ends;
  std::int64_t end = 0;
  std::int64_t length = options.cycle_len;
  for (int cycle = 0; cycle < options.cycles; ++cycle) {
    end += length;
    ends.push_back(end);
    length *= options.cycle_mult;
  }
  return ends;
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kSgdr:
      return "sgdr";
    case ScheduleKind::kOneCycle:
      return "one_cycle";
    case ScheduleKind::kConstant:
      break;
  }
  return "constant";
}

}  // namespace xp::train
