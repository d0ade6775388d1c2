#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "core/util/rng.h"

using namespace xp;

TEST_CASE("Rng draws are a pure function of seed and keys") {
  Rng a(42, {1, 7});
  Rng b(42, {1, 7});
  Rng c(42, {1, 8});
  Rng d(43, {1, 7});
  const auto first = a.next();
  CHECK(first == b.next());
  CHECK(first != c.next());
  CHECK(first != d.next());
}

TEST_CASE("uniform draws lie in 0..1 with mean near one half") {
  Rng rng(1, {});
  double sum = 0;
  for (int draw = 0; draw < 20000; ++draw) {
    const double u = rng.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  CHECK(sum / 20000 == doctest::Approx(0.5).epsilon(0.02));
}

TEST_CASE("below is in range and hits every value") {
  Rng rng(3, {});
  std::set<std::uint64_t> seen;
  for (int draw = 0; draw < 1000; ++draw) {
    const auto value = rng.below(7);
    REQUIRE(value < 7);
    seen.insert(value);
  }
  CHECK(seen.size() == 7);
}

TEST_CASE("permutation contains every index once and depends on the stream") {
  Rng rng(5, {0});
  auto order = permutation(100, rng);
  auto sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (int idx = 0; idx < 100; ++idx) CHECK(sorted[static_cast<std::size_t>(idx)] == idx);
  Rng other(5, {1});
  CHECK(permutation(100, other) != order);
}
