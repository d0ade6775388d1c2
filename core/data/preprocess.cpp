#include "core/data/preprocess.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "core/util/error.h"

namespace xp::data {

cv::Mat scale_shorter_side(const cv::Mat& image, int target) {
  const int shorter = std::min(image.rows, image.cols);
  if (shorter == target) return image;
  // fastai 0.7 scale_min: ratio = target / shorter side, each side floor(side · ratio), at least target.
  const double ratio = static_cast<double>(target) / shorter;
  const int rows = std::max(static_cast<int>(std::floor(image.rows * ratio)), target);
  const int cols = std::max(static_cast<int>(std::floor(image.cols * ratio)), target);
  // INTER_AREA when shrinking (fastai's Scale); bilinear when enlarging, where AREA degenerates.
  cv::Mat scaled;
  cv::resize(image, scaled, cv::Size(cols, rows), 0, 0, shorter > target ? cv::INTER_AREA : cv::INTER_LINEAR);
  return scaled;
}

cv::Mat center_crop(const cv::Mat& image, int size) {
  // fastai 0.7 center_crop: start = ceil((side − size) / 2).
  const int top = (image.rows - size + 1) / 2;
  const int left = (image.cols - size + 1) / 2;
  return image(cv::Rect(left, top, size, size));
}

void preprocess_into(const std::uint8_t* pixels, int height, int width, int channels,
                     const PreprocessOptions& options, float* out) {
  XP_ASSERT(channels == 1 || channels == 3, "preprocess expects 1 or 3 channels, got ", channels);
  const int type = channels == 1 ? CV_8UC1 : CV_8UC3;
  const cv::Mat source(height, width, type, const_cast<std::uint8_t*>(pixels));
  const cv::Mat resized = center_crop(scale_shorter_side(source, options.size), options.size);
  const int plane = options.size * options.size;
  for (int channel = 0; channel < 3; ++channel) {
    const int source_channel = channels == 1 ? 0 : channel;
    const float scale = 1.0f / (255.0f * options.std[static_cast<std::size_t>(channel)]);
    const float shift = options.mean[static_cast<std::size_t>(channel)] / options.std[static_cast<std::size_t>(channel)];
    float* destination = out + channel * plane;
    for (int row = 0; row < options.size; ++row) {
      const std::uint8_t* line = resized.ptr<std::uint8_t>(row);
      for (int col = 0; col < options.size; ++col)
        destination[row * options.size + col] = static_cast<float>(line[col * channels + source_channel]) * scale - shift;
    }
  }
}

}  // namespace xp::data
