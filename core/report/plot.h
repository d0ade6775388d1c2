// Charts and image grids drawn with OpenCV (the stack has no plotting library): the PNGs a person
// opens beside the CSVs. Line and bar charts are described by chart.h's model, as report.html's
// SVG charts are. Images here are RGB uint8; write_png converts for the encoder.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/report/chart.h"

namespace xp::report {

// A histogram of `values` in `bins` equal-width bars between their minimum and maximum, with the
// axis ends, the tallest bar's count and a title (the seed's plt.hist).
cv::Mat histogram_chart(const std::vector<double>& values, int bins, const std::string& title);

// A line chart as the PNG beside its CSV (lr_find.png, lr_schedule.png): the same chart, axes
// and ticks as report.html's SVG of it (chart.h), drawn with OpenCV.
cv::Mat line_chart(const LineChart& chart);

// fastai's plot_confusion_matrix: a grid of counts, row = actual class, column = predicted, each
// cell shaded by its count relative to the largest, class names on both axes (at most ~40 classes
// stay legible; beyond that the cells shrink and only the shading is drawn).
cv::Mat confusion_chart(const std::vector<std::vector<std::int64_t>>& counts,
                        const std::vector<std::string>& classes, const std::string& title);

// One horizontal bar per entry, its value written at its end (summary.png of a sweep).
cv::Mat bar_chart(const BarChart& chart);

// Images of equal height placed left to right.
cv::Mat side_by_side(const std::vector<cv::Mat>& images);

// Equal-size tiles in rows (one inner vector per row) on a white background with `gap` pixels
// between them.
cv::Mat tile_grid(const std::vector<std::vector<cv::Mat>>& rows, int gap = 4);

// An image (RGB or gray) enlarged to at least `min_side` pixels (nearest neighbour, so small
// images stay sharp) above a white band with one line of text per entry: a tile for tile_grid.
cv::Mat captioned(const cv::Mat& image, const std::vector<std::string>& lines, int min_side = 128);

// Writes an RGB image as a PNG, atomically. Throws xp::Error naming the path on failure.
void write_png(const std::filesystem::path& path, const cv::Mat& rgb);

}  // namespace xp::report
