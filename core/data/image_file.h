// Image files on disk: which files are images, and decoding one to RGB the way fastai 0.7's
// open_image does (OpenCV decode, BGR → RGB; grayscale becomes three equal channels; an alpha
// channel is dropped; 16-bit images are scaled to 8 bits).
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>

namespace xp::data {

// True for the extensions xp reads as images: jpg, jpeg, png, bmp, tif, tiff, webp, ppm, pgm
// (case-insensitive).
bool has_image_extension(const std::string& path);

// Why `path` cannot be used as an image, judged cheaply (size and file signature, no decoding);
// "" when it looks fine. Used when a dataset is listed, so that bad files are found before training.
std::string image_file_problem(const std::string& path);

// Decodes `path` to an 8-bit RGB image. Throws DataError naming the file when it cannot be decoded.
cv::Mat read_image_rgb(const std::string& path);

}  // namespace xp::data
