#include <doctest/doctest.h>

#include "core/pipeline/sweep.h"
#include "core/util/error.h"

using namespace xp::pipeline;

TEST_CASE("--grid values split at top-level commas only") {
  const GridAxis simple = parse_grid_option("stages[2].fit.lr=0.01, 0.03");
  CHECK(simple.key == "stages[2].fit.lr");
  CHECK(simple.values == std::vector<std::string>{"0.01", "0.03"});
  const GridAxis lists = parse_grid_option("stages[4].fit.lr=[1e-4,1e-3,1e-2],[1e-3, 1e-2, 1e-1]");
  CHECK(lists.values == std::vector<std::string>{"[1e-4,1e-3,1e-2]", "[1e-3, 1e-2, 1e-1]"});
  const GridAxis quoted = parse_grid_option("data.augment.preset='side_on',\"a,b\"");
  CHECK(quoted.values == std::vector<std::string>{"'side_on'", "\"a,b\""});
  CHECK_THROWS_AS(parse_grid_option("stages[0].fit.lr"), xp::UserError);
  CHECK_THROWS_AS(parse_grid_option("=0.1"), xp::UserError);
  CHECK_THROWS_AS(parse_grid_option("lr=0.1,,0.2"), xp::UserError);
  CHECK_THROWS_AS(parse_grid_option("lr=[0.1,0.2"), xp::UserError);
}

TEST_CASE("a grid expands to every combination, the first axis varying slowest") {
  const auto trials = expand_grid({{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}});
  REQUIRE(trials.size() == 6);
  CHECK(trials[0] == std::vector<std::string>{"a=1", "b=x"});
  CHECK(trials[1] == std::vector<std::string>{"a=1", "b=y"});
  CHECK(trials[3] == std::vector<std::string>{"a=2", "b=x"});
  CHECK(trials[5] == std::vector<std::string>{"a=2", "b=z"});
}
