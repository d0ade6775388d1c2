#include <doctest/doctest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/data/preprocess.h"

using namespace xp;

// Expected sizes and offsets worked out by hand from fastai 0.7's transforms.py:
//   scale_min: ratio = targ / min(r, c); size = max(floor(side · ratio), targ) per side
//   center_crop: start = ceil((side − min_sz) / 2)
TEST_CASE(
    "the shorter side scales to the target, the other keeps the aspect ratio (fastai scale_min)") {
  CHECK(data::scale_shorter_side(cv::Mat(40, 60, CV_8UC3), 20).size() == cv::Size(30, 20));
  CHECK(data::scale_shorter_side(cv::Mat(45, 31, CV_8UC3), 20).size() ==
        cv::Size(20, 29));  // 45·20/31 = 29.03
  CHECK(data::scale_shorter_side(cv::Mat(10, 16, CV_8UC3), 20).size() ==
        cv::Size(32, 20));  // enlarging
  CHECK(data::scale_shorter_side(cv::Mat(20, 50, CV_8UC3), 20).size() ==
        cv::Size(50, 20));  // unchanged
}

TEST_CASE(
    "scaling uses INTER_AREA both ways, as fastai's scale_min (enlarging too: 28 px Fashion-MNIST "
    "to 32)") {
  cv::Mat image(28, 28, CV_8UC3);
  cv::randu(image, 0, 255);
  const cv::Mat scaled = data::scale_shorter_side(image, 32);
  cv::Mat area;
  cv::Mat linear;
  cv::resize(image, area, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
  cv::resize(image, linear, cv::Size(32, 32), 0, 0, cv::INTER_LINEAR);
  CHECK(cv::norm(scaled, area, cv::NORM_INF) == 0);
  CHECK(cv::norm(area, linear, cv::NORM_INF) >
        10);  // the two interpolations differ visibly on noise
}

TEST_CASE("the centre crop starts at ceil((side - size) / 2) (fastai center_crop)") {
  cv::Mat rows(29, 20, CV_8UC1);
  for (int row = 0; row < rows.rows; ++row) rows.row(row).setTo(row);
  const cv::Mat crop = data::center_crop(rows, 20);
  CHECK(crop.size() == cv::Size(20, 20));
  CHECK(crop.at<std::uint8_t>(0, 0) == 5);  // ceil(9 / 2) = 5
  cv::Mat cols(20, 30, CV_8UC1);
  for (int col = 0; col < cols.cols; ++col) cols.col(col).setTo(col);
  CHECK(data::center_crop(cols, 20).at<std::uint8_t>(0, 0) == 5);  // ceil(10 / 2) = 5
}
