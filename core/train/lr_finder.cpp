#include "core/train/lr_finder.h"

#include <algorithm>
#include <cmath>

namespace xp::train {

std::vector<double> lr_find_multipliers(double start_last, double end_lr, std::int64_t n,
                                        bool linear) {
  std::vector<double> multipliers(static_cast<std::size_t>(n));
  const double ratio = end_lr / start_last;
  const double step =
      linear ? ratio / static_cast<double>(n) : std::pow(ratio, 1.0 / static_cast<double>(n));
  for (std::int64_t i = 0; i < n; ++i)
    multipliers[static_cast<std::size_t>(i)] =
        linear ? step * static_cast<double>(i) : std::pow(step, static_cast<double>(i));
  return multipliers;
}

bool DivergenceStop::should_stop(double smoothed_loss) {
  if (std::isnan(smoothed_loss) || smoothed_loss > 4 * best_) return true;
  if (smoothed_loss < best_ && recorded_ > 10) best_ = smoothed_loss;
  ++recorded_;
  return false;
}

namespace {

// numpy.gradient with unit spacing: one-sided differences at the ends, central inside.
std::vector<double> gradient(const std::vector<double>& values) {
  const std::size_t n = values.size();
  std::vector<double> out(n, 0.0);
  if (n < 2) return out;
  out[0] = values[1] - values[0];
  out[n - 1] = values[n - 1] - values[n - 2];
  for (std::size_t i = 1; i + 1 < n; ++i) out[i] = (values[i + 1] - values[i - 1]) / 2;
  return out;
}

// fastai's valley, loop for loop: max_start is set when max_end moves, from lds at that moment
// (it is not revised if lds[max_end] grows later in the same inner loop).
double valley(const std::vector<double>& lrs, const std::vector<double>& losses) {
  const long n = static_cast<long>(losses.size());
  std::vector<long> lds(static_cast<std::size_t>(n), 1);
  long max_start = 0;
  long max_end = 0;
  for (long i = 1; i < n; ++i)
    for (long j = 0; j < i; ++j) {
      auto& lds_i = lds[static_cast<std::size_t>(i)];
      const long lds_j = lds[static_cast<std::size_t>(j)];
      if (losses[static_cast<std::size_t>(i)] < losses[static_cast<std::size_t>(j)] &&
          lds_i < lds_j + 1)
        lds_i = lds_j + 1;
      if (lds[static_cast<std::size_t>(max_end)] < lds_i) {
        max_end = i;
        max_start = max_end - lds[static_cast<std::size_t>(max_end)];
      }
    }
  const double sections = static_cast<double>(max_end - max_start) / 3;
  long idx = max_start + static_cast<long>(sections) + static_cast<long>(sections / 2);
  if (idx < 0) idx += n;  // Python's negative index
  return lrs[static_cast<std::size_t>(idx)];
}

double slide(const std::vector<double>& lrs, const std::vector<double>& losses) {
  constexpr long kLrDiff = 15;
  constexpr double kThreshold = 0.005;
  const auto n = static_cast<long>(losses.size());
  const std::vector<double> slopes = gradient(losses);
  const auto at = [&](const std::vector<double>& values, long negative) {
    return values[static_cast<std::size_t>(n + negative)];
  };
  long right = -1;
  long left = right - kLrDiff;
  if (-left > n) return lrs.front();
  double suggestion = at(lrs, left);
  while (-left <= n && std::abs(at(slopes, right) - at(slopes, left)) > kThreshold) {
    suggestion = at(lrs, left);
    --right;
    --left;
  }
  return suggestion;
}

double steep(const std::vector<double>& lrs, const std::vector<double>& losses) {
  std::size_t best = 0;
  double steepest = INFINITY;
  for (std::size_t i = 0; i + 1 < losses.size(); ++i) {
    const double slope = (losses[i + 1] - losses[i]) / (std::log(lrs[i + 1]) - std::log(lrs[i]));
    if (slope < steepest) {
      steepest = slope;
      best = i;
    }
  }
  return lrs[best];
}

}  // namespace

LrSuggestions suggest_lrs(const std::vector<double>& lrs, const std::vector<double>& losses,
                          std::int64_t scheduled) {
  LrSuggestions suggestions;
  // fastai v2: lrs[num_it//10 : -5], losses likewise, then cut at the first NaN.
  const auto first = static_cast<std::size_t>(std::max<std::int64_t>(0, scheduled / 10));
  if (losses.size() < first + 5 + 2) return suggestions;
  const std::size_t last = losses.size() - 5;
  std::vector<double> window_lrs, window_losses;
  for (std::size_t i = first; i < last && !std::isnan(losses[i]); ++i) {
    window_lrs.push_back(lrs[i]);
    window_losses.push_back(losses[i]);
  }
  if (window_losses.size() < 2) return suggestions;
  suggestions.valley = valley(window_lrs, window_losses);
  suggestions.slide = slide(window_lrs, window_losses);
  const auto lowest =
      std::min_element(window_losses.begin(), window_losses.end()) - window_losses.begin();
  suggestions.minimum = window_lrs[static_cast<std::size_t>(lowest)] / 10;
  suggestions.steep = steep(window_lrs, window_losses);
  suggestions.valid = true;
  return suggestions;
}

}  // namespace xp::train
