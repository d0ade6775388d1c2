#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include <cmath>

#include "core/report/plot.h"
#include "tests/test_support.h"

using namespace xp;

TEST_CASE("histogram_chart draws taller bars for fuller bins") {
  // Bin 0 holds 9 values, the last bin 1: the left bar must be 9 times as tall as the right one.
  std::vector<double> values(9, 0.0);
  values.push_back(10.0);
  const cv::Mat chart = report::histogram_chart(values, 2, "test");
  REQUIRE(chart.type() == CV_8UC3);
  const auto bar_height = [&](int col) {  // blue pixels in one column
    int count = 0;
    for (int row = 0; row < chart.rows; ++row)
      if (chart.at<cv::Vec3b>(row, col) == cv::Vec3b(66, 133, 244)) ++count;
    return count;
  };
  const int left = bar_height(chart.cols / 4);
  const int right = bar_height(chart.cols * 3 / 4);
  CHECK(right > 0);
  CHECK(static_cast<double>(left) / right == doctest::Approx(9.0).epsilon(0.05));
}

TEST_CASE("tile_grid lays tiles out in rows with gaps, and write_png writes a readable PNG") {
  const cv::Mat red(10, 20, CV_8UC3, cv::Scalar(255, 0, 0));
  const cv::Mat grid = report::tile_grid({{red, red, red}, {red}}, 2);
  CHECK(grid.size() == cv::Size(3 * 22 + 2, 2 * 12 + 2));
  CHECK(grid.at<cv::Vec3b>(2, 2) == cv::Vec3b(255, 0, 0));
  CHECK(grid.at<cv::Vec3b>(14, 30) == cv::Vec3b(255, 255, 255));  // no tile there: background
  testing::TempDir dir;
  report::write_png(dir.path() / "grid.png", grid);
  const cv::Mat read = xp::testing::imread(dir.path() / "grid.png");
  CHECK(read.size() == grid.size());
  CHECK(read.at<cv::Vec3b>(2, 2) == cv::Vec3b(0, 0, 255));  // imread gives BGR: RGB red survived
}

TEST_CASE("bar_chart draws one bar per value, longer for larger values, none for NaN") {
  const cv::Mat chart = report::bar_chart(
      {"accuracy per trial", "", {{"t0", 0.90, ""}, {"t1", 0.95, ""}, {"t2", NAN, ""}}, true});
  REQUIRE(chart.type() == CV_8UC3);
  const auto bar_length = [&](int row_index) {  // blue pixels across the middle of a bar's row
    const int row = 40 + row_index * 26 + 13;
    int count = 0;
    for (int col = 0; col < chart.cols; ++col)
      if (chart.at<cv::Vec3b>(row, col) == cv::Vec3b(66, 133, 244)) ++count;
    return count;
  };
  CHECK(chart.rows == 40 + 16 + 3 * 26);
  CHECK(bar_length(0) > 0);
  CHECK(bar_length(1) >
        bar_length(0));  // close values stay apart: the axis starts below the smallest
  CHECK(bar_length(1) > 2 * bar_length(0));
  CHECK(bar_length(2) == 0);
}

TEST_CASE("line_chart draws each series in its colour where report.html's SVG would put it") {
  report::LineChart chart;
  chart.width = 400, chart.height = 300;
  chart.series = {{"a", {0, 1, 2, 3}, {0, 1, 2, 3}, false}, {"b", {0, 3}, {3, 0}, false}};
  const cv::Mat png = report::line_chart(chart);
  REQUIRE(png.size() == cv::Size(400, 300));
  const auto pixels_of = [&](std::size_t series) {
    unsigned char rgb[3];
    report::series_rgb(series, rgb);
    int count = 0;
    for (int row = 0; row < png.rows; ++row)
      for (int col = 0; col < png.cols; ++col)
        count += png.at<cv::Vec3b>(row, col) == cv::Vec3b(rgb[0], rgb[1], rgb[2]);
    return count;
  };
  CHECK(pixels_of(0) > 100);
  CHECK(pixels_of(1) > 100);
  // The rising line starts at the plot's bottom-left corner: the axes chart.h fits.
  const auto axes = report::fit_axes(chart, 70, 400 - 20, 36, 300 - 48);
  const cv::Point start(static_cast<int>(std::lround(axes.x.pixel(0))),
                        static_cast<int>(std::lround(axes.y.pixel(0))));
  unsigned char blue[3];
  report::series_rgb(0, blue);
  bool near_start = false;  // anti-aliased: the pure colour within a pixel or two
  for (int dy = -2; dy <= 2; ++dy)
    for (int dx = -2; dx <= 2; ++dx)
      near_start |=
          png.at<cv::Vec3b>(start + cv::Point(dx, dy)) == cv::Vec3b(blue[0], blue[1], blue[2]);
  CHECK(near_start);

  report::LineChart empty;
  empty.series = {{"x", {1, 2}, {NAN, NAN}, false}};
  CHECK(report::line_chart(empty).size() == cv::Size(760, 300));
}
