// Charts as inline SVG for report.html: vector graphics that stay sharp at any zoom, show each
// point's value on hover (<title>), and need no script, font or download. (plot.h draws the PNG
// versions beside the CSVs with OpenCV.)
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace xp::report {

struct SvgSeries {
  std::string name;  // the legend's entry
  std::vector<double> xs, ys;
  // A dot with a tooltip at every point: for short series (one value per epoch). Long series are
  // thinned for drawing (thin_points) and get no dots.
  bool dots = false;
};

// A dashed vertical line labelled at the top: a stage boundary, an LR suggestion.
struct SvgMarker {
  double x = 0;
  std::string label;
};

struct SvgChart {
  std::string title;
  std::string x_label, y_label;
  bool log_x = false, log_y = false;  // base-10 axes: non-positive values are left out
  bool integer_x = false;             // x ticks on whole numbers only (epochs, iterations)
  std::vector<SvgSeries> series;      // NaN values break a line
  std::vector<SvgMarker> markers;
  int width = 760, height = 300;
};

// An <svg> element; a chart with no drawable value says so in place of the plot.
std::string svg_line_chart(const SvgChart& chart);

struct SvgBar {
  std::string label;
  double value = 0;
  std::string note;  // written after the value ("cached", "3 epochs")
};

// One horizontal bar per entry from zero, the value (with `unit`) and note at its end.
std::string svg_bar_chart(const std::vector<SvgBar>& bars, const std::string& title,
                          const std::string& unit);

// "Nice" axis ticks (1, 2 or 5 × 10^k apart) covering [lo, hi] with about `count` of them.
std::vector<double> nice_ticks(double lo, double hi, int count);

// At most about `max_points` of the points, keeping each bucket's lowest and highest value in x
// order, so that a thinned LR schedule still shows every restart and every peak.
std::vector<std::pair<double, double>> thin_points(const std::vector<double>& xs,
                                                   const std::vector<double>& ys,
                                                   std::size_t max_points);

// The colour of series `index` (matplotlib's tab10, as fastai's plots use).
const char* series_color(std::size_t index);

}  // namespace xp::report
