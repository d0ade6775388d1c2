#include "core/data/augment.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "core/data/preprocess.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::data {

std::string augment_preset_name(AugmentPreset preset) {
  switch (preset) {
    case AugmentPreset::kNone:
      return "none";
    case AugmentPreset::kSideOn:
      return "side_on";
    case AugmentPreset::kTopDown:
      return "top_down";
  }
  return "?";
}

AugmentPreset parse_augment_preset(const std::string& name) {
  for (AugmentPreset preset :
       {AugmentPreset::kNone, AugmentPreset::kSideOn, AugmentPreset::kTopDown})
    if (augment_preset_name(preset) == name) return preset;
  throw UserError(str_cat("data.augment must be none, side_on or top_down, got '", name, "'"));
}

AugmentDraw draw_augmentation(const AugmentOptions& options, Rng& rng) {
  AugmentDraw draw;
  // Draws are made in a fixed order whatever applies, so one option does not shift another's.
  const double scale_p = rng.uniform();
  const double zoom = 1.0 + rng.uniform() * (options.max_zoom - 1.0);
  const double rotate_p = rng.uniform();
  const double degrees = (rng.uniform() * 2.0 - 1.0) * kRotateDegrees;
  const double balance = (rng.uniform() * 2.0 - 1.0) * kLightingBalance;
  const double contrast_raw = (rng.uniform() * 2.0 - 1.0) * kLightingContrast;
  const int quarter_turns = static_cast<int>(rng.below(4));
  const bool flip = rng.uniform() < 0.5;
  draw.crop_row = rng.uniform();
  draw.crop_col = rng.uniform();

  if (options.max_zoom > 1.0 && scale_p < kScaleProbability) draw.zoom = zoom;
  if (options.preset == AugmentPreset::kNone) return draw;
  if (rotate_p < kRotateProbability) draw.degrees = degrees;
  draw.lighting = true;
  draw.balance = balance;
  draw.contrast = contrast_raw >= 0 ? contrast_raw + 1.0 : 1.0 / (1.0 - contrast_raw);
  draw.flip = flip;
  if (options.preset == AugmentPreset::kTopDown) draw.quarter_turns = quarter_turns;
  return draw;
}

namespace {

// fastai RandomRotate's affine map: about (W/2, H/2) in integer pixels, counter-clockwise.
cv::Mat rotation_matrix(const cv::Mat& image, double degrees) {
  const cv::Point2f centre(static_cast<float>(image.cols / 2), static_cast<float>(image.rows / 2));
  return cv::getRotationMatrix2D(centre, degrees, 1.0);
}

// fastai RandomCrop's origin: floor(u · (side − size)) per axis.
cv::Point crop_origin(const cv::Mat& image, int size, double row_fraction, double col_fraction) {
  return {static_cast<int>(std::floor(col_fraction * (image.cols - size))),
          static_cast<int>(std::floor(row_fraction * (image.rows - size)))};
}

void warp_reflect(const cv::Mat& image, const cv::Mat& matrix, cv::Size size, cv::Mat& out) {
  cv::warpAffine(image, out, matrix, size, cv::INTER_LINEAR, cv::BORDER_REFLECT);
}

}  // namespace

cv::Mat rotate_reflect(const cv::Mat& image, double degrees) {
  cv::Mat rotated;
  warp_reflect(image, rotation_matrix(image, degrees), image.size(), rotated);
  return rotated;
}

cv::Mat random_crop(const cv::Mat& image, int size, double row_fraction, double col_fraction) {
  return image(
      cv::Rect(crop_origin(image, size, row_fraction, col_fraction), cv::Size(size, size)));
}

cv::Mat dihedral(const cv::Mat& image, int quarter_turns, bool flip) {
  // np.rot90 turns counter-clockwise. (A fresh Mat each time: writing into one that shares the
  // input's pixels would change the input.)
  cv::Mat out;
  if (quarter_turns == 0) out = image;
  if (quarter_turns == 1) cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
  if (quarter_turns == 2) cv::rotate(image, out, cv::ROTATE_180);
  if (quarter_turns == 3) cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
  if (flip) {
    cv::Mat flipped;
    cv::flip(out, flipped, 1);
    return flipped;
  }
  return out;
}

void augment_into(const cv::Mat& rgb, const AugmentDraw& draw, const PreprocessOptions& options,
                  const ChwOut& out) {
  XP_ASSERT(rgb.type() == CV_8UC3, "augment_into expects an 8-bit RGB image");
  const int size = options.size;
  const cv::Mat image = scale_shorter_side(rgb, static_cast<int>(draw.zoom * size));
  // Lighting's μ: the mean of the scaled image. fastai takes it after the rotation; a reflected
  // rotation moves the mean by ~1e-3, which changes the output by < 1e-4 (|1 − c| ≤ 0.05).
  double image_mean = 0.0;
  if (draw.lighting) {
    const cv::Scalar channel_means = cv::mean(image);
    image_mean = (channel_means[0] + channel_means[1] + channel_means[2]) / (3.0 * 255.0);
  }
  cv::Mat crop;
  if (draw.degrees != 0.0) {
    // Rotate-then-crop in one warp: only the size×size window is computed (the same pixels as
    // rotate_reflect followed by random_crop, at a fraction of the cost).
    const cv::Point origin = crop_origin(image, size, draw.crop_row, draw.crop_col);
    cv::Mat matrix = rotation_matrix(image, draw.degrees);
    matrix.at<double>(0, 2) -= origin.x;
    matrix.at<double>(1, 2) -= origin.y;
    warp_reflect(image, matrix, cv::Size(size, size), crop);
  } else {
    crop = random_crop(image, size, draw.crop_row, draw.crop_col);
  }
  // Cropping before the flip/dihedral is the same distribution as fastai's flip-then-crop, and
  // cheaper; lighting is per pixel, so it commutes with both.
  const cv::Mat square = dihedral(crop, draw.quarter_turns, draw.flip);
  write_chw(square, size, out, [&](std::uint8_t value, int channel) {
    float x = static_cast<float>(value) / 255.0f;
    if (draw.lighting) x = lighting(x, image_mean, draw.balance, draw.contrast);
    return (x - options.mean[static_cast<std::size_t>(channel)]) /
           options.std[static_cast<std::size_t>(channel)];
  });
}

}  // namespace xp::data
