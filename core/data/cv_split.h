// fastai 0.7's validation split for from_csv: get_cv_idxs(n, cv_idx=0, val_pct=0.2, seed=42)
// (shared/reference/fastai.md §8.1):
//
//   np.random.seed(seed); idxs = np.random.permutation(n)
//   n_val = int(val_pct * n); return idxs[cv_idx*n_val : cv_idx*n_val + n_val]
//
// Reproduced exactly, so that a recipe validates on the very images a fastai notebook did: NumPy's
// legacy RandomState is MT19937 seeded with init_genrand, and its permutation is a Fisher–Yates
// shuffle from the end drawing each index by masked rejection sampling.
#pragma once

#include <cstdint>
#include <vector>

namespace xp::data {

// np.random.seed(seed); np.random.permutation(n), for seed < 2^32 and n < 2^32.
std::vector<std::int64_t> numpy_permutation(std::int64_t n, std::uint32_t seed);

// fastai's get_cv_idxs: the validation row indices, in permutation order. Throws UserError when
// the fold is empty (val_pct·n < 1) or runs past the end (cv_idx too large for n and val_pct).
std::vector<std::int64_t> fastai_cv_idxs(std::int64_t n, int cv_idx, double val_pct,
                                         std::uint32_t seed);

}  // namespace xp::data
