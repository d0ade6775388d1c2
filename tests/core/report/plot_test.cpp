#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>

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
  const cv::Mat read = cv::imread((dir.path() / "grid.png").string());
  CHECK(read.size() == grid.size());
  CHECK(read.at<cv::Vec3b>(2, 2) == cv::Vec3b(0, 0, 255));  // imread gives BGR: RGB red survived
}
