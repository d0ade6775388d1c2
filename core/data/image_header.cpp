#include "core/data/image_header.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>

namespace xp::data {

namespace {

// Reads up to `count` bytes at `offset` (fewer at the end of the data, none past it).
using ReadAt = std::function<std::string(std::uint64_t offset, std::size_t count)>;

std::uint64_t byte(const std::string& bytes, std::size_t pos) {
  return static_cast<unsigned char>(bytes[pos]);
}
std::uint64_t be16(const std::string& b, std::size_t pos) {
  return byte(b, pos) << 8 | byte(b, pos + 1);
}
std::uint64_t le16(const std::string& b, std::size_t pos) {
  return byte(b, pos + 1) << 8 | byte(b, pos);
}
std::uint64_t be32(const std::string& b, std::size_t pos) {
  return be16(b, pos) << 16 | be16(b, pos + 2);
}
std::uint64_t le32(const std::string& b, std::size_t pos) {
  return le16(b, pos + 2) << 16 | le16(b, pos);
}
std::uint64_t le24(const std::string& b, std::size_t pos) {
  return byte(b, pos + 2) << 16 | le16(b, pos);
}

ImageHeader sized(const char* format, std::uint64_t rows, std::uint64_t cols) {
  // 2^31 per side is beyond any format's real images; larger values are garbage, not sizes.
  constexpr std::uint64_t kMaxSide = std::uint64_t{1} << 31;
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide) return {format, 0, 0};
  return {format, static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)};
}

// JPEG: marker segments (FF xx, then a big-endian length that counts itself) up to a start-of-frame
// marker: SOF0–SOF15 except DHT (C4), JPG (C8), DAC (CC). Only each segment's first bytes are read.
ImageHeader jpeg_header(const ReadAt& read) {
  constexpr int kMaxSegments = 100000;  // a real file has tens; bounds the walk over a crafted one
  std::uint64_t pos = 2;
  for (int segment = 0; segment < kMaxSegments; ++segment) {
    const std::string head = read(pos, 9);
    if (head.size() < 4 || byte(head, 0) != 0xFF) break;
    const auto marker = byte(head, 1);
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    const bool start_of_frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame)
      return head.size() < 9 ? ImageHeader{"jpeg"} : sized("jpeg", be16(head, 5), be16(head, 7));
    const auto length = be16(head, 2);
    if (marker == 0xDA || length < 2) break;  // image data before any frame header
    pos += 2 + length;
  }
  return {"jpeg"};
}

ImageHeader png_header(const std::string& head) {
  if (head.size() < 24 || head.compare(12, 4, "IHDR") != 0) return {"png"};
  return sized("png", be32(head, 20), be32(head, 16));
}

// BMP: a 14-byte file header, then the DIB header: OS/2's 12-byte one holds 16-bit sizes, the others
// 32-bit signed ones (a negative height means rows stored top-down).
ImageHeader bmp_header(const std::string& head) {
  if (head.size() < 26) return {"bmp"};
  if (le32(head, 14) == 12) return sized("bmp", le16(head, 20), le16(head, 18));
  const auto cols = static_cast<std::int32_t>(le32(head, 18));
  const auto rows = static_cast<std::int32_t>(le32(head, 22));
  if (cols <= 0) return {"bmp"};
  return sized("bmp", static_cast<std::uint64_t>(std::llabs(rows)),
               static_cast<std::uint64_t>(cols));
}

// PBM/PGM/PPM (P1–P6): magic, then width and height as decimal text, with whitespace and '#' comments
// between. PAM (P7): "WIDTH n" and "HEIGHT n" lines before ENDHDR.
ImageHeader pnm_header(const std::string& head) {
  std::size_t pos = 2;
  // The next whitespace-separated token, comments skipped; "" at the end of the header read.
  const auto next_token = [&]() -> std::string {
    while (pos < head.size()) {
      if (head[pos] == '#') {
        while (pos < head.size() && head[pos] != '\n') ++pos;
      } else if (std::isspace(static_cast<unsigned char>(head[pos]))) {
        ++pos;
      } else {
        break;
      }
    }
    const std::size_t start = pos;
    while (pos < head.size() && !std::isspace(static_cast<unsigned char>(head[pos]))) ++pos;
    return head.substr(start, pos - start);
  };
  const auto number = [](const std::string& token) -> std::uint64_t {
    if (token.empty() || token.size() > 10) return 0;
    for (char c : token)
      if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
    return std::stoull(token);
  };
  if (head[1] != '7') {
    const auto cols = number(next_token());
    return sized("pnm", number(next_token()), cols);
  }
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
  for (std::string token = next_token(); !token.empty() && token != "ENDHDR";
       token = next_token()) {
    if (token == "WIDTH")
      cols = number(next_token());
    else if (token == "HEIGHT")
      rows = number(next_token());
  }
  return sized("pnm", rows, cols);
}

