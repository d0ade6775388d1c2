// Which decoder reads which image format. JPEG and PNG, nearly every dataset's formats, are decoded
// by xp itself through libjpeg-turbo and libpng (jpeg_codec.h, png_codec.h), pixel for pixel as
// OpenCV's imread decodes them; BMP, TIFF, WebP and PNM go through OpenCV's imgcodecs when xp is
// built with it (XP_IMGCODECS, on by default). Without it, xp's shared libraries besides LibTorch
// shrink from ~220 MB to ~80 MB: Debian's imgcodecs pulls in GDAL and ~140 other libraries, too much
// to carry to a machine where they cannot be installed (bench/gpu_bundle.sh).
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <string_view>

namespace xp::data {

// True when this build decodes `format` (an ImageHeader format: "jpeg", "png", "bmp", "pnm", "webp",
// "tiff"). JPEG and PNG always; the others with OpenCV's imgcodecs.
bool decodes_format(const std::string& format);

// True when this build has OpenCV's imgcodecs for the formats xp does not decode itself.
bool has_imgcodecs();

// Decodes an image file's bytes to 8-bit RGB, turned upright by a JPEG's EXIF orientation. With
// min_shorter_side > 0, a JPEG much larger than needed is scaled by 1/2, 1/4 or 1/8 while decoding
// (reduced_decode_factor); other formats are decoded whole. Throws std::runtime_error saying why
// (the decoder's message, or a format this build cannot decode).
cv::Mat decode_image_rgb(std::string_view bytes, int min_shorter_side = 0);

// The reduction (1, 2, 4 or 8) for a JPEG of `rows`×`cols`: the largest whose shorter side still
// has at least min_shorter_side pixels; 1 when min_shorter_side <= 0.
int reduced_decode_factor(int rows, int cols, int min_shorter_side);

// Encodes an 8-bit RGB (or gray) image in the format of `extension` (".jpg"/".jpeg" at
// `jpeg_quality`, ".png"; other extensions with imgcodecs). Throws std::runtime_error.
std::string encode_image(const std::string& extension, const cv::Mat& rgb, int jpeg_quality = 95);

}  // namespace xp::data
