#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include "core/data/area_resize.h"

using namespace xp;

TEST_CASE(
    "resize_area equals OpenCV's INTER_AREA bit for bit, for colour and gray, any shrink factor") {
  cv::RNG rng(5);
  for (const int type : {CV_8UC3, CV_8UC1}) {
    cv::Mat image(471, 429, type);
    rng.fill(image, cv::RNG::UNIFORM, 0, 256);
    cv::GaussianBlur(image, image, cv::Size(5, 5), 0);  // photo-like, but keep some noise
    cv::Mat noise(image.size(), type);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 40);
    image += noise;
    for (const cv::Size size :
         {cv::Size(246, 270), cv::Size(224, 224), cv::Size(428, 470), cv::Size(13, 7),
          cv::Size(429, 100), cv::Size(143, 157) /* factor 3 */, cv::Size(300, 301)}) {
      CAPTURE(size);
      cv::Mat expected;
      cv::resize(image, expected, size, 0, 0, cv::INTER_AREA);
      const cv::Mat actual = data::resize_area(image, size);
      REQUIRE(actual.size() == size);
      REQUIRE(actual.type() == type);
      CHECK(cv::norm(expected, actual, cv::NORM_INF) == 0);
    }
  }
}
