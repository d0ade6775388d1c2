// fastai 0.7's augmentations, each against its formula (old/fastai/transforms.py).
#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/data/augment.h"
#include "core/data/preprocess.h"

using namespace xp;
using namespace xp::data;

namespace {

// A small image whose every pixel is different: value = 10·row + col (+ channel offsets).
cv::Mat numbered(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC3);
  for (int row = 0; row < rows; ++row)
    for (int col = 0; col < cols; ++col)
      image.at<cv::Vec3b>(row, col) = cv::Vec3b(10 * row + col, 100 + col, 200 - row);
  return image;
}

bool same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

TEST_CASE("RandomRotate by 90° about (W/2, H/2) is np.rot90 on an odd square image") {
  const cv::Mat image = numbered(5, 5);
  cv::Mat expected;
  cv::rotate(image, expected,
             cv::ROTATE_90_COUNTERCLOCKWISE);  // OpenCV: positive angles turn counter-clockwise
  CHECK(same(rotate_reflect(image, 90.0), expected));
  CHECK(same(rotate_reflect(image, 0.0), image));
}

TEST_CASE("RandomRotate reflects the border instead of filling it with black") {
  const cv::Mat white(9, 9, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Mat rotated = rotate_reflect(white, 10.0);
  CHECK(cv::norm(rotated, white, cv::NORM_INF) ==
        0);  // a constant image stays constant: no black corners
}

TEST_CASE("RandomCrop starts at floor(u · (side − size))") {
  const cv::Mat image = numbered(8, 12);
  const cv::Mat crop = random_crop(image, 4, 0.5, 0.99);
  CHECK(crop.size() == cv::Size(4, 4));
  CHECK(crop.at<cv::Vec3b>(0, 0) ==
        image.at<cv::Vec3b>(2, 7));  // floor(0.5·4) = 2, floor(0.99·8) = 7
  CHECK(random_crop(image, 4, 0.0, 0.0).at<cv::Vec3b>(0, 0) == image.at<cv::Vec3b>(0, 0));
}

TEST_CASE("RandomDihedral: k quarter turns like np.rot90, then np.fliplr") {
  const cv::Mat image = numbered(3, 3);
  // np.rot90 of [[a b c] [d e f] [g h i]] once is [[c f i] [b e h] [a d g]]: the top-left becomes c.
  CHECK(dihedral(image, 1, false).at<cv::Vec3b>(0, 0) == image.at<cv::Vec3b>(0, 2));
  CHECK(dihedral(image, 2, false).at<cv::Vec3b>(0, 0) == image.at<cv::Vec3b>(2, 2));
  CHECK(dihedral(image, 3, false).at<cv::Vec3b>(0, 0) == image.at<cv::Vec3b>(2, 0));
  CHECK(dihedral(image, 0, true).at<cv::Vec3b>(0, 0) == image.at<cv::Vec3b>(0, 2));
  CHECK(same(dihedral(image, 0, false), image));
}

TEST_CASE("RandomLighting: clip((x − μ)·c + μ + b, 0, 1)") {
  CHECK(lighting(0.5f, 0.4, 0.02, 1.05) == doctest::Approx((0.5 - 0.4) * 1.05 + 0.4 + 0.02));
  CHECK(lighting(0.99f, 0.4, 0.05, 1.05) == 1.0f);  // clipped above
  CHECK(lighting(0.0f, 0.6, -0.05, 1.05) == 0.0f);  // clipped below
}

TEST_CASE(
    "draws follow fastai's distributions: p 0.75 rotations within ±10°, contrast in [1/1.05, "
    "1.05]") {
  AugmentOptions options{AugmentPreset::kSideOn, 1.1};
  int rotated = 0, zoomed = 0, flipped = 0;
  const int samples = 4000;
  for (int idx = 0; idx < samples; ++idx) {
    Rng rng(5, {static_cast<std::uint64_t>(idx)});
    const AugmentDraw draw = draw_augmentation(options, rng);
    rotated += draw.degrees != 0.0;
    zoomed += draw.zoom != 1.0;
    flipped += draw.flip;
    CHECK(std::abs(draw.degrees) <= kRotateDegrees);
    CHECK(draw.zoom >= 1.0);
    CHECK(draw.zoom <= 1.1);
    CHECK(std::abs(draw.balance) <= kLightingBalance);
    CHECK(draw.contrast >= 1.0 / 1.05 - 1e-12);
    CHECK(draw.contrast <= 1.05 + 1e-12);
    CHECK(draw.quarter_turns == 0);  // side_on flips, it does not turn
    CHECK(draw.lighting);
  }
  CHECK(rotated == doctest::Approx(0.75 * samples).epsilon(0.05));
  CHECK(zoomed == doctest::Approx(0.75 * samples).epsilon(0.05));
  CHECK(flipped == doctest::Approx(0.5 * samples).epsilon(0.06));
}

TEST_CASE("top_down draws every dihedral symmetry, none draws nothing") {
  int turns[4] = {0, 0, 0, 0};
  for (int idx = 0; idx < 2000; ++idx) {
    Rng rng(9, {static_cast<std::uint64_t>(idx)});
    ++turns[draw_augmentation({AugmentPreset::kTopDown, 1.0}, rng).quarter_turns];
  }
  for (int count : turns) CHECK(count == doctest::Approx(500).epsilon(0.15));
  Rng rng(9, {1});
  const AugmentDraw none = draw_augmentation({AugmentPreset::kNone, 1.0}, rng);
  CHECK(none.zoom == 1.0);
  CHECK(none.degrees == 0.0);
  CHECK_FALSE(none.lighting);
  CHECK_FALSE(none.flip);
}

TEST_CASE("augment_into: zoom, crop and normalization compose as fastai's training transform") {
  const cv::Mat image(20, 30, CV_8UC3,
                      cv::Scalar(51, 102, 153));  // constant: only the arithmetic shows
  AugmentDraw draw;
  draw.zoom = 1.1;
  draw.lighting = true;
  draw.balance = 0.05;
  draw.contrast = 1.05;
  PreprocessOptions normalize;
  normalize.size = 16;
  normalize.mean = {0.5f, 0.5f, 0.5f};
  normalize.std = {0.25f, 0.25f, 0.25f};
  std::vector<float> out(3 * 16 * 16);
  augment_into(image, draw, normalize, out.data());
  // μ = (0.2 + 0.4 + 0.6) / 3 = 0.4; red: (0.2 − 0.4)·1.05 + 0.4 + 0.05 = 0.24 → (0.24 − 0.5) / 0.25.
  CHECK(out[0] == doctest::Approx((0.24 - 0.5) / 0.25).epsilon(1e-4));
  CHECK(out[16 * 16] == doctest::Approx(((0.4 - 0.4) * 1.05 + 0.45 - 0.5) / 0.25).epsilon(1e-4));
}

TEST_CASE("augment_into's one-warp rotate-and-crop equals rotate_reflect then random_crop") {
  cv::Mat image(30, 40, CV_8UC3);
  cv::randu(image, 0, 255);
  AugmentDraw draw;
  draw.degrees = 7.5;
  draw.crop_row = 0.3;
  draw.crop_col = 0.8;
  PreprocessOptions identity;
  identity.size = 24;
  identity.mean = {0, 0, 0};
  identity.std = {1, 1, 1};
  std::vector<float> out(3 * 24 * 24);
  augment_into(image, draw, identity, out.data());
  const cv::Mat expected =
      random_crop(rotate_reflect(data::scale_shorter_side(image, 24), 7.5), 24, 0.3, 0.8);
  double worst = 0;
  double total = 0;
  for (int row = 0; row < 24; ++row)
    for (int col = 0; col < 24; ++col)
      for (int channel = 0; channel < 3; ++channel) {
        const double difference = std::abs(out[channel * 576 + row * 24 + col] * 255.0 -
                                           expected.at<cv::Vec3b>(row, col)[channel]);
        worst = std::max(worst, difference);
        total += difference;
      }
  // The same bilinear samples, up to OpenCV's 1/32-pixel fixed-point warp (the shifted origin
  // rounds some sample positions the other way) and uint8 rounding.
  CHECK(worst <= 4.0);
  CHECK(total / (24 * 24 * 3) < 0.5);
}
