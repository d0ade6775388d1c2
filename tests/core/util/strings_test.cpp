#include <doctest/doctest.h>

#include "core/util/strings.h"

using namespace xp;

TEST_CASE("edit_distance counts insertions, deletions and substitutions") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("cycle_len", "cycle_lenn") == 1);
  CHECK(edit_distance("batch_size", "bach_size") == 1);
}

TEST_CASE("closest_match suggests only near misses") {
  const std::vector<std::string> keys = {"cycle_len", "cycle_mult", "cycles", "lr"};
  CHECK(closest_match("cycle_lenn", keys) == "cycle_len");
  CHECK(closest_match("cycle_mul", keys) == "cycle_mult");
  CHECK(closest_match("learning_rate", keys).empty());
}

TEST_CASE("join and trim") {
  CHECK(join({"a", "b", "c"}) == "a, b, c");
  CHECK(join({}) == "");
  CHECK(trim("  x y \n") == "x y");
  CHECK(trim("   ") == "");
}
