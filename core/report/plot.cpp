#include "core/report/plot.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "core/data/png_codec.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

const cv::Scalar kInk(40, 40, 40);
const cv::Scalar kBar(66, 133, 244);  // RGB
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr std::size_t kMaxDrawnPoints = 1200;  // per series, after thin_points

std::string number(double value) { return str_printf("%g", value); }

void text_at(cv::Mat& canvas, const std::string& text, cv::Point origin, double scale = 0.45) {
  cv::putText(canvas, text, origin, kFont, scale, kInk, 1, cv::LINE_AA);
}

// A white canvas with a title and the two axes; the plot area spans x ∈ [left, width − right]
// and y ∈ [top, height − bottom], whose bottom-left corner is returned in `origin`.
cv::Mat blank_chart(int width, int height, int left, int right, int top, int bottom,
                    const std::string& title, cv::Point& origin) {
  cv::Mat canvas(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  text_at(canvas, title, {left, 22}, 0.55);
  origin = cv::Point(left, height - bottom);
  cv::line(canvas, origin, {width - right, origin.y}, kInk);
  cv::line(canvas, origin, {left, top}, kInk);
  return canvas;
}

}  // namespace

cv::Mat histogram_chart(const std::vector<double>& values, int bins, const std::string& title) {
  constexpr int kWidth = 480, kHeight = 320, kLeft = 56, kRight = 16, kTop = 36, kBottom = 40;
  cv::Point origin;
  cv::Mat canvas = blank_chart(kWidth, kHeight, kLeft, kRight, kTop, kBottom, title, origin);
  if (values.empty()) return canvas;
  const auto [low_it, high_it] = std::minmax_element(values.begin(), values.end());
  const double low = *low_it;
  const double high = *high_it > low ? *high_it : low + 1;
  std::vector<int> counts(static_cast<std::size_t>(bins), 0);
  for (double value : values)
    ++counts[static_cast<std::size_t>(
        std::min(bins - 1, static_cast<int>((value - low) / (high - low) * bins)))];
  const int tallest = *std::max_element(counts.begin(), counts.end());
  const double bar_width = static_cast<double>(kWidth - kLeft - kRight) / bins;
  for (int bin = 0; bin < bins; ++bin) {
    const int height = static_cast<int>(static_cast<double>(counts[static_cast<std::size_t>(bin)]) /
                                        tallest * (origin.y - kTop));
    const int x0 = kLeft + static_cast<int>(bin * bar_width) + 1;
    const int x1 = kLeft + static_cast<int>((bin + 1) * bar_width) - 1;
    if (height > 0)
      cv::rectangle(canvas, cv::Point(x0, origin.y - height),
                    cv::Point(std::max(x0, x1), origin.y - 1), kBar, cv::FILLED);
  }
  text_at(canvas, number(low), {kLeft - 4, origin.y + 18});
  const std::string high_text = number(*high_it);
  int baseline = 0;
  const int high_width = cv::getTextSize(high_text, kFont, 0.45, 1, &baseline).width;
  text_at(canvas, high_text, {kWidth - kRight - high_width, origin.y + 18});
  text_at(canvas, std::to_string(tallest), {6, kTop + 6});
  text_at(canvas, "0", {kLeft - 16, origin.y});
  text_at(canvas, std::to_string(values.size()) + " images", {kWidth / 2 - 30, kHeight - 6});
  return canvas;
}

cv::Mat bar_chart(const BarChart& chart) {
  constexpr int kWidth = 720, kRow = 26, kTop = 40, kBottom = 16, kRight = 90;
  int label_width = 0;
  for (const auto& bar : chart.bars) {
    int baseline = 0;
    label_width =
        std::max(label_width, cv::getTextSize(bar.label, kFont, 0.45, 1, &baseline).width);
  }
  const int left = std::min(label_width + 16, kWidth / 2);
  const int height = kTop + kBottom + kRow * static_cast<int>(chart.bars.size());
  cv::Point origin;
  cv::Mat canvas = blank_chart(kWidth, height, left, kRight, kTop, kBottom, chart.title, origin);
  const double start = bar_axis_start(chart);
  if (std::isnan(start)) return canvas;
  const double span = std::max(largest_bar(chart) - start, 1e-12);
  for (std::size_t row = 0; row < chart.bars.size(); ++row) {
    const ChartBar& bar = chart.bars[row];
    const int y = kTop + static_cast<int>(row) * kRow;
    text_at(canvas, bar.label, {6, y + 17});
    if (!std::isfinite(bar.value)) continue;
    const int length = static_cast<int>((bar.value - start) / span * (kWidth - kRight - left));
    cv::rectangle(canvas, cv::Point(left + 1, y + 4),
                  cv::Point(left + std::max(1, length), y + kRow - 4), kBar, cv::FILLED);
    text_at(canvas,
            str_cat(str_printf("%.4g", bar.value), chart.unit.empty() ? "" : " " + chart.unit,
                    bar.note.empty() ? "" : "  " + bar.note),
            {left + std::max(1, length) + 6, y + 17});
  }
  if (start != 0)
    text_at(canvas, str_printf("axis from %.4g", start), {kWidth - kRight - 60, height - 2}, 0.35);
  return canvas;
}

