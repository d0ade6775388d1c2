// Image files on disk: which files are images, and decoding one to RGB the way fastai 0.7's
// open_image does (OpenCV's imread, BGR → RGB: grayscale becomes three equal channels, an alpha
// channel is dropped, 16-bit samples are cut to 8 bits, a JPEG is turned upright by its EXIF
// orientation). image_codec.h says which library decodes which format.
#pragma once

#include <opencv2/core/mat.hpp>

#include "core/data/image_codec.h"  // reduced_decode_factor

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace xp::data {

// The file's extension in lower case, with its dot: ".jpg".
std::string image_extension(const std::string& path);

// True for the extensions xp reads as images: jpg, jpeg, png, bmp, tif, tiff, webp, ppm, pgm
// (case-insensitive).
bool has_image_extension(const std::string& path);

// Why `path` cannot be used as an image, judged cheaply (size, file signature and the pixel size its
// header claims, no decoding); "" when it looks fine. Used when a dataset is listed, so that bad
// files are found before training, and an image above `max_pixels` is refused before a worker
// allocates it (data.max_image_pixels).
std::string image_file_problem(const std::string& path,
                               std::int64_t max_pixels = std::numeric_limits<std::int64_t>::max());

// Decodes `path` to an 8-bit RGB image. Throws DataError naming the file when it cannot be decoded.
//
// With min_shorter_side > 0, a JPEG much larger than needed is decoded at 1/2, 1/4 or 1/8 of its
// size (libjpeg's DCT scaling, what OpenCV's IMREAD_REDUCED_COLOR_* does): the largest reduction whose shorter
// side still has at least min_shorter_side pixels. The image is then scaled the rest of the way as
// usual; decoding a 4000 px photo for a 224 px input becomes ~20x cheaper. The file is read once:
// its header is parsed from the same bytes the decoder gets.
cv::Mat read_image_rgb(const std::string& path, int min_shorter_side = 0);

// The pixel size of a JPEG file read from its frame header (rows, cols), or {0, 0} when `path`
// is not a JPEG or its header cannot be found in the first 256 KiB.
std::pair<int, int> jpeg_dimensions(const std::string& path);

// The pixel size (rows, cols) from the file's header without decoding (image_header.h: JPEG, PNG,
// BMP, PNM, WebP, TIFF); {0, 0} for other formats or an unreadable header.
std::pair<int, int> header_dimensions(const std::string& path);

}  // namespace xp::data