// WebP: a RIFF container whose first chunk is VP8 (lossy: 14-bit sizes after the key frame's start
// code), VP8L (lossless: 14-bit sizes minus one, bit-packed) or VP8X (extended: 24-bit sizes minus one).
ImageHeader webp_header(const std::string& head) {
  if (head.size() < 30) return {"webp"};
  const std::string chunk = head.substr(12, 4);
  if (chunk == "VP8 " && be16(head, 23) == 0x9d01 && byte(head, 25) == 0x2a)
    return sized("webp", le16(head, 28) & 0x3FFF, le16(head, 26) & 0x3FFF);
  if (chunk == "VP8L" && byte(head, 20) == 0x2F) {
    const auto bits = le32(head, 21);
    return sized("webp", ((bits >> 14) & 0x3FFF) + 1, (bits & 0x3FFF) + 1);
  }
  if (chunk == "VP8X") return sized("webp", le24(head, 27) + 1, le24(head, 24) + 1);
  return {"webp"};
}

// TIFF: byte order ("II" little, "MM" big), 42, the first IFD's offset; the IFD's entries hold
// ImageWidth (tag 256) and ImageLength (257) as SHORT or LONG values. OpenCV decodes the first image.
ImageHeader tiff_header(const ReadAt& read, const std::string& head) {
  const bool little = head[0] == 'I';
  const auto u16 = [&](const std::string& b, std::size_t pos) {
    return little ? le16(b, pos) : be16(b, pos);
  };
  const auto u32 = [&](const std::string& b, std::size_t pos) {
    return little ? le32(b, pos) : be32(b, pos);
  };
  const std::uint64_t ifd = u32(head, 4);
  const std::string count_bytes = read(ifd, 2);
  if (count_bytes.size() < 2) return {"tiff"};
  const std::uint64_t entries = u16(count_bytes, 0);
  const std::string table = read(ifd + 2, static_cast<std::size_t>(entries) * 12);
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
  for (std::size_t at = 0; at + 12 <= table.size(); at += 12) {
    const auto tag = u16(table, at);
    const auto type = u16(table, at + 2);
    if (tag != 256 && tag != 257) continue;
    const std::uint64_t value = type == 3 ? u16(table, at + 8) : type == 4 ? u32(table, at + 8) : 0;
    (tag == 256 ? cols : rows) = value;
  }
  return sized("tiff", rows, cols);
}

ImageHeader parse(const ReadAt& read) {
  const std::string head = read(0, 32);
  const auto starts_with = [&](std::string_view magic) {
    return head.compare(0, magic.size(), magic) == 0;
  };
  if (head.size() >= 3 && byte(head, 0) == 0xFF && byte(head, 1) == 0xD8 && byte(head, 2) == 0xFF)
    return jpeg_header(read);
  if (starts_with("\x89PNG\r\n\x1a\n")) return png_header(head);
  if (starts_with("BM")) return bmp_header(head);
  if (head.size() >= 3 && head[0] == 'P' && head[1] >= '1' && head[1] <= '7' &&
      std::isspace(static_cast<unsigned char>(head[2])))
    return pnm_header(read(0, 4096));
  if (starts_with("RIFF") && head.size() >= 12 && head.compare(8, 4, "WEBP") == 0)
    return webp_header(head);
  if (head.size() >= 8 &&
      (starts_with(std::string_view("II*\0", 4)) || starts_with(std::string_view("MM\0*", 4))))
    return tiff_header(read, head);
  return {};
}

}  // namespace

ImageHeader read_image_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return parse([&in](std::uint64_t offset, std::size_t count) {
    std::string bytes(count, '\0');
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in) return std::string();
    in.read(bytes.data(), static_cast<std::streamsize>(count));
    bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return bytes;
  });
}

ImageHeader parse_image_header(std::string_view bytes) {
  return parse([bytes](std::uint64_t offset, std::size_t count) {
    if (offset >= bytes.size()) return std::string();
    return std::string(bytes.substr(static_cast<std::size_t>(offset), count));
  });
}

}  // namespace xp::data
