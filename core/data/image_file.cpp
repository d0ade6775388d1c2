#include "core/data/image_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <filesystem>

#include "core/data/image_header.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace xp::data {

std::string image_extension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return extension;
}

bool has_image_extension(const std::string& path) {
  static const std::array<std::string, 9> kExtensions = {".jpg",  ".jpeg", ".png", ".bmp", ".tif",
                                                         ".tiff", ".webp", ".ppm", ".pgm"};
  return std::find(kExtensions.begin(), kExtensions.end(), image_extension(path)) !=
         kExtensions.end();
}

std::string image_file_problem(const std::string& path, std::int64_t max_pixels) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return "cannot be read (" + error.message() + ")";
  if (size == 0) return "is empty (0 bytes)";
  if (!has_image_extension(path))
    return "is not an image file (expected .jpg, .jpeg, .png, .bmp, .tif, .tiff, .webp, .ppm or "
           ".pgm)";
  // OpenCV picks a decoder from the file's first bytes: none means not an image it can read. A
  // header xp parses is one of OpenCV's formats already, so only others are asked (one open less).
  const ImageHeader header = read_image_header(path);
  if (header.format.empty() && !cv::haveImageReader(path))
    return "is not an image OpenCV can decode (its content does not match any image format)";
  if (header.known() && header.pixels() > max_pixels)
    return str_cat("is ", header.cols, "x", header.rows, " = ", header.pixels(),
                   " pixels, more than data.max_image_pixels (", max_pixels,
                   "); raise it to use such images");
  return "";
}

std::pair<int, int> jpeg_dimensions(const std::string& path) {
  const ImageHeader header = read_image_header(path);
  if (header.format != "jpeg") return {0, 0};
  return {static_cast<int>(header.rows), static_cast<int>(header.cols)};
}

std::pair<int, int> header_dimensions(const std::string& path) {
  const ImageHeader header = read_image_header(path);
  return {static_cast<int>(header.rows), static_cast<int>(header.cols)};
}

int reduced_decode_factor(int rows, int cols, int min_shorter_side) {
  if (min_shorter_side <= 0 || rows <= 0 || cols <= 0) return 1;
  const int shorter = std::min(rows, cols);
  // libjpeg's scaled size is ceil(side / factor); floor keeps the guarantee conservative.
  for (int factor : {8, 4, 2})
    if (shorter / factor >= min_shorter_side) return factor;
  return 1;
}

cv::Mat read_image_rgb(const std::string& path, int min_shorter_side) {
  cv::Mat decoded;
  try {
    // IMREAD_COLOR: 3-channel BGR whatever the file holds (gray, alpha, 16-bit are converted).
    if (min_shorter_side <= 0) {
      decoded = cv::imread(path, cv::IMREAD_COLOR);
    } else {
      const std::string bytes = read_file(path);
      const ImageHeader header = parse_image_header(bytes);
      const bool jpeg =
          header.format == "jpeg";  // libjpeg scales while decoding; other decoders do not
      int mode = cv::IMREAD_COLOR;
      switch (jpeg ? reduced_decode_factor(static_cast<int>(header.rows),
                                           static_cast<int>(header.cols), min_shorter_side)
                   : 1) {
        case 2:
          mode = cv::IMREAD_REDUCED_COLOR_2;
          break;
        case 4:
          mode = cv::IMREAD_REDUCED_COLOR_4;
          break;
        case 8:
          mode = cv::IMREAD_REDUCED_COLOR_8;
          break;
        default:
          break;
      }
      // Empty: left undecoded, so that the problem is reported below as for imread.
      if (!bytes.empty())
        decoded = cv::imdecode(
            cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())),
            mode);
    }
  } catch (const cv::Exception& error) {
    throw DataError(path, "cannot be decoded as an image (", error.err, ")");
  }
  if (decoded.empty()) {
    const std::string problem = image_file_problem(path);
    throw DataError(
        path, problem.empty() ? "cannot be decoded as an image (corrupt or truncated)" : problem);
  }
  cv::Mat rgb;
  cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace xp::data