cv::Mat line_chart(const LineChart& chart) {
  constexpr int kLeft = 70, kRight = 20, kTop = 36, kBottom = 48;
  const int width = chart.width, height = chart.height;
  cv::Point origin;
  cv::Mat canvas = blank_chart(width, height, kLeft, kRight, kTop, kBottom, chart.title, origin);
  text_at(canvas, chart.x_label, {width / 2 - 20, height - 8});
  const auto [x, y, any] = fit_axes(chart, kLeft, width - kRight, kTop, origin.y);
  if (!any) {
    text_at(canvas, "no values to plot", {width / 2 - 50, height / 2});
    return canvas;
  }
  const auto to_pixel = [&](double vx, double vy) {
    return cv::Point(static_cast<int>(std::lround(x.pixel(vx))),
                     static_cast<int>(std::lround(y.pixel(vy))));
  };
  int baseline = 0;
  for (const double tick : y.ticks()) {
    const int row = static_cast<int>(std::lround(y.pixel(tick)));
    cv::line(canvas, {kLeft - 4, row}, {kLeft, row}, kInk);
    const std::string label = tick_label(tick, y.log);
    const int label_width = cv::getTextSize(label, kFont, 0.4, 1, &baseline).width;
    text_at(canvas, label, {kLeft - 8 - label_width, row + 4}, 0.4);
  }
  for (const double tick : x_ticks(chart, x)) {
    const int column = static_cast<int>(std::lround(x.pixel(tick)));
    cv::line(canvas, {column, origin.y}, {column, origin.y + 4}, kInk);
    const std::string label = tick_label(tick, x.log);
    const int label_width = cv::getTextSize(label, kFont, 0.4, 1, &baseline).width;
    text_at(canvas, label, {column - label_width / 2, origin.y + 18}, 0.4);
  }
  // The lines, broken where a value cannot be drawn, and a legend when there are several.
  int legend_x = kLeft + 8;
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const ChartSeries& series = chart.series[s];
    unsigned char rgb[3];
    series_rgb(s, rgb);
    const cv::Scalar colour(rgb[0], rgb[1], rgb[2]);
    std::vector<cv::Point> line;
    const auto draw = [&] {
      if (line.size() > 1) cv::polylines(canvas, line, false, colour, 2, cv::LINE_AA);
      if (line.size() == 1 || series.dots)
        for (const auto& point : line)
          cv::circle(canvas, point, 3, colour, cv::FILLED, cv::LINE_AA);
      line.clear();
    };
    for (const auto& [vx, vy] : thin_points(series.xs, series.ys, kMaxDrawnPoints)) {
      if (x.drawable(vx) && y.drawable(vy))
        line.push_back(to_pixel(vx, vy));
      else
        draw();
    }
    draw();
    if (chart.series.size() > 1) {
      cv::line(canvas, {legend_x, kTop - 6}, {legend_x + 14, kTop - 6}, colour, 3);
      text_at(canvas, series.name, {legend_x + 18, kTop - 2}, 0.4);
      legend_x += 30 + cv::getTextSize(series.name, kFont, 0.4, 1, &baseline).width;
    }
  }
  int label_row = kTop + 14;
  for (const auto& marker : chart.markers) {
    if (!x.drawable(marker.x)) continue;
    const int column = static_cast<int>(std::lround(x.pixel(marker.x)));
    for (int row = kTop; row < origin.y; row += 8)
      cv::line(canvas, {column, row}, {column, row + 4}, cv::Scalar(220, 80, 60));
    text_at(canvas, marker.label, {column + 4, label_row}, 0.4);
    label_row += 16;
  }
  return canvas;
}

