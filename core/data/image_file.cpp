#include "core/data/image_file.h"

#include <algorithm>
#include <array>
#include <filesystem>

#include "core/data/image_codec.h"
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
  // Judged from the file's first bytes, not its name: a JPEG named .png is read as the JPEG it is.
  const ImageHeader header = read_image_header(path);
  if (header.format.empty())
    return "is not an image xp can decode (its content does not match any image format)";
  if (!decodes_format(header.format))
    return str_cat("is a ", header.format,
                   " image, and this xp is built without OpenCV's imgcodecs (XP_IMGCODECS=OFF): "
                   "it decodes JPEG and PNG");
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

cv::Mat read_image_rgb(const std::string& path, int min_shorter_side) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const std::exception&) {
    // Unreadable: reported below by image_file_problem, as for any file that does not decode.
  }
  cv::Mat rgb;
  std::string why = "empty";
  if (!bytes.empty()) {
    try {
      rgb = decode_image_rgb(bytes, min_shorter_side);
    } catch (const std::exception& error) {
      why = error.what();
    }
  }
  if (rgb.empty()) {
    const std::string problem = image_file_problem(path);
    throw DataError(
        path, problem.empty() ? str_cat("cannot be decoded as an image (", why, ")") : problem);
  }
  return rgb;
}

}  // namespace xp::data
