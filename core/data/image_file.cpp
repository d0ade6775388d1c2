#include "core/data/image_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace xp::data {

std::string image_extension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension;
}

bool has_image_extension(const std::string& path) {
  static const std::array<std::string, 9> kExtensions = {".jpg", ".jpeg", ".png", ".bmp", ".tif",
                                                         ".tiff", ".webp", ".ppm", ".pgm"};
  return std::find(kExtensions.begin(), kExtensions.end(), image_extension(path)) != kExtensions.end();
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

namespace {

constexpr std::size_t kHeaderBytes = 256 * 1024;

// The first `limit` bytes of `path` ("" when it cannot be opened).
std::string read_head(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string head(limit, '\0');
  in.read(head.data(), static_cast<std::streamsize>(limit));
  head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return head;
}

// A JPEG's (rows, cols) from its bytes: walk the marker segments (FF xx, then a big-endian length
// that counts itself) up to a start-of-frame marker: SOF0–SOF15 except DHT (C4), JPG (C8), DAC (CC).
std::pair<int, int> parse_jpeg_dimensions(std::string_view bytes) {
  const auto at = [&](std::size_t pos) { return static_cast<unsigned char>(bytes[pos]); };
  const std::size_t size = bytes.size();
  if (size < 4 || at(0) != 0xFF || at(1) != 0xD8) return {0, 0};
  std::size_t pos = 2;
  while (pos + 9 < size) {
    if (at(pos) != 0xFF) return {0, 0};
    const unsigned char marker = at(pos + 1);
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    const std::size_t length = (std::size_t{at(pos + 2)} << 8) | at(pos + 3);
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) return {(at(pos + 5) << 8) | at(pos + 6), (at(pos + 7) << 8) | at(pos + 8)};
    if (marker == 0xDA || length < 2) return {0, 0};  // image data before any frame header
    pos += 2 + length;
  }
  return {0, 0};
}

// A PNG's (rows, cols) from its IHDR chunk, always first: width and height, big-endian, at bytes 16–23.
std::pair<int, int> parse_png_dimensions(std::string_view bytes) {
  const auto at = [&](std::size_t pos) { return static_cast<unsigned char>(bytes[pos]); };
  if (bytes.size() < 24 || at(0) != 0x89 || bytes.substr(1, 3) != "PNG" || bytes.substr(12, 4) != "IHDR") return {0, 0};
  const auto be32 = [&](std::size_t pos) { return (at(pos) << 24) | (at(pos + 1) << 16) | (at(pos + 2) << 8) | at(pos + 3); };
  return {be32(20), be32(16)};
}

}  // namespace

std::pair<int, int> jpeg_dimensions(const std::string& path) {
  return parse_jpeg_dimensions(read_head(path, kHeaderBytes));
}

std::pair<int, int> header_dimensions(const std::string& path) {
  const std::string head = read_head(path, kHeaderBytes);
  const auto jpeg = parse_jpeg_dimensions(head);
  return jpeg.first > 0 ? jpeg : parse_png_dimensions(head);
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
      const auto [rows, cols] = parse_jpeg_dimensions(bytes);
      int mode = cv::IMREAD_COLOR;
      switch (reduced_decode_factor(rows, cols, min_shorter_side)) {
        case 2: mode = cv::IMREAD_REDUCED_COLOR_2; break;
        case 4: mode = cv::IMREAD_REDUCED_COLOR_4; break;
        case 8: mode = cv::IMREAD_REDUCED_COLOR_8; break;
        default: break;
      }
      // Empty: left undecoded, so that the problem is reported below as for imread.
      if (!bytes.empty())
        decoded = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())), mode);
    }
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
