// xp's own JPEG and PNG codecs (image_codec.h) against OpenCV's imread, the decoder fastai 0.7 and
// xp used before: the same pixels, bit for bit, for every layout a dataset holds (colour and gray,
// 4:2:0 and 4:4:4, progressive, CMYK, DCT-reduced, EXIF-rotated; 8- and 16-bit, alpha, 1-bit PNG).
// Where xp is built without imgcodecs, the OpenCV comparisons are left out and the geometric and
// round-trip checks still run.
#include <doctest/doctest.h>

#include <turbojpeg.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <string>
#include <vector>

#include "core/data/exif_orientation.h"
#include "core/data/image_codec.h"
#include "core/data/jpeg_codec.h"
#include "core/data/png_codec.h"
#include "tests/test_support.h"

#if XP_HAVE_IMGCODECS
#include <opencv2/imgcodecs.hpp>
#endif

using namespace xp;

namespace {

// An asymmetric colour pattern: every turn and mirror of it differs, and JPEG keeps it recognisable.
cv::Mat pattern_rgb(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC3);
  for (int row = 0; row < rows; ++row)
    for (int col = 0; col < cols; ++col)
      image.at<cv::Vec3b>(row, col) =
          cv::Vec3b(static_cast<uchar>(255 * row / rows), static_cast<uchar>(255 * col / cols),
                    static_cast<uchar>((row * 7 + col * 3) % 256));
  return image;
}

// A JPEG whose APP1 "Exif" segment (little-endian TIFF, one IFD entry) says `orientation`.
std::string with_exif_orientation(const std::string& jpeg, int orientation) {
  std::string tiff("II\x2A\x00\x08\x00\x00\x00", 8);           // header, IFD at 8
  tiff += std::string("\x01\x00", 2);                          // one entry
  tiff += std::string("\x12\x01\x03\x00\x01\x00\x00\x00", 8);  // 0x0112, SHORT, 1
  tiff += std::string(1, static_cast<char>(orientation)) + std::string(3, '\0');
  tiff += std::string(4, '\0');  // no next IFD
  const std::string body = std::string("Exif\0\0", 6) + tiff;
  const std::size_t length = body.size() + 2;
  const std::string segment = std::string("\xFF\xE1", 2) + static_cast<char>(length >> 8) +
                              static_cast<char>(length & 0xFF) + body;
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

#if XP_HAVE_IMGCODECS
cv::Mat opencv_rgb(const std::string& bytes, int flags = cv::IMREAD_COLOR) {
  const cv::Mat bgr = cv::imdecode(
      cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())), flags);
  REQUIRE(!bgr.empty());
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

std::string opencv_encoded(const std::string& extension, const cv::Mat& image,
                           const std::vector<int>& parameters = {}) {
  std::vector<uchar> encoded;
  REQUIRE(cv::imencode(extension, image, encoded, parameters));
  return std::string(encoded.begin(), encoded.end());
}

// A JPEG written by TurboJPEG directly, for what OpenCV 4.6's encoder cannot write.
std::string turbojpeg_encoded(const cv::Mat& image, int pixel_format, int subsampling) {
  tjhandle compressor = tjInitCompress();
  unsigned char* encoded = nullptr;
  unsigned long size = 0;
  const int result = tjCompress2(compressor, image.data, image.cols, 0, image.rows, pixel_format,
                                 &encoded, &size, subsampling, 95, 0);
  const std::string jpeg(reinterpret_cast<const char*>(encoded), result == 0 ? size : 0);
  tjFree(encoded);
  tjDestroy(compressor);
  REQUIRE(result == 0);
  return jpeg;
}
#endif

}  // namespace

TEST_CASE("EXIF orientation is read from a JPEG's APP1 segment, and 1 without one") {
  const std::string jpeg = data::encode_jpeg(pattern_rgb(16, 24), 90);
  CHECK(data::jpeg_exif_orientation(jpeg) == 1);
  for (int orientation = 1; orientation <= 8; ++orientation)
    CHECK(data::jpeg_exif_orientation(with_exif_orientation(jpeg, orientation)) == orientation);
  CHECK(data::jpeg_exif_orientation(with_exif_orientation(jpeg, 9)) == 1);  // out of range
  CHECK(data::jpeg_exif_orientation("not a jpeg") == 1);
  CHECK(data::jpeg_exif_orientation(with_exif_orientation(jpeg, 6).substr(0, 20)) == 1);  // cut
}

