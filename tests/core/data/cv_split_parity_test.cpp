// xp's csv validation split against fastai 0.7's get_cv_idxs run by NumPy at test time.
#include <doctest/doctest.h>

#include <sstream>

#include "core/data/cv_split.h"
#include "tests/test_support.h"

using namespace xp;

TEST_CASE(
    "fastai_cv_idxs equals fastai's get_cv_idxs under NumPy, dataset sizes of the lessons and "
    "more") {
  testing::TempDir dir;
  const auto out = dir.path() / "cv_idxs.txt";
  REQUIRE(testing::run_python_tool("numpy_cv_idxs.py", out.string()) == 0);
  std::istringstream lines(testing::read_text(out));
  int cases = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::int64_t n = 0;
    int cv_idx = 0;
    double val_pct = 0;
    std::uint64_t seed = 0;
    std::string colon;
    fields >> n >> cv_idx >> val_pct >> seed >> colon;
    std::vector<std::int64_t> expected;
    for (std::int64_t idx = 0; fields >> idx;) expected.push_back(idx);
    CAPTURE(line.substr(0, line.find(':')));
    CHECK(data::fastai_cv_idxs(n, cv_idx, val_pct, static_cast<std::uint32_t>(seed)) == expected);
    ++cases;
  }
  CHECK(cases == 8);
}
