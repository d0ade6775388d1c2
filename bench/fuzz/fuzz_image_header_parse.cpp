// Fuzzes the image header parsers (JPEG segments, PNG, BMP, PNM, WebP, TIFF IFDs) that listing runs
// on every file of a dataset: they must end, never read out of bounds, and give sane sizes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/data/image_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const xp::data::ImageHeader header =
      xp::data::parse_image_header(std::string_view(reinterpret_cast<const char*>(data), size));
  if (header.known() &&
      (header.rows <= 0 || header.cols <= 0 || header.rows > (std::int64_t{1} << 31)))
    std::abort();  // known() promises positive sides within 2^31
  return 0;
}
