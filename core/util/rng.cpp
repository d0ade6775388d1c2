#include "core/util/rng.h"

#include <numeric>
#include <utility>

namespace xp {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Rng::Rng(std::uint64_t seed, std::initializer_list<std::uint64_t> keys) : state_(mix64(seed)) {
  for (std::uint64_t key : keys) state_ = mix64(state_ ^ mix64(key));
}

std::uint64_t Rng::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound <= 1) return 0;
  // Rejection keeps every value equally likely: draws in the incomplete top range are discarded.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
  std::uint64_t draw;
  do draw = next();
  while (draw >= limit);
  return draw % bound;
}

std::vector<std::int64_t> permutation(std::int64_t n, Rng& rng) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  std::iota(out.begin(), out.end(), 0);
  for (std::int64_t idx = n - 1; idx > 0; --idx) {
    const auto other = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(idx + 1)));
    std::swap(out[static_cast<std::size_t>(idx)], out[static_cast<std::size_t>(other)]);
  }
  return out;
}

}  // namespace xp
