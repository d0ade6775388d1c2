// xp's LR suggestions against fastai v2's suggestion functions run by NumPy at test time.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include "core/train/lr_finder.h"
#include "tests/test_support.h"

using namespace xp;

namespace {

std::vector<double> numbers_after_colon(const std::string& line) {
  std::istringstream in(line.substr(line.find(':') + 1));
  std::vector<double> values;
  for (std::string token; in >> token;)
    values.push_back(token == "nan" ? std::nan("") : std::stod(token));
  return values;
}

}  // namespace

TEST_CASE("lr_find suggestions equal fastai v2's valley, slide, minimum and steep") {
  testing::TempDir dir;
  const auto out = dir.path() / "curves.txt";
  REQUIRE(testing::run_python_tool("lr_suggestions.py", out.string()) == 0);
  std::istringstream lines(testing::read_text(out));
  int cases = 0;
  for (std::string curve, losses, expected; std::getline(lines, curve) &&
                                            std::getline(lines, losses) &&
                                            std::getline(lines, expected);) {
    const std::vector<double> lrs = numbers_after_colon(curve);
    const std::vector<double> loss_values = numbers_after_colon(losses);
    const std::vector<double> want = numbers_after_colon(expected);
    CAPTURE(cases);
    const train::LrSuggestions got =
        train::suggest_lrs(lrs, loss_values, static_cast<std::int64_t>(lrs.size()));
    REQUIRE(got.valid);
    CHECK(got.valley == doctest::Approx(want[0]).epsilon(1e-12));
    CHECK(got.slide == doctest::Approx(want[1]).epsilon(1e-12));
    CHECK(got.minimum == doctest::Approx(want[2]).epsilon(1e-12));
    CHECK(got.steep == doctest::Approx(want[3]).epsilon(1e-12));
    ++cases;
  }
  CHECK(cases == 12);
}