TEST_CASE("apply_exif_orientation turns an image upright: 6 is 90 degrees clockwise, 3 is 180") {
  cv::Mat stored(2, 3, CV_8UC1);
  for (int i = 0; i < 6; ++i) stored.data[i] = static_cast<uchar>(i);  // rows {0 1 2}, {3 4 5}
  const cv::Mat clockwise = data::apply_exif_orientation(stored, 6);
  REQUIRE(clockwise.size() == cv::Size(2, 3));
  // Turned clockwise, the stored bottom-left pixel (3) is the new top-left one.
  CHECK(clockwise.at<uchar>(0, 0) == 3);
  CHECK(clockwise.at<uchar>(0, 1) == 0);
  CHECK(clockwise.at<uchar>(2, 1) == 2);
  const cv::Mat half_turn = data::apply_exif_orientation(stored, 3);
  CHECK(half_turn.at<uchar>(0, 0) == 5);
  CHECK(half_turn.at<uchar>(1, 2) == 0);
  CHECK(data::apply_exif_orientation(stored, 1).data == stored.data);
}

TEST_CASE("a JPEG with EXIF orientation 6 decodes upright") {
  const cv::Mat upright = pattern_rgb(64, 96);
  cv::Mat stored;  // what a camera held sideways writes: the upright image turned anticlockwise
  cv::rotate(upright, stored, cv::ROTATE_90_COUNTERCLOCKWISE);
  const cv::Mat decoded =
      data::decode_jpeg_rgb(with_exif_orientation(data::encode_jpeg(stored, 95), 6));
  REQUIRE(decoded.size() == upright.size());
  cv::Mat difference;
  cv::absdiff(decoded, upright, difference);
  CHECK(cv::mean(difference)[0] < 3.0);
}

TEST_CASE("PNG and JPEG round trips through xp's encoders and decoders") {
  const cv::Mat image = pattern_rgb(37, 53);
  CHECK(same_pixels(data::decode_png_rgb(data::encode_png(image)), image));  // lossless
  cv::Mat gray;
  cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
  cv::Mat gray_rgb;
  cv::cvtColor(gray, gray_rgb, cv::COLOR_GRAY2RGB);
  CHECK(same_pixels(data::decode_png_rgb(data::encode_png(gray)), gray_rgb));
  const cv::Mat jpeg = data::decode_image_rgb(data::encode_jpeg(image, 95));
  cv::Mat difference;
  cv::absdiff(jpeg, image, difference);
  CHECK(cv::mean(difference)[0] < 4.0);
  CHECK(data::decode_image_rgb(data::encode_image(".png", image)).size() == image.size());
}

TEST_CASE("damaged or foreign bytes give the decoder's reason") {
  CHECK_THROWS_WITH_AS(data::decode_jpeg_rgb("\xFF\xD8\xFF\xE0 nothing else"),
                       doctest::Contains("libjpeg: "), std::runtime_error);
  const std::string png = data::encode_png(pattern_rgb(8, 8));
  CHECK_THROWS_WITH_AS(data::decode_png_rgb(png.substr(0, 40)), doctest::Contains("libpng: "),
                       std::runtime_error);
  CHECK_THROWS_AS(data::decode_jpeg_rgb(data::encode_jpeg(pattern_rgb(8, 8), 90), 3),
                  std::invalid_argument);  // libjpeg scales by 1/2, 1/4, 1/8 only
  std::string bad_crc = png;
  bad_crc[29] ^= 0x55;  // inside IHDR: a critical chunk's CRC no longer matches
  CHECK_THROWS_AS(data::decode_png_rgb(bad_crc), std::runtime_error);
  CHECK(data::decodes_format("jpeg"));
  CHECK(data::decodes_format("png"));
  CHECK(data::decodes_format("webp") == data::has_imgcodecs());
  CHECK(!data::decodes_format(""));
}

