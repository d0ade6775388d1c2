// The deterministic image transform every sample goes through on its way to the model — fastai
// 0.7's validation transform: scale the shorter side to `size`, crop the centre size×size, gray
// to three channels, scale to [0,1], normalize with the model's mean and std, lay out as CHW
// float. (The random augmentations of issue #4 sit in front of it.)
#pragma once

#include <opencv2/core/mat.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace xp::data {

struct PreprocessOptions {
  int size = 224;                                        // output edge length
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};  // ImageNet statistics (torchvision)
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
};

// fastai 0.7's Scale: the shorter side becomes `target`, the other floor(side · ratio).
cv::Mat scale_shorter_side(const cv::Mat& image, int target);
// fastai 0.7's CenterCrop: the centre size×size (rows and columns start at ceil((side − size) / 2)).
cv::Mat center_crop(const cv::Mat& image, int size);

// Where an image's CHW planes go: 3×size×size model-ready floats, or — for a GPU, which then does
// the last step itself (lookup_pixels, loader.h) — the 3×size×size uint8 pixels and the 3×256
// table of what each (channel, value) becomes: a quarter of the bytes to copy, the same floats.
struct ChwOut {
  ChwOut(float* float_planes) : floats(float_planes) {}  // NOLINT: floats are the common case
  ChwOut(std::uint8_t* pixel_planes, float* lookup) : pixels(pixel_planes), table(lookup) {}
  float* floats = nullptr;
  std::uint8_t* pixels = nullptr;
  float* table = nullptr;
};

// Writes a size×size uint8 image (1 channel, or 3 in RGB order) as CHW planes, each value
// converted by convert(value, channel) — where the validation transform normalizes and the
// training augmentation also applies its lighting. convert is evaluated once per (channel, value)
// into a 256-entry table: the per-pixel work is a lookup (here, or on the GPU).
template <typename Convert>
void write_chw(const cv::Mat& square, int size, const ChwOut& out, Convert convert) {
  std::array<std::array<float, 256>, 3> table;
  for (int channel = 0; channel < 3; ++channel)
    for (int value = 0; value < 256; ++value)
      table[static_cast<std::size_t>(channel)][static_cast<std::size_t>(value)] =
          convert(static_cast<std::uint8_t>(value), channel);
  const int channels = square.channels();
  const int plane = size * size;
  for (int channel = 0; channel < 3; ++channel) {
    const int source_channel = channels == 1 ? 0 : channel;
    const float* lookup = table[static_cast<std::size_t>(channel)].data();
    for (int row = 0; row < size; ++row) {
      const std::uint8_t* line = square.ptr<std::uint8_t>(row) + source_channel;
      const int at = channel * plane + row * size;
      if (out.floats) {
        for (int col = 0; col < size; ++col) out.floats[at + col] = lookup[line[col * channels]];
      } else {
        for (int col = 0; col < size; ++col) out.pixels[at + col] = line[col * channels];
      }
    }
    if (!out.floats) std::copy(lookup, lookup + 256, out.table + channel * 256);
  }
}

// fastai's validation transform of an H×W uint8 image (1 channel, or 3 in RGB order): Scale,
// CenterCrop, normalize; writes 3×size×size floats (or pixels and their table) to `out`.
void preprocess_into(const cv::Mat& image, const PreprocessOptions& options, const ChwOut& out);

}  // namespace xp::data