cv::Mat confusion_chart(const std::vector<std::vector<std::int64_t>>& counts,
                        const std::vector<std::string>& classes, const std::string& title) {
  const int n = static_cast<int>(classes.size());
  const int cell = std::clamp(560 / std::max(n, 1), 6, 64);
  const bool labelled = cell >= 14;
  std::size_t longest = 0;
  for (const auto& name : classes) longest = std::max(longest, name.size());
  const int label_width = labelled ? std::min(160, 8 + static_cast<int>(longest) * 7) : 8;
  const int left = label_width + 24, top = 48 + (labelled ? label_width : 8);
  const int width = std::max(left + n * cell + 16, 360), height = top + n * cell + 40;
  cv::Mat canvas(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  text_at(canvas, title, {8, 22}, 0.55);
  std::int64_t largest = 1;
  for (const auto& row : counts)
    for (std::int64_t count : row) largest = std::max(largest, count);
  for (int row = 0; row < n; ++row) {
    for (int col = 0; col < n; ++col) {
      const std::int64_t count =
          counts[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)];
      const double shade = static_cast<double>(count) / static_cast<double>(largest);
      const cv::Scalar colour(255 - 189 * shade, 255 - 122 * shade,
                              255 - 11 * shade);  // white → kBar
      const cv::Point corner(left + col * cell, top + row * cell);
      cv::rectangle(canvas, corner, corner + cv::Point(cell - 1, cell - 1), colour, cv::FILLED);
      if (labelled && count > 0) {
        const std::string text = std::to_string(count);
        const double scale = std::min(0.45, cell / 40.0);
        int baseline = 0;
        const cv::Size size = cv::getTextSize(text, kFont, scale, 1, &baseline);
        cv::putText(canvas, text,
                    corner + cv::Point((cell - size.width) / 2, (cell + size.height) / 2), kFont,
                    scale, shade > 0.6 ? cv::Scalar(255, 255, 255) : kInk, 1, cv::LINE_AA);
      }
    }
    if (labelled) {
      const std::string name = classes[static_cast<std::size_t>(row)].substr(0, 22);
      text_at(canvas, name, {8, top + row * cell + cell / 2 + 4}, 0.4);
      // Column labels, written vertically: draw on a strip, rotate it, paste it above the column.
      int baseline = 0;
      const cv::Size size = cv::getTextSize(name, kFont, 0.4, 1, &baseline);
      cv::Mat strip(cell, label_width, CV_8UC3, cv::Scalar(255, 255, 255));
      cv::putText(strip, name, {2, std::min(cell - 2, (cell + size.height) / 2)}, kFont, 0.4, kInk,
                  1, cv::LINE_AA);
      cv::Mat rotated;
      cv::rotate(strip, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
      rotated.copyTo(canvas(cv::Rect(left + row * cell, top - label_width - 4, cell, label_width)));
    }
  }
  text_at(canvas, "predicted (columns)  /  actual (rows)", {left, height - 14}, 0.45);
  return canvas;
}

cv::Mat captioned(const cv::Mat& image, const std::vector<std::string>& lines, int min_side) {
  cv::Mat rgb;
  if (image.channels() == 1)
    cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
  else
    rgb = image;
  const int shorter = std::max(1, std::min(rgb.rows, rgb.cols));
  if (shorter < min_side) {
    const double scale = std::ceil(static_cast<double>(min_side) / shorter);
    cv::resize(rgb, rgb, cv::Size(), scale, scale, cv::INTER_NEAREST);
  }
  constexpr int kLine = 16;
  cv::Mat tile(rgb.rows + kLine * static_cast<int>(lines.size()) + 6, std::max(rgb.cols, 160),
               CV_8UC3, cv::Scalar(255, 255, 255));
  rgb.copyTo(tile(cv::Rect(0, 0, rgb.cols, rgb.rows)));
  for (std::size_t line = 0; line < lines.size(); ++line)
    text_at(tile, lines[line], {2, rgb.rows + kLine * static_cast<int>(line + 1)}, 0.4);
  return tile;
}

cv::Mat side_by_side(const std::vector<cv::Mat>& images) {
  cv::Mat joined;
  cv::hconcat(images, joined);
  return joined;
}

cv::Mat tile_grid(const std::vector<std::vector<cv::Mat>>& rows, int gap) {
  int tile_rows = 0, tile_cols = 0;
  std::size_t columns = 0;
  for (const auto& row : rows) {
    columns = std::max(columns, row.size());
    for (const auto& tile : row) {
      tile_rows = std::max(tile_rows, tile.rows);
      tile_cols = std::max(tile_cols, tile.cols);
    }
  }
  const int height = static_cast<int>(rows.size()) * (tile_rows + gap) + gap;
  const int width = static_cast<int>(columns) * (tile_cols + gap) + gap;
  cv::Mat grid(std::max(height, 1), std::max(width, 1), CV_8UC3, cv::Scalar(255, 255, 255));
  for (std::size_t row = 0; row < rows.size(); ++row)
    for (std::size_t col = 0; col < rows[row].size(); ++col) {
      const cv::Mat& tile = rows[row][col];
      cv::Mat colour = tile;
      if (tile.channels() == 1) cv::cvtColor(tile, colour, cv::COLOR_GRAY2RGB);
      colour.copyTo(
          grid(cv::Rect(gap + static_cast<int>(col) * (tile_cols + gap),
                        gap + static_cast<int>(row) * (tile_rows + gap), tile.cols, tile.rows)));
    }
  return grid;
}

void write_png(const std::filesystem::path& path, const cv::Mat& rgb) {
  std::string encoded;
  try {
    encoded = data::encode_png(rgb);
  } catch (const std::exception& error) {
    throw Error(str_cat("cannot encode '", path.string(), "' as PNG: ", error.what()));
  }
  write_file_atomic(path, encoded);
}

}  // namespace xp::report
