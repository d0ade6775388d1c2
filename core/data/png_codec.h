// PNG decoding and encoding through libpng, with the transforms OpenCV's imread(IMREAD_COLOR)
// applies, so that pixels match it: palette and low-bit gray expanded, 16-bit samples cut to their
// high byte, gray copied to three channels, alpha dropped (not blended), no gamma correction.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <string_view>

namespace xp::data {

// Decodes a PNG to 8-bit RGB. Throws std::runtime_error with libpng's message when it cannot.
cv::Mat decode_png_rgb(std::string_view png);

// Encodes an 8-bit RGB (or 1-channel gray) image as PNG, at zlib's fastest level: the files are
// plots and cached copies, written once and read back whole. Throws std::runtime_error.
std::string encode_png(const cv::Mat& rgb);

}  // namespace xp::data
