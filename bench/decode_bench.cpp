// xp's JPEG and PNG decoding (core/data/image_codec.h: libjpeg-turbo's TurboJPEG API, libpng)
// against OpenCV's imread + BGR→RGB, the way xp (and fastai 0.7's open_image) decoded before, on
// the same files in one run, one thread: photos of 300–500 px (a typical dataset at full size), of
// 1200–2000 px decoded for a 224 px input (the DCT-reduced path), and PNGs. Checks on the way
// that both give the same pixels.
//
//   build/bench/xp_bench_decode [images=300]
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/data/image_file.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A smooth random colour field with noise: compresses like a photo, not like flat colour.
cv::Mat photo_like(int rows, int cols) {
  cv::Mat small(8, 8, CV_8UC3), image, noise(rows, cols, CV_8UC3);
  cv::randu(small, 0, 256);
  cv::resize(small, image, {cols, rows}, 0, 0, cv::INTER_CUBIC);
  cv::randn(noise, 0, 12);
  cv::add(image, noise, image);
  return image;
}

struct Rates {
  double opencv = 0, xp = 0;
  bool same = true;
};

// Decodes every file with both, twice over.
Rates measure(const std::vector<std::string>& files, int min_shorter_side) {
  Rates rates;
  double opencv_seconds = 0, xp_seconds = 0;
  for (int round = 0; round < 2; ++round)
    for (const std::string& file : files) {
      auto start = Clock::now();
      // What xp did before: OpenCV's reduced decode at the factor the header allows.
      const auto [rows, cols] = xp::data::header_dimensions(file);
      const int factor = xp::data::reduced_decode_factor(rows, cols, min_shorter_side);
      const int mode = factor == 8   ? cv::IMREAD_REDUCED_COLOR_8
                       : factor == 4 ? cv::IMREAD_REDUCED_COLOR_4
                       : factor == 2 ? cv::IMREAD_REDUCED_COLOR_2
                                     : cv::IMREAD_COLOR;
      cv::Mat bgr = cv::imread(file, mode), opencv_rgb;
      cv::cvtColor(bgr, opencv_rgb, cv::COLOR_BGR2RGB);
      opencv_seconds += std::chrono::duration<double>(Clock::now() - start).count();
      start = Clock::now();
      const cv::Mat xp_rgb = xp::data::read_image_rgb(file, min_shorter_side);
      xp_seconds += std::chrono::duration<double>(Clock::now() - start).count();
      rates.same = rates.same && xp_rgb.size() == opencv_rgb.size() &&
                   cv::norm(xp_rgb, opencv_rgb, cv::NORM_INF) == 0;
    }
  rates.opencv = 2.0 * static_cast<double>(files.size()) / opencv_seconds;
  rates.xp = 2.0 * static_cast<double>(files.size()) / xp_seconds;
  return rates;
}

}  // namespace

int main(int argc, char** argv) {
  const int images = argc > 1 ? std::stoi(argv[1]) : 300;
  cv::setNumThreads(1);
  const fs::path folder =
      fs::temp_directory_path() / ("xp-decode-bench-" + std::to_string(getpid()));
  fs::create_directories(folder);
  std::mt19937 rng(1);
  std::vector<std::string> small, large, png;
  for (int i = 0; i < images; ++i) {
    const auto side = [&](int low, int high) {
      return low + static_cast<int>(rng() % static_cast<unsigned>(high - low));
    };
    const std::string index = std::to_string(i);
    small.push_back((folder / ("s" + index + ".jpg")).string());
    cv::imwrite(small.back(), photo_like(side(300, 500), side(300, 500)));
    if (i % 3 == 0) {  // fewer large ones: they take longer
      large.push_back((folder / ("l" + index + ".jpg")).string());
      cv::imwrite(large.back(), photo_like(side(1200, 2000), side(1200, 2000)));
      png.push_back((folder / ("p" + index + ".png")).string());
      cv::imwrite(png.back(), photo_like(side(300, 500), side(300, 500)));
    }
  }
  std::printf(
      "decode bench: one thread, images/s (OpenCV %s: imread + BGR->RGB; xp: read_image_rgb)\n",
      CV_VERSION);
  std::printf("%-34s %10s %10s %8s %s\n", "files", "OpenCV", "xp", "ratio", "same pixels");
  const auto row = [](const char* name, const Rates& r) {
    std::printf("%-34s %10.1f %10.1f %7.2fx %s\n", name, r.opencv, r.xp, r.xp / r.opencv,
                r.same ? "yes" : "NO");
  };
  row("JPEG 300-500 px", measure(small, 0));
  row("JPEG 1200-2000 px, reduced for 224", measure(large, 224));
  row("PNG 300-500 px", measure(png, 0));
  fs::remove_all(folder);
  return 0;
}
