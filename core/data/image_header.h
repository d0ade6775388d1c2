// An image file's pixel size read from its header, without decoding: JPEG (frame header), PNG
// (IHDR), BMP, PNM (PBM/PGM/PPM/PAM), WebP (VP8, VP8L, VP8X) and TIFF (first IFD). Listing uses it to
// refuse images above data.max_image_pixels before any worker decodes one: a 900 KB PNG can claim
// 30000×30000 pixels and decode to gigabytes.
//
// Only the bytes the header needs are read (JPEG: 4 bytes per marker segment, seeking over their
// bodies), so checking a dataset of large photos costs a few reads per file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xp::data {

struct ImageHeader {
  std::string format;  // "jpeg", "png", "bmp", "pnm", "webp", "tiff"; "" when not recognised
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  bool known() const { return rows > 0 && cols > 0; }
  std::int64_t pixels() const { return rows * cols; }
};

// The header of the image file at `path`; format "" (and 0×0) when the file cannot be opened, is in
// another format, or its header is cut short or malformed.
ImageHeader read_image_header(const std::string& path);

// The same from bytes already in memory (a whole file, or at least its header).
ImageHeader parse_image_header(std::string_view bytes);

}  // namespace xp::data
