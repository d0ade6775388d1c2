#include "core/data/exif_orientation.h"

#include <opencv2/core.hpp>

#include <cstdint>

namespace xp::data {

namespace {

std::uint32_t byte_at(std::string_view bytes, std::size_t pos) {
  return static_cast<unsigned char>(bytes[pos]);
}

// Reads the TIFF structure inside the EXIF segment: "II" (little-endian) or "MM" (big-endian), 42,
// the first IFD's offset, then 12-byte entries (tag, type, count, value).
int orientation_in_tiff(std::string_view tiff) {
  if (tiff.size() < 8) return 1;
  const bool little = tiff.substr(0, 2) == "II";
  if (!little && tiff.substr(0, 2) != "MM") return 1;
  const auto u16 = [&](std::size_t pos) {
    return little ? byte_at(tiff, pos) | byte_at(tiff, pos + 1) << 8
                  : byte_at(tiff, pos) << 8 | byte_at(tiff, pos + 1);
  };
  const auto u32 = [&](std::size_t pos) {
    return little ? u16(pos) | u16(pos + 2) << 16 : u16(pos) << 16 | u16(pos + 2);
  };
  if (u16(2) != 42) return 1;
  const std::size_t ifd = u32(4);
  if (ifd + 2 > tiff.size()) return 1;
  const std::size_t entries = u16(ifd);
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.size()) return 1;
    constexpr std::uint32_t kOrientationTag = 0x0112, kShort = 3;
    if (u16(entry) != kOrientationTag) continue;
    if (u16(entry + 2) != kShort) return 1;
    const int value = static_cast<int>(u16(entry + 8));  // a SHORT sits in the value's first bytes
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

}  // namespace

int jpeg_exif_orientation(std::string_view jpeg) {
  if (jpeg.size() < 4 || byte_at(jpeg, 0) != 0xFF || byte_at(jpeg, 1) != 0xD8) return 1;
  std::size_t pos = 2;
  // Marker segments up to the image data; EXIF sits in an APP1 near the start.
  while (pos + 4 <= jpeg.size()) {
    if (byte_at(jpeg, pos) != 0xFF) return 1;
    const std::uint32_t marker = byte_at(jpeg, pos + 1);
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // start of scan, end of image: no EXIF
    const std::size_t length = byte_at(jpeg, pos + 2) << 8 | byte_at(jpeg, pos + 3);
    if (length < 2 || pos + 2 + length > jpeg.size()) return 1;
    const std::string_view body = jpeg.substr(pos + 4, length - 2);
    constexpr std::string_view kExif("Exif\0\0", 6);
    if (marker == 0xE1 && body.substr(0, kExif.size()) == kExif)
      return orientation_in_tiff(body.substr(kExif.size()));
    pos += 2 + length;
  }
  return 1;
}

cv::Mat apply_exif_orientation(const cv::Mat& image, int orientation) {
  if (orientation < 2 || orientation > 8) return image;
  // 5–8 swap rows and columns first; then 2/6 mirror left-right, 3/7 turn 180°, 4/8 mirror
  // top-bottom, 5 nothing more.
  cv::Mat source = image;
  if (orientation >= 5) cv::transpose(image, source);
  constexpr int kNoFlip = 2;
  const int flip_code[] = {kNoFlip, kNoFlip, 1, -1, 0, kNoFlip, 1, -1, 0};
  if (flip_code[orientation] == kNoFlip) return source;
  cv::Mat turned;
  cv::flip(source, turned, flip_code[orientation]);
  return turned;
}

}  // namespace xp::data
