#include "core/dist/liveness.h"

#include <doctest/doctest.h>

#include <vector>

using xp::dist::Liveness;
using xp::dist::rank_list;
using namespace std::chrono_literals;

TEST_CASE(
    "liveness: a rank whose count stands still past the limit is silent, one that beats is not") {
  const auto start = Liveness::Clock::time_point{} + 100s;
  Liveness watch({1, 2, 3}, 10s);
  watch.observe(1, "1", start + 1s);
  watch.observe(2, "1", start + 1s);
  watch.observe(3, "1", start + 1s);
  CHECK(watch.silent(start + 10s).empty());
  // Rank 1 beats on; rank 2 stops at its first count; rank 3 beats once more.
  for (int second = 2; second <= 20; ++second)
    watch.observe(1, std::to_string(second), start + std::chrono::seconds(second));
  watch.observe(3, "2", start + 5s);
  watch.observe(2, "1", start + 20s);        // the same count read again is no sign of life
  CHECK(watch.silent(start + 11s).empty());  // 10 s since rank 2's change: not past the limit
  CHECK(watch.silent(start + 12s) == std::vector<int>{2});
  CHECK(watch.silent(start + 16s) == std::vector<int>{2, 3});
  CHECK(watch.limit() == 10s);
}

TEST_CASE("liveness: a rank not seen yet is not silent (it may be on its way), once seen it is") {
  const auto start = Liveness::Clock::time_point{} + 5s;
  Liveness watch({4}, 3s);
  watch.observe(4, "", start);  // no count in the store yet
  CHECK(watch.silent(start + 60s).empty());
  watch.observe(4, "1", start + 60s);
  CHECK(watch.silent(start + 63s).empty());
  CHECK(watch.silent(start + 64s) == std::vector<int>{4});
  watch.observe(9, "1", start + 64s);  // not watched: ignored
  CHECK(watch.silent(start + 70s) == std::vector<int>{4});
}

TEST_CASE("liveness: rank lists read as prose") {
  CHECK(rank_list({2}) == "rank 2");
  CHECK(rank_list({1, 3}) == "ranks 1, 3");
}
