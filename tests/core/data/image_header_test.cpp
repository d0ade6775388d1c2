// Image sizes read from file headers (image_header.h), checked against files OpenCV writes, and the
// pixel budget listing applies with them (data.max_image_pixels).
#include <doctest/doctest.h>

#if XP_HAVE_IMGCODECS
#include <opencv2/imgcodecs.hpp>
#endif

#include <filesystem>
#include <string>
#include <vector>

#include "core/data/image_file.h"
#include "core/data/image_header.h"
#include "tests/test_support.h"

using namespace xp;
namespace fs = std::filesystem;

using testing::png_claiming;

#if XP_HAVE_IMGCODECS  // OpenCV writes the BMP, PNM, TIFF and WebP files
TEST_CASE("read_image_header gives the size of every format OpenCV writes, as OpenCV decodes it") {
  testing::TempDir dir;
  cv::Mat image(37, 53, CV_8UC3, cv::Scalar(10, 200, 30));
  const std::vector<std::pair<std::string, std::vector<int>>> files = {
      {"a.jpg", {}},
      {"a.png", {}},
      {"a.bmp", {}},
      {"a.ppm", {}},
      {"a.pgm", {}},
      {"a.tiff", {}},
      {"lossy.webp", {cv::IMWRITE_WEBP_QUALITY, 80}},
      {"lossless.webp", {cv::IMWRITE_WEBP_QUALITY, 101}}};
  for (const auto& [name, parameters] : files) {
    CAPTURE(name);
    const std::string path = (dir.path() / name).string();
    REQUIRE(cv::imwrite(path, name == "a.pgm" ? cv::Mat(37, 53, CV_8UC1, cv::Scalar(7)) : image,
                        parameters));
    const data::ImageHeader header = data::read_image_header(path);
    CHECK(!header.format.empty());
    CHECK(header.rows == 37);
    CHECK(header.cols == 53);
    const cv::Mat decoded = cv::imread(path, cv::IMREAD_UNCHANGED);
    CHECK(decoded.rows == header.rows);
    CHECK(decoded.cols == header.cols);
  }
}
#endif

TEST_CASE(
    "read_image_header: headers written by hand (PNM comments, PAM, VP8X, OS/2 and top-down BMP)") {
  CHECK(data::parse_image_header("P6\n# a comment 999 999\n640 # another\n 480\n255\n").rows ==
        480);
  CHECK(data::parse_image_header("P6\n# a comment 999 999\n640 # another\n 480\n255\n").cols ==
        640);
  const auto pam =
      data::parse_image_header("P7\nWIDTH 12\nHEIGHT 34\nDEPTH 3\nMAXVAL 255\nENDHDR\n");
  CHECK((pam.rows == 34 && pam.cols == 12));
  // VP8X: 24-bit width-1 and height-1 at bytes 24 and 27.
  std::string vp8x = std::string("RIFF\x20\0\0\0WEBPVP8X\x0a\0\0\0\x10\0\0\0", 24) +
                     std::string("\x2b\x01\x00\x0f\x00\x00", 6);
  const auto webp = data::parse_image_header(vp8x);
  CHECK(webp.format == "webp");
  CHECK((webp.cols == 300 && webp.rows == 16));
  std::string bmp(26, '\0');
  bmp.replace(0, 2, "BM");
  bmp[14] = 40;                                            // BITMAPINFOHEADER
  bmp[18] = 20;                                            // width 20
  bmp.replace(22, 4, std::string("\xF6\xFF\xFF\xFF", 4));  // height −10: stored top-down
  const auto top_down = data::parse_image_header(bmp);
  CHECK((top_down.rows == 10 && top_down.cols == 20));
  bmp[14] = 12;  // OS/2: 16-bit sizes
  bmp.replace(18, 4, std::string("\x05\x00\x07\x00", 4));
  const auto os2 = data::parse_image_header(bmp);
  CHECK((os2.rows == 7 && os2.cols == 5));
}

TEST_CASE(
    "read_image_header: cut, malformed or foreign bytes give an unknown size, never a crash") {
  const std::string png = png_claiming(640, 480);
  // The size ends at byte 24: any shorter prefix has none.
  for (std::size_t length = 0; length < 24; ++length)
    CHECK(!data::parse_image_header(png.substr(0, length)).known());
  CHECK(data::parse_image_header(png).rows == 480);
  CHECK(!data::parse_image_header(png_claiming(0, 480)).known());
  CHECK(!data::parse_image_header("P6\n99999999999 5\n").known());  // 11 digits: not a size
  CHECK(!data::parse_image_header("not an image at all").known());
  CHECK(data::parse_image_header("not an image at all").format.empty());
  // A JPEG of nothing but fill bytes and empty segments: the walk ends, unknown.
  std::string jpeg("\xFF\xD8", 2);
  for (int idx = 0; idx < 1000; ++idx) jpeg += std::string("\xFF\xFE\x00\x02", 4);
  CHECK(data::parse_image_header(jpeg).format == "jpeg");
  CHECK(!data::parse_image_header(jpeg).known());
  // A TIFF whose first IFD claims 65535 entries and points past the end.
  CHECK(!data::parse_image_header(std::string("II*\0\x08\0\0\0\xFF\xFF", 10)).known());
  CHECK(!data::parse_image_header(std::string("MM\0*\xFF\xFF\xFF\xFF", 8)).known());
}

TEST_CASE(
    "image_file_problem refuses an image above the pixel budget from its header, before decoding") {
  testing::TempDir dir;
  const fs::path bomb = dir.path() / "bomb.png";
  testing::write_text(bomb, png_claiming(30000, 30000));
  const std::string problem = data::image_file_problem(bomb.string(), 178'956'970);
  CHECK(problem.find("30000x30000 = 900000000 pixels") != std::string::npos);
  CHECK(problem.find("data.max_image_pixels (178956970)") != std::string::npos);
  const fs::path small = dir.path() / "small.png";
  xp::testing::imwrite(small, cv::Mat(20, 30, CV_8UC3, cv::Scalar(1, 2, 3)));
  CHECK(data::image_file_problem(small.string(), 600).empty());
  CHECK(!data::image_file_problem(small.string(), 599).empty());
}