#if XP_HAVE_IMGCODECS
TEST_CASE("xp decodes JPEGs exactly as OpenCV's imread does") {
  const cv::Mat bgr = pattern_rgb(123, 457);
  struct Case {
    const char* name;
    std::vector<int> parameters;
  };
  const std::vector<Case> cases = {
      {"4:2:0 q95", {cv::IMWRITE_JPEG_QUALITY, 95}},
      {"4:2:0 q50", {cv::IMWRITE_JPEG_QUALITY, 50}},
      {"progressive", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {"4:4:4", {}},  // written by TurboJPEG: OpenCV 4.6 cannot choose the subsampling
      {"4:2:2", {}}};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string name = c.name;
    const std::string jpeg = name == "4:4:4"   ? turbojpeg_encoded(bgr, TJPF_BGR, TJSAMP_444)
                             : name == "4:2:2" ? turbojpeg_encoded(bgr, TJPF_BGR, TJSAMP_422)
                                               : opencv_encoded(".jpg", bgr, c.parameters);
    CHECK(same_pixels(data::decode_jpeg_rgb(jpeg), opencv_rgb(jpeg)));
    CHECK(
        same_pixels(data::decode_jpeg_rgb(jpeg, 2), opencv_rgb(jpeg, cv::IMREAD_REDUCED_COLOR_2)));
    CHECK(
        same_pixels(data::decode_jpeg_rgb(jpeg, 4), opencv_rgb(jpeg, cv::IMREAD_REDUCED_COLOR_4)));
    CHECK(
        same_pixels(data::decode_jpeg_rgb(jpeg, 8), opencv_rgb(jpeg, cv::IMREAD_REDUCED_COLOR_8)));
  }
  cv::Mat gray;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  const std::string gray_jpeg = opencv_encoded(".jpg", gray);
  CHECK(same_pixels(data::decode_jpeg_rgb(gray_jpeg), opencv_rgb(gray_jpeg)));
  // xp's encoder writes files OpenCV reads the same way.
  const std::string ours = data::encode_jpeg(bgr, 90);
  CHECK(same_pixels(data::decode_jpeg_rgb(ours), opencv_rgb(ours)));
}

TEST_CASE("xp turns EXIF-rotated JPEGs exactly as OpenCV's imread does, all eight orientations") {
  const std::string jpeg = opencv_encoded(".jpg", pattern_rgb(40, 64));
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    const std::string rotated = with_exif_orientation(jpeg, orientation);
    CHECK(same_pixels(data::decode_jpeg_rgb(rotated), opencv_rgb(rotated)));
    CHECK(same_pixels(data::decode_jpeg_rgb(rotated, 2),
                      opencv_rgb(rotated, cv::IMREAD_REDUCED_COLOR_2)));
  }
}

TEST_CASE("xp converts CMYK JPEGs to RGB exactly as OpenCV's imread does") {
  // Written by TurboJPEG from CMYK samples (OpenCV cannot write CMYK), as Photoshop exports do.
  cv::Mat cmyk(24, 40, CV_8UC4);
  cv::randu(cmyk, 0, 256);
  const std::string jpeg = turbojpeg_encoded(cmyk, TJPF_CMYK, TJSAMP_444);
  CHECK(same_pixels(data::decode_jpeg_rgb(jpeg), opencv_rgb(jpeg)));
}

TEST_CASE("xp decodes PNGs exactly as OpenCV's imread does: 8 and 16 bit, gray, alpha, 1 bit") {
  const cv::Mat rgb8 = pattern_rgb(33, 47);
  cv::Mat rgb16, rgba8, rgba16, gray8, gray16, bilevel;
  rgb8.convertTo(rgb16, CV_16U, 257.0, 3);  // low bytes that are not copies of the high ones
  cv::cvtColor(rgb8, rgba8, cv::COLOR_RGB2RGBA);
  for (int row = 0; row < rgba8.rows; ++row)  // a varying alpha: dropped, not blended
    for (int col = 0; col < rgba8.cols; ++col) rgba8.at<cv::Vec4b>(row, col)[3] = uchar(col * 5);
  rgba8.convertTo(rgba16, CV_16U, 256.0);
  cv::cvtColor(rgb8, gray8, cv::COLOR_RGB2GRAY);
  gray8.convertTo(gray16, CV_16U, 256.0, 200);
  bilevel = gray8 > 128;
  struct Case {
    const char* name;
    cv::Mat image;
    std::vector<int> parameters;
  };
  const std::vector<Case> cases = {
      {"rgb8", rgb8, {}},
      {"rgb16", rgb16, {}},
      {"rgba8", rgba8, {}},
      {"rgba16", rgba16, {}},
      {"gray8", gray8, {}},
      {"gray16", gray16, {}},
      {"1 bit", bilevel, {cv::IMWRITE_PNG_BILEVEL, 1}},
      {"RLE strategy", rgb8, {cv::IMWRITE_PNG_STRATEGY, cv::IMWRITE_PNG_STRATEGY_RLE}}};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string png = opencv_encoded(".png", c.image, c.parameters);
    CHECK(same_pixels(data::decode_png_rgb(png), opencv_rgb(png)));
  }
  const std::string ours = data::encode_png(rgb8);
  CHECK(same_pixels(opencv_rgb(ours), rgb8));
}
#endif
