// The deterministic image transform every sample goes through on its way to the model — fastai
// 0.7's validation transform: scale the shorter side to `size`, crop the centre size×size, gray
// to three channels, scale to [0,1], normalize with the model's mean and std, lay out as CHW
// float. (The random augmentations of issue #4 sit in front of it.)
#pragma once

#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>

namespace xp::data {

struct PreprocessOptions {
  int size = 224;                                   // output edge length
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};  // ImageNet statistics (torchvision)
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
};

// fastai 0.7's Scale: the shorter side becomes `target`, the other floor(side · ratio).
cv::Mat scale_shorter_side(const cv::Mat& image, int target);
// fastai 0.7's CenterCrop: the centre size×size (rows and columns start at ceil((side − size) / 2)).
cv::Mat center_crop(const cv::Mat& image, int size);

// Reads an H×W×C uint8 image (C = 1 or 3, RGB order) and writes 3×size×size floats to `out`.
void preprocess_into(const std::uint8_t* pixels, int height, int width, int channels,
                     const PreprocessOptions& options, float* out);

}  // namespace xp::data
