#include "core/data/image_codec.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/data/image_header.h"
#include "core/data/jpeg_codec.h"
#include "core/data/png_codec.h"

#if XP_HAVE_IMGCODECS
#include <opencv2/imgcodecs.hpp>
#endif

namespace xp::data {

#if !XP_HAVE_IMGCODECS
namespace {

[[noreturn]] void no_decoder(const std::string& format) {
  throw std::runtime_error(
      (format.empty() ? std::string("not a JPEG or PNG") : "a " + format + " image") +
      ", and this xp is built without OpenCV's imgcodecs (XP_IMGCODECS=OFF): it decodes JPEG and "
      "PNG");
}

}  // namespace
#endif

bool has_imgcodecs() { return XP_HAVE_IMGCODECS != 0; }

bool decodes_format(const std::string& format) {
  return format == "jpeg" || format == "png" || (has_imgcodecs() && !format.empty());
}

int reduced_decode_factor(int rows, int cols, int min_shorter_side) {
  if (min_shorter_side <= 0 || rows <= 0 || cols <= 0) return 1;
  const int shorter = std::min(rows, cols);
  // libjpeg's scaled size is ceil(side / factor); floor keeps the guarantee conservative.
  for (int factor : {8, 4, 2})
    if (shorter / factor >= min_shorter_side) return factor;
  return 1;
}

cv::Mat decode_image_rgb(std::string_view bytes, int min_shorter_side) {
  const ImageHeader header = parse_image_header(bytes);
  const std::string& format = header.format;
  if (format == "jpeg")  // libjpeg scales while decoding; the other decoders do not
    return decode_jpeg_rgb(
        bytes, reduced_decode_factor(static_cast<int>(header.rows), static_cast<int>(header.cols),
                                     min_shorter_side));
  if (format == "png") return decode_png_rgb(bytes);
#if XP_HAVE_IMGCODECS
  cv::Mat decoded;
  try {
    // IMREAD_COLOR: 3-channel BGR whatever the file holds (gray, alpha, 16-bit are converted).
    decoded = cv::imdecode(
        cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())),
        cv::IMREAD_COLOR);
  } catch (const cv::Exception& error) {
    throw std::runtime_error("OpenCV: " + error.err);
  }
  if (decoded.empty()) throw std::runtime_error("corrupt or truncated");
  cv::Mat rgb;
  cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
  return rgb;
#else
  no_decoder(format);
#endif
}

std::string encode_image(const std::string& extension, const cv::Mat& rgb, int jpeg_quality) {
  if (extension == ".jpg" || extension == ".jpeg") return encode_jpeg(rgb, jpeg_quality);
  if (extension == ".png") return encode_png(rgb);
#if XP_HAVE_IMGCODECS
  cv::Mat bgr = rgb;
  if (rgb.channels() == 3) cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> encoded;
  if (!cv::imencode(extension, bgr, encoded))
    throw std::runtime_error("OpenCV cannot encode " + extension);
  return std::string(encoded.begin(), encoded.end());
#else
  throw std::runtime_error("cannot encode " + extension +
                           ": this xp is built without OpenCV's imgcodecs (JPEG and PNG only)");
#endif
}

}  // namespace xp::data
