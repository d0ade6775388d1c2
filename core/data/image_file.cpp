#include "core/data/image_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <filesystem>

#include "core/util/error.h"

namespace xp::data {

bool has_image_extension(const std::string& path) {
  static const std::array<std::string, 9> kExtensions = {".jpg", ".jpeg", ".png", ".bmp", ".tif",
                                                         ".tiff", ".webp", ".ppm", ".pgm"};
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(kExtensions.begin(), kExtensions.end(), extension) != kExtensions.end();
}

std::string image_file_problem(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return "cannot be read (" + error.message() + ")";
  if (size == 0) return "is empty (0 bytes)";
  if (!has_image_extension(path)) return "is not an image file (expected .jpg, .jpeg, .png, .bmp, .tif, .tiff, .webp, .ppm or .pgm)";
  // OpenCV picks a decoder from the file's first bytes: none means not an image it can read.
  if (!cv::haveImageReader(path)) return "is not an image OpenCV can decode (its content does not match any image format)";
  return "";
}

cv::Mat read_image_rgb(const std::string& path) {
  cv::Mat decoded;
  try {
    // IMREAD_COLOR: 3-channel BGR whatever the file holds (gray, alpha, 16-bit are converted).
    decoded = cv::imread(path, cv::IMREAD_COLOR);
  } catch (const cv::Exception& error) {
    throw DataError(path, "cannot be decoded as an image (", error.err, ")");
  }
  if (decoded.empty()) {
    const std::string problem = image_file_problem(path);
    throw DataError(path, problem.empty() ? "cannot be decoded as an image (corrupt or truncated)" : problem);
  }
  cv::Mat rgb;
  cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace xp::data
