#include "core/data/preprocess.h"

#include <opencv2/imgproc.hpp>

#include "core/util/error.h"

namespace xp::data {

void preprocess_into(const std::uint8_t* pixels, int height, int width, int channels,
                     const PreprocessOptions& options, float* out) {
  XP_ASSERT(channels == 1 || channels == 3, "preprocess expects 1 or 3 channels, got ", channels);
  const int type = channels == 1 ? CV_8UC1 : CV_8UC3;
  const cv::Mat source(height, width, type, const_cast<std::uint8_t*>(pixels));
  cv::Mat resized;
  if (height == options.size && width == options.size) {
    resized = source;
  } else {
    // INTER_AREA when shrinking (fastai's Scale); bilinear when enlarging, where AREA degenerates.
    const bool shrinking = height > options.size || width > options.size;
    cv::resize(source, resized, cv::Size(options.size, options.size), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
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
