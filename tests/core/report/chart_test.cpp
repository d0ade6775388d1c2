// The chart model both renderers draw from (report/chart.h): ticks, thinning, the axes of a line
// chart, where bars start.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/report/chart.h"

using namespace xp::report;

TEST_CASE("nice_ticks steps by 1, 2 or 5 times a power of ten and covers the range") {
  CHECK(nice_ticks(0, 1, 5) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  const auto ticks = nice_ticks(0.37, 2.91, 5);
  REQUIRE(ticks.size() >= 3);
  CHECK(ticks.front() == doctest::Approx(0.5));
  CHECK(ticks.back() == doctest::Approx(2.5));
  for (std::size_t i = 1; i < ticks.size(); ++i)
    CHECK(ticks[i] - ticks[i - 1] == doctest::Approx(0.5));
  CHECK(nice_ticks(3, 3, 5) == std::vector<double>{3});
}

TEST_CASE("a line chart's axes cover its series and markers, and integer_x ticks are whole") {
  LineChart chart;
  chart.integer_x = true;
  chart.series = {{"a", {1, 2, 3}, {0.5, NAN, 1.5}, true}, {"b", {1, 2}, {1.0, 1.0}, false}};
  chart.markers = {{4, "[1] fit"}};
  const LineChartAxes axes = fit_axes(chart, 10, 110, 20, 220);
  CHECK(axes.any);
  CHECK(axes.x.lo == 1);
  CHECK(axes.x.hi == 4);  // the marker widens x
  CHECK(axes.x.pixel(1) == 10);
  CHECK(axes.x.pixel(4) == 110);
  CHECK(axes.y.lo < 0.5);                            // padded
  CHECK(axes.y.pixel(1.0) == doctest::Approx(120));  // y grows upwards: bottom 220, top 20
  for (const double tick : x_ticks(chart, axes.x)) CHECK(tick == std::round(tick));

  LineChart log_chart;
  log_chart.log_x = true;
  log_chart.series = {{"lr", {1e-5, 1e-3, 0.0, -1.0}, {2, 1, 5, 5}, false}};
  const LineChartAxes log_axes = fit_axes(log_chart, 0, 100, 0, 100);
  CHECK(log_axes.x.lo == doctest::Approx(-5));  // non-positive values are left out
  CHECK(log_axes.x.hi == doctest::Approx(-3));
  CHECK(tick_label(1e-4, true) == "1e-04");

  LineChart empty;
  empty.series = {{"x", {1}, {NAN}, false}};
  CHECK_FALSE(fit_axes(empty, 0, 100, 0, 100).any);
}

TEST_CASE("bars start at zero, or for a zoomed chart of close values just below the smallest") {
  BarChart chart{"accuracy", "", {{"t0", 0.90, ""}, {"t1", 0.95, ""}, {"t2", NAN, ""}}, false};
  CHECK(bar_axis_start(chart) == 0);
  CHECK(largest_bar(chart) == 0.95);
  chart.zoom = true;
  CHECK(bar_axis_start(chart) == doctest::Approx(0.875));
  chart.bars = {{"a", 1, ""}, {"b", 10, ""}};  // far apart: zero stays the start
  CHECK(bar_axis_start(chart) == 0);
  chart.bars = {{"a", NAN, ""}};
  CHECK(std::isnan(bar_axis_start(chart)));
  CHECK(std::isnan(largest_bar(chart)));
}

TEST_CASE("series colours are matplotlib's tab10, as text for SVG and as bytes for PNG") {
  CHECK(std::string(series_color(0)) == "#1f77b4");
  CHECK(std::string(series_color(11)) == "#ff7f0e");
  unsigned char rgb[3];
  series_rgb(1, rgb);
  CHECK(rgb[0] == 0xff);
  CHECK(rgb[1] == 0x7f);
  CHECK(rgb[2] == 0x0e);
}
