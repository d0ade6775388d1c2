// JPEG decoding and encoding through libjpeg-turbo's TurboJPEG API: the decoder OpenCV's imread
// wraps (same library, same defaults: accurate integer DCT, fancy upsampling), without OpenCV's
// imgcodecs, whose Debian build pulls in GDAL and ~140 other libraries (see image_codec.h).
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <string_view>

namespace xp::data {

// Decodes a JPEG to 8-bit RGB (grayscale to three equal channels, CMYK/YCCK converted as OpenCV
// does), scaled while decoding by 1/`reduction` (1, 2, 4 or 8: libjpeg's DCT scaling; each side
// becomes ceil(side / reduction)), and turned upright by its EXIF orientation. Recoverable damage
// (a truncated file) decodes as far as the data goes, as in OpenCV; anything else throws
// std::runtime_error with libjpeg's message.
cv::Mat decode_jpeg_rgb(std::string_view jpeg, int reduction = 1);

// Encodes an 8-bit RGB (or 1-channel gray) image as a baseline JPEG, 4:2:0 chroma subsampling for
// colour, at `quality` (1–100). Throws std::runtime_error with libjpeg's message.
std::string encode_jpeg(const cv::Mat& rgb, int quality);

}  // namespace xp::data
