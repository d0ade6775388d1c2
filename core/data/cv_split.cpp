#include "core/data/cv_split.h"

#include <numeric>
#include <random>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::data {

namespace {

// NumPy's random_interval(max): draws from [0, max] by masking 32-bit outputs to the smallest
// all-ones mask covering max and rejecting values above max.
std::uint32_t random_interval(std::mt19937& engine, std::uint32_t max) {
  if (max == 0) return 0;
  std::uint32_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  std::uint32_t value = 0;
  do value = static_cast<std::uint32_t>(engine()) & mask;
  while (value > max);
  return value;
}

}  // namespace

std::vector<std::int64_t> numpy_permutation(std::int64_t n, std::uint32_t seed) {
  XP_CHECK(n >= 0 && n <= std::int64_t{0xffffffff},
           "numpy_permutation supports up to 2^32 items, got ", n);
  // std::mt19937's seed(value) is MT19937's init_genrand, the same as NumPy's legacy seeding of an int.
  std::mt19937 engine(seed);
  std::vector<std::int64_t> items(static_cast<std::size_t>(n));
  std::iota(items.begin(), items.end(), 0);
  for (std::int64_t i = n - 1; i >= 1; --i) {
    const std::uint32_t j = random_interval(engine, static_cast<std::uint32_t>(i));
    std::swap(items[static_cast<std::size_t>(i)], items[j]);
  }
  return items;
}

std::vector<std::int64_t> fastai_cv_idxs(std::int64_t n, int cv_idx, double val_pct,
                                         std::uint32_t seed) {
  // Python's int(val_pct * n): the double product truncated, as here.
  const auto n_val = static_cast<std::int64_t>(val_pct * static_cast<double>(n));
  if (n_val < 1)
    throw UserError(str_cat("data.valid_pct ", val_pct, " of ", n,
                            " labelled images leaves no validation image; "
                            "raise valid_pct or list data.valid_ids"));
  const std::int64_t first = std::int64_t{cv_idx} * n_val;
  if (first + n_val > n)
    throw UserError(str_cat("data.cv_idx ", cv_idx, " is past the last fold: ", n,
                            " images in folds of ", n_val, " (valid_pct ", val_pct,
                            ") allow cv_idx 0 to ", n / n_val - 1));
  const std::vector<std::int64_t> order = numpy_permutation(n, seed);
  return {order.begin() + first, order.begin() + first + n_val};
}

}  // namespace xp::data
