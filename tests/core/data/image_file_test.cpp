// Reading image files: JPEG header sizes and the reduced-size decode.
#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include <opencv2/imgproc.hpp>

#include "core/data/image_file.h"
#include "tests/test_support.h"

using namespace xp;

namespace {

// A smooth colour gradient: reduced decoding and INTER_AREA agree closely on it.
cv::Mat gradient(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC3);
  for (int row = 0; row < rows; ++row)
    for (int col = 0; col < cols; ++col)
      image.at<cv::Vec3b>(row, col) = cv::Vec3b(static_cast<std::uint8_t>(255 * row / rows),
                                                static_cast<std::uint8_t>(255 * col / cols), 128);
  return image;
}

}  // namespace

TEST_CASE("jpeg_dimensions reads a JPEG's frame header, and nothing else") {
  testing::TempDir dir;
  const std::string jpeg = (dir.path() / "a.jpg").string();
  xp::testing::imwrite(jpeg, gradient(123, 457));
  CHECK(data::jpeg_dimensions(jpeg) == std::pair<int, int>{123, 457});
  const std::string png = (dir.path() / "a.png").string();
  xp::testing::imwrite(png, gradient(5, 7));
  CHECK(data::jpeg_dimensions(png) == std::pair<int, int>{0, 0});
  testing::write_text(dir.path() / "cut.jpg", "\xFF\xD8\xFF\xE0");
  CHECK(data::jpeg_dimensions((dir.path() / "cut.jpg").string()) == std::pair<int, int>{0, 0});
}

TEST_CASE("reduced_decode_factor keeps at least the pixels the transform needs") {
  CHECK(data::reduced_decode_factor(3000, 4000, 224) == 8);  // 375 ≥ 224
  CHECK(data::reduced_decode_factor(1000, 1500, 224) == 4);  // 250 ≥ 224, 125 < 224
  CHECK(data::reduced_decode_factor(500, 600, 224) == 2);
  CHECK(data::reduced_decode_factor(447, 600, 224) == 1);  // 223 < 224
  CHECK(data::reduced_decode_factor(3000, 4000, 0) == 1);  // off
}

TEST_CASE("read_image_rgb decodes a large JPEG at reduced size, close to the full decode") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "big.jpg").string();
  xp::testing::imwrite(path, gradient(960, 1280));
  const cv::Mat full = data::read_image_rgb(path);
  const cv::Mat reduced = data::read_image_rgb(path, 224);
  CHECK(full.size() == cv::Size(1280, 960));
  CHECK(reduced.size() == cv::Size(320, 240));  // 1/4: 240 ≥ 224, 1/8 would leave 120
  cv::Mat shrunk;
  cv::resize(full, shrunk, reduced.size(), 0, 0, cv::INTER_AREA);
  cv::Mat difference;
  cv::absdiff(shrunk, reduced, difference);
  CHECK(cv::mean(difference)[0] < 2.0);
  CHECK(cv::mean(difference)[1] < 2.0);
  // RGB either way: the BGR gradient's third (red) channel, the constant 128, comes first.
  CHECK(std::abs(cv::mean(reduced)[0] - 128) < 2.0);
}
