#include "core/data/area_resize.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/util/error.h"

namespace xp::data {

namespace {

// One source pixel's share of one output pixel.
struct Tap {
  int target;  // output index
  int source;  // input index
  float weight;
};

// OpenCV's computeResizeAreaTab: output pixel d covers [d·scale, (d+1)·scale) of the input; each
// input pixel contributes its overlap with that cell divided by the cell's width. Taps come in
// output order, and within an output pixel in input order — the order the sums are taken in.
std::vector<Tap> area_taps(int input, int output) {
  const double scale = static_cast<double>(input) / output;
  std::vector<Tap> taps;
  for (int target = 0; target < output; ++target) {
    const double start = target * scale;
    const double end = start + scale;
    const double cell = std::min(scale, input - start);
    int first = static_cast<int>(std::ceil(start));
    int last = static_cast<int>(std::floor(end));
    last = std::min(last, input - 1);
    first = std::min(first, last);
    if (first - start > 1e-3)
      taps.push_back({target, first - 1, static_cast<float>((first - start) / cell)});
    for (int source = first; source < last; ++source)
      taps.push_back({target, source, static_cast<float>(1.0 / cell)});
    if (end - last > 1e-3)
      taps.push_back(
          {target, last, static_cast<float>(std::min(std::min(end - last, 1.0), cell) / cell)});
  }
  return taps;
}

// The horizontal taps as a dense table: output x reads `width` consecutive input pixels from
// first[x], with weights[x·width + k] (0 past its own taps, which leaves its sum unchanged). A
// fixed-width loop over float pixels is what lets the compiler keep the sums in registers.
struct DenseTaps {
  int width = 0;
  std::vector<int> first;
  std::vector<float> weights;
};

DenseTaps dense(const std::vector<Tap>& taps, int outputs, int inputs) {
  DenseTaps table;
  table.first.assign(static_cast<std::size_t>(outputs), -1);
  for (const Tap& tap : taps) {
    auto& first = table.first[static_cast<std::size_t>(tap.target)];
    if (first < 0) first = tap.source;
    table.width = std::max(table.width, tap.source - first + 1);
  }
  // Keep every window inside the row: shift a window that would run past the end to the left
  // (its own taps then sit further right in it).
  for (auto& first : table.first) first = std::min(first, inputs - table.width);
  table.weights.assign(static_cast<std::size_t>(outputs) * table.width, 0.0f);
  for (const Tap& tap : taps) {
    const auto x = static_cast<std::size_t>(tap.target);
    const int k = tap.source - table.first[x];
    table.weights[x * table.width + static_cast<std::size_t>(k)] = tap.weight;
  }
  return table;
}

// One source row resampled horizontally: out[x·C + c] = Σ_k weight[x][k] · row[(first[x] + k)·C + c],
// summed in k order as OpenCV does. W (the table's width) is a compile-time constant for the
// common shrink factors (below 4) so that the k loop unrolls.
template <int C, int W>
void resample_row_fixed(const float* row, const DenseTaps& taps, float* out) {
  const int outputs = static_cast<int>(taps.first.size());
  for (int x = 0; x < outputs; ++x) {
    const float* weights = taps.weights.data() + static_cast<std::size_t>(x) * W;
    const float* in = row + taps.first[static_cast<std::size_t>(x)] * C;
    for (int c = 0; c < C; ++c) {
      float sum = 0.0f;
      for (int k = 0; k < W; ++k) sum += in[k * C + c] * weights[k];
      out[x * C + c] = sum;
    }
  }
}

template <int C>
void resample_row_any(const float* row, const DenseTaps& taps, float* out) {
  const int outputs = static_cast<int>(taps.first.size());
  for (int x = 0; x < outputs; ++x) {
    const float* weights = taps.weights.data() + static_cast<std::size_t>(x) * taps.width;
    const float* in = row + taps.first[static_cast<std::size_t>(x)] * C;
    for (int c = 0; c < C; ++c) {
      float sum = 0.0f;
      for (int k = 0; k < taps.width; ++k) sum += in[k * C + c] * weights[k];
      out[x * C + c] = sum;
    }
  }
}

template <int C>
void resample_row(const float* row, const DenseTaps& taps, float* out) {
  switch (taps.width) {
    case 1:
      return resample_row_fixed<C, 1>(row, taps, out);
    case 2:
      return resample_row_fixed<C, 2>(row, taps, out);
    case 3:
      return resample_row_fixed<C, 3>(row, taps, out);
    case 4:
      return resample_row_fixed<C, 4>(row, taps, out);
    case 5:
      return resample_row_fixed<C, 5>(row, taps, out);
    default:
      return resample_row_any<C>(row, taps, out);
  }
}

}  // namespace

cv::Mat resize_area(const cv::Mat& image, cv::Size size) {
  XP_ASSERT(image.depth() == CV_8U && (image.channels() == 1 || image.channels() == 3),
            "resize_area expects 8-bit images of 1 or 3 channels");
  XP_ASSERT(
      size.width > 0 && size.height > 0 && size.width <= image.cols && size.height <= image.rows,
      "resize_area only shrinks");
  // Whole-number factors: OpenCV's own fast path (block means, integer rounding) is already quick.
  if (image.cols % size.width == 0 && image.rows % size.height == 0) {
    cv::Mat out;
    cv::resize(image, out, size, 0, 0, cv::INTER_AREA);
    return out;
  }
  const int channels = image.channels();
  const int row_values = size.width * channels;
  const DenseTaps column_taps = dense(area_taps(image.cols, size.width), size.width, image.cols);
  const std::vector<Tap> row_taps = area_taps(image.rows, size.height);
  cv::Mat out(size, image.type());
  std::vector<float> source_row(static_cast<std::size_t>(image.cols) * channels);
  std::vector<float> resampled(
      static_cast<std::size_t>(row_values));  // the current source row, resampled
  std::vector<float> sum(static_cast<std::size_t>(row_values));  // the current output row
  int resampled_row = -1;
  int current_target = -1;
  const auto flush =
      [&](int target) {  // round to nearest and saturate (OpenCV's vectorized saturate_cast)
        cv::Mat(1, row_values, CV_32F, sum.data())
            .convertTo(cv::Mat(1, row_values, CV_8U, out.ptr<std::uint8_t>(target)), CV_8U);
      };
  for (const Tap& tap : row_taps) {
    if (tap.source != resampled_row) {
      const std::uint8_t* pixels = image.ptr<std::uint8_t>(tap.source);
      for (std::size_t idx = 0; idx < source_row.size(); ++idx)
        source_row[idx] = static_cast<float>(pixels[idx]);
      if (channels == 3)
        resample_row<3>(source_row.data(), column_taps, resampled.data());
      else
        resample_row<1>(source_row.data(), column_taps, resampled.data());
      resampled_row = tap.source;
    }
    float* total = sum.data();
    const float* row = resampled.data();
    const float beta = tap.weight;
    if (tap.target != current_target) {
      if (current_target >= 0) flush(current_target);
      current_target = tap.target;
      for (int idx = 0; idx < row_values; ++idx) total[idx] = beta * row[idx];
    } else {
      for (int idx = 0; idx < row_values; ++idx) total[idx] += beta * row[idx];
    }
  }
  flush(current_target);
  return out;
}

}  // namespace xp::data
