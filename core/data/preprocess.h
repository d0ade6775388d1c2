// The deterministic image transform every sample goes through on its way to the model: resize to
// size×size, gray to three channels, scale to [0,1], normalize with the model's mean and std, and
// lay out as CHW float. (fastai's validation transform; the random augmentations of issue #4 sit
// in front of it.)
#pragma once

#include <array>
#include <cstdint>

namespace xp::data {

struct PreprocessOptions {
  int size = 224;                                   // output edge length
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};  // ImageNet statistics (torchvision)
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
};

// Reads an H×W×C uint8 image (C = 1 or 3, RGB order) and writes 3×size×size floats to `out`.
void preprocess_into(const std::uint8_t* pixels, int height, int width, int channels,
                     const PreprocessOptions& options, float* out);

}  // namespace xp::data
