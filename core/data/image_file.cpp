#include "core/data/image_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <vector>

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

std::pair<int, int> jpeg_dimensions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> head(256 * 1024);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  const auto size = static_cast<std::size_t>(in.gcount());
  if (size < 4 || head[0] != 0xFF || head[1] != 0xD8) return {0, 0};
  // Walk the marker segments (FF xx, then a big-endian length that counts itself) up to a
  // start-of-frame marker: SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  std::size_t pos = 2;
  while (pos + 9 < size) {
    if (head[pos] != 0xFF) return {0, 0};
    const unsigned char marker = head[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    const std::size_t length = (std::size_t{head[pos + 2]} << 8) | head[pos + 3];
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) {
      const int rows = (head[pos + 5] << 8) | head[pos + 6];
      const int cols = (head[pos + 7] << 8) | head[pos + 8];
      return {rows, cols};
    }
    if (marker == 0xDA || length < 2) return {0, 0};  // image data before any frame header
    pos += 2 + length;
  }
  return {0, 0};
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
    int mode = cv::IMREAD_COLOR;  // 3-channel BGR whatever the file holds (gray, alpha, 16-bit are converted)
    if (min_shorter_side > 0) {
      const auto [rows, cols] = jpeg_dimensions(path);
      switch (reduced_decode_factor(rows, cols, min_shorter_side)) {
        case 2: mode = cv::IMREAD_REDUCED_COLOR_2; break;
        case 4: mode = cv::IMREAD_REDUCED_COLOR_4; break;
        case 8: mode = cv::IMREAD_REDUCED_COLOR_8; break;
        default: break;
      }
    }
    decoded = cv::imread(path, mode);
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
