// Counter-based randomness: every draw is a pure function of (seed, stream keys), so results do not
// depend on thread count or scheduling (DESIGN.md, runners.md §5.4). Used for shuffling, subsets and,
// later, per-sample augmentation keyed by (seed, epoch, sample index).
//
//   Rng rng(seed, {kShuffleStream, epoch});
//   std::uint64_t r = rng.next();   double u = rng.uniform();
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace xp {

// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mix with good avalanche.
std::uint64_t mix64(std::uint64_t x);

class Rng {
 public:
  Rng(std::uint64_t seed, std::initializer_list<std::uint64_t> keys);
  std::uint64_t next();
  double uniform();                          // [0, 1), 53 random bits
  std::uint64_t below(std::uint64_t bound);  // [0, bound), unbiased (Lemire's rejection)

 private:
  std::uint64_t state_;
};

// A uniformly random permutation of 0..n-1 (Fisher–Yates driven by `rng`).
std::vector<std::int64_t> permutation(std::int64_t n, Rng& rng);

}  // namespace xp
