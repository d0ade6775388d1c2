// fastai 0.7's training-time augmentation (old/fastai/transforms.py; shared/reference/fastai.md
// §6.1), applied per image on the CPU:
//
//   RandomScale(size, max_zoom) or Scale(size)     shorter side → size·U(1, max_zoom) with p 0.75
//   aug_tfms of the preset, in order:
//     side_on:  RandomRotate(10°, p 0.75, reflect) → RandomLighting(0.05, 0.05) → RandomFlip
//     top_down: RandomRotate(10°, p 0.75, reflect) → RandomLighting(0.05, 0.05) → RandomDihedral
//   RandomCrop(size)
//
// Every draw comes from an Rng keyed by (seed, epoch, sample index), so an image's augmentation
// does not depend on the number of loader threads. The draws are made first (draw_augmentation),
// then applied by small functions that each follow one fastai formula and are tested alone.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>

#include "core/data/data_options.h"
#include "core/data/preprocess.h"
#include "core/util/rng.h"

namespace xp::data {

// Parses "none" | "side_on" | "top_down"; throws UserError otherwise.
AugmentPreset parse_augment_preset(const std::string& name);
// The recipe's name of `preset`.
std::string augment_preset_name(AugmentPreset preset);

// fastai 0.7's constants.
inline constexpr double kScaleProbability = 0.75;
inline constexpr double kRotateDegrees = 10.0;
inline constexpr double kRotateProbability = 0.75;
inline constexpr double kLightingBalance = 0.05;   // b ~ U(−0.05, 0.05)
inline constexpr double kLightingContrast = 0.05;  // c_raw ~ U(−0.05, 0.05)

// The random choices for one image.
struct AugmentDraw {
  double zoom = 1.0;     // shorter side becomes int(zoom · size)
  double degrees = 0.0;  // rotation, counter-clockwise; 0 = not rotated
  bool lighting = false;
  double balance = 0.0;   // b
  double contrast = 1.0;  // c: c_raw + 1 if c_raw ≥ 0, else 1 / (1 − c_raw)
  int quarter_turns = 0;  // dihedral: rot90 k times (top_down)
  bool flip = false;      // horizontal flip (side_on, and the dihedral's flip)
  double crop_row = 0.0;  // U(0,1): the crop starts at floor(u · (H − size))
  double crop_col = 0.0;
};

AugmentDraw draw_augmentation(const AugmentOptions& options, Rng& rng);

// fastai RandomRotate's warp: about (W/2, H/2) in integer pixels, bilinear, reflected border.
cv::Mat rotate_reflect(const cv::Mat& image, double degrees);
// fastai RandomCrop at the drawn fractions.
cv::Mat random_crop(const cv::Mat& image, int size, double row_fraction, double col_fraction);
// fastai RandomDihedral / RandomFlip: k quarter turns counter-clockwise (np.rot90), then an
// optional horizontal flip (np.fliplr).
cv::Mat dihedral(const cv::Mat& image, int quarter_turns, bool flip);
// fastai RandomLighting on one value in [0, 1]: clip((x − μ)·c + μ + b, 0, 1), μ = the image mean.
inline float lighting(float x, double mean, double balance, double contrast) {
  const double y = (x - mean) * contrast + mean + balance;
  return static_cast<float>(y < 0 ? 0 : y > 1 ? 1 : y);
}

// The whole training transform of one RGB uint8 image, up to and including normalization:
// writes 3×size×size floats (or pixels and their table) to `out` (size, mean and std from
// `options`: the model's).
void augment_into(const cv::Mat& rgb, const AugmentDraw& draw, const PreprocessOptions& options,
                  const ChwOut& out);

}  // namespace xp::data
